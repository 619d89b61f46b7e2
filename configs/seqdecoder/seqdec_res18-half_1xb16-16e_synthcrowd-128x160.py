# The sequential ConvLSTM person decoder at CPU scale: a half-width ResNet-18
# (from scratch), narrower ConvLSTMs and a 160x128 input (the 320x256 scenes
# at half size), trained on the synthetic crowded scenes (whole images, 1-5
# people). Disks of radius 2 on the 40x32 heatmaps (the paper's R = 3 is for
# 128x128 heatmaps; people here are 12-24 heatmap pixels tall). Keypoints
# are located on sqrt(step x part heatmap) (test_cfg.locate_by_parts: at this
# scale the steps pick the right person but place its keypoints coarsely;
# docs/seqdecoder.md). Everything else (heads, losses, stop rule, curriculum,
# flip test) is the COCO-crowd config's.
#
# Data: `python -m mmpose_occlusion.datasets.synthetic data/synthetic_crowd`.
_base_ = ['./seqdec_res50_8xb4-130e_coco-crowd-512x512.py']

# runtime: 16 epochs; the curriculum teaches at most 2 people for 3 epochs,
# then 3 and 4 for two epochs each, and 5 (all of them) from the 8th on
train_cfg = dict(max_epochs=16, val_interval=16)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=50, start_factor=0.01, by_epoch=False),
    dict(
        type='MultiStepLR',
        begin=0,
        end=16,
        milestones=[12, 15],
        gamma=0.1,
        by_epoch=True),
]
auto_scale_lr = dict(base_batch_size=16)
default_hooks = dict(
    logger=dict(interval=20), checkpoint=dict(save_best=None, interval=16))
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='PersonCurriculumHook', start=2, interval=2, settle_epoch=3)
]
randomness = dict(seed=0)

# codec and model
codec = dict(
    type='SequentialDiskHeatmap',
    input_size=(160, 128),
    heatmap_size=(40, 32),
    radius=2)
model = dict(
    backbone=dict(depth=18, stem_channels=32, base_channels=32, init_cfg=None),
    neck=dict(in_channels=(32, 64, 128, 256)),
    head=dict(
        in_channels=(32, 64, 128, 256),
        hidden_channels=(16, 16, 32, 32),
        decoder=codec),
    test_cfg=dict(max_steps=8, locate_by_parts=True))

# data: whole synthetic images (they are crowded already)
data_root = 'data/synthetic_crowd/'
train_pipeline = [
    dict(type='LoadImage'),
    # scale_type='long': the window holds the whole image or region (the
    # stock 'short' cuts tall and wide crowd regions to their short side,
    # while validation's BottomupResize('expand') shows them whole)
    dict(
        type='BottomupRandomAffine',
        input_size=codec['input_size'],
        scale_type='long',
        rotate_factor=40),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='BottomupGetHeatmapMask'),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(
        type='BottomupResize',
        input_size=codec['input_size'],
        size_factor=32,
        resize_mode='expand'),
    dict(
        type='PackPoseInputs',
        meta_keys=('id', 'img_id', 'img_path', 'crowd_index', 'ori_shape',
                   'img_shape', 'input_size', 'input_center', 'input_scale',
                   'flip', 'flip_direction', 'flip_indices', 'raw_ann_info',
                   'skeleton_links'))
]
train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    dataset=dict(
        _delete_=True,
        type='CocoDataset',
        data_mode='bottomup',
        data_root=data_root,
        ann_file='annotations/person_keypoints_train.json',
        data_prefix=dict(img='train/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/person_keypoints_val.json',
        data_prefix=dict(img='val/'),
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root +
                     'annotations/person_keypoints_val.json')
test_evaluator = val_evaluator

visualizer = dict(type='OcclusionPoseVisualizer')
