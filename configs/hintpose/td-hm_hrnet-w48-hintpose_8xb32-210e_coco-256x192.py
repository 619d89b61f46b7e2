# HintPose on HRNet-W48, COCO, 256x192, both ideas on.
_base_ = [
    './td-hm_hrnet-w32-hintpose_8xb64-210e_coco-256x192.py',
    '../_base_/hrnet-w48.py'
]

model = dict(backbone={{_base_.hrnet_w48_backbone}}, head=dict(in_channels=48))
train_dataloader = dict(batch_size=32)
