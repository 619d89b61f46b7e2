# MIPNet fine-tuned from MMPose's trained stock HRNet-W32 on CrowdPose
# (trainval, 256x192), with the official COCO fine-tuning recipe (Adam,
# lr 1e-3, 110 epochs, steps at 70 and 100) and neutral MIMBs (ours). The
# official CrowdPose scripts instead train from ImageNet weights for 210
# epochs: that is td-hm_hrnet-w32-mipnet_8xb64-210e_crowdpose-256x192.py.
_base_ = ['./td-hm_hrnet-w32-mipnet_8xb64-210e_crowdpose-256x192.py']

model = dict(backbone=dict(mimb_cfg=dict(init='neutral'), init_cfg=None))
load_from = ('https://download.openmmlab.com/mmpose/top_down/hrnet/'
             'hrnet_w32_crowdpose_256x192-960be101_20201227.pth')

train_cfg = dict(max_epochs=110, val_interval=10)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(
        type='LinearLR', begin=0, end=500, start_factor=0.001, by_epoch=False),
    dict(
        type='MultiStepLR',
        begin=0,
        end=110,
        milestones=[70, 100],
        gamma=0.1,
        by_epoch=True)
]
