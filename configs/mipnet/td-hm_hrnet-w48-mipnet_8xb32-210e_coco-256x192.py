# MIPNet on HRNet-W48, COCO, 256x192 (the W32 config with W48 widths, as in
# MMPose's td-hm_hrnet-w48_8xb32-210e_coco-256x192.py).
_base_ = ['./td-hm_hrnet-w32-mipnet_8xb64-210e_coco-256x192.py']

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
