# HRNet-W48 in place of HRNet-W32: the stage widths and ImageNet weights of
# MMPose's td-hm_hrnet-w48_* configs. A W48 child of a W32 config inherits
# this file next to it and sets
#   model = dict(backbone={{_base_.hrnet_w48_backbone}},
#                head=dict(in_channels=48))
#   train_dataloader = dict(batch_size=32)   # 8xb32, as MMPose's W48
# (merged into the W32 backbone, so the method's own backbone keys stay).
hrnet_w48_backbone = dict(
    extra=dict(
        stage2=dict(num_channels=(48, 96)),
        stage3=dict(num_channels=(48, 96, 192)),
        stage4=dict(num_channels=(48, 96, 192, 384))),
    init_cfg=dict(checkpoint='https://download.openmmlab.com/mmpose/'
                  'pretrain_models/hrnet_w48-8ef0771d.pth'))
