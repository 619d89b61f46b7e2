# Stock MMPose top-down heatmap model (SimpleBaseline with a half-width
# ResNet-18: 32 stem/base channels, trained from scratch) on the synthetic
# crowded scenes, small enough to train on a 2-core CPU in minutes. The
# quickstart trains this config; method configs for the synthetic set inherit
# it and change only the model.
#
# Data: `python -m mmpose_occlusion.datasets.synthetic data/synthetic_crowd`
# (the quickstart does this for you).
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192.py'
]

custom_imports = dict(imports=['mmpose_occlusion'], allow_failed_imports=False)

# runtime
train_cfg = dict(max_epochs=6, val_interval=6)
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=50, start_factor=0.01, by_epoch=False),
    dict(
        type='CosineAnnealingLR',
        begin=0,
        end=6,
        T_max=6,
        by_epoch=True,
        eta_min=1e-5),
]
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(logger=dict(interval=20))
randomness = dict(seed=0)  # reproducible runs (method comparisons inherit it)

# codec and model
codec = dict(
    type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2)
model = dict(
    backbone=dict(depth=18, stem_channels=32, base_channels=32, init_cfg=None),
    head=dict(
        in_channels=256,
        deconv_out_channels=(128, 128, 128),
        deconv_kernel_sizes=(4, 4, 4),
        decoder=codec),
)

# data
data_root = 'data/synthetic_crowd/'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/person_keypoints_train.json',
        data_prefix=dict(img='train/'),
        pipeline=train_pipeline))
# Validation on ground-truth boxes (no detector on the synthetic set).
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/person_keypoints_val.json',
        bbox_file=None,
        data_prefix=dict(img='val/'),
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root +
                     'annotations/person_keypoints_val.json')
test_evaluator = val_evaluator

# MMPose's visualizer with a numpy >= 2.4 fix (see
# mmpose_occlusion.upstream)
visualizer = dict(type='OcclusionPoseVisualizer')
