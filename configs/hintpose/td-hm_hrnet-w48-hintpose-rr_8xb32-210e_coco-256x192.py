# HintPose on HRNet-W48, recurrent refinement only (no cue block, 3 hops):
# the W32 -rr config (its pipeline) on HRNet-W48.
_base_ = [
    './td-hm_hrnet-w32-hintpose-rr_8xb64-210e_coco-256x192.py',
    '../_base_/hrnet-w48.py'
]

model = dict(backbone={{_base_.hrnet_w48_backbone}}, head=dict(in_channels=48))
train_dataloader = dict(batch_size=32)
