# MIPNet fine-tuned from a trained stock HRNet-W32 (COCO, 256x192), the
# official recipe: the official scripts load a trained pose model
# (TEST.MODEL_FILE pose_hrnet_w32_256x192.pth) and train the lambda model
# with Adam, lr 1e-3, for 110 epochs with steps at 70 and 100.
# Ours: the MIMBs start neutral (MIMB init='neutral'), so at step 0 the
# model gives the stock checkpoint's heatmaps for every lambda; the official
# code starts them near 0.5 x 0.5, which scales the gated features by 0.25.
_base_ = ['./td-hm_hrnet-w32-mipnet_8xb64-210e_coco-256x192.py']

model = dict(backbone=dict(mimb_cfg=dict(init='neutral'), init_cfg=None))
# MMPose's stock HRNet-W32 (COCO, 256x192); its MIMB keys are missing and
# keep their neutral init
load_from = ('https://download.openmmlab.com/mmpose/v1/body_2d_keypoint/'
             'topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-256x192-'
             '81c58e40_20220909.pth')

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
