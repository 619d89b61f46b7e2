# HintPose on HRNet-W48, recurrent refinement only (no cue block, 3 hops):
# the W32 -rr config (its pipeline) with the W48 widths of
# td-hm_hrnet-w48-hintpose_8xb32-210e_coco-256x192.py.
_base_ = ['./td-hm_hrnet-w32-hintpose-rr_8xb64-210e_coco-256x192.py']

model = dict(
    backbone=dict(
        extra=dict(
            stage2=dict(num_channels=(48, 96)),
            stage3=dict(num_channels=(48, 96, 192)),
            stage4=dict(num_channels=(48, 96, 192, 384))),
        init_cfg=dict(checkpoint='https://download.openmmlab.com/mmpose/'
                      'pretrain_models/hrnet_w48-8ef0771d.pth')),
    head=dict(in_channels=48))
train_dataloader = dict(batch_size=32)
