# DetPoseNet's refinement sub-net on the synthetic crowded scenes: the small
# stock HRNet of configs/baseline/td-hm_hrnet-w16-small_... with multi-scale
# supervision and regression on its own resolutions, the structure-aware loss
# and keypoint masking; same data, schedule and budget as that baseline.
_base_ = ['../baseline/td-hm_hrnet-w16-small_1xb32-6e_synthcrowd-128x96.py']

codec = dict(
    type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2)
model = dict(
    backbone=dict(extra=dict(stage4=dict(multiscale_output=True))),
    head=dict(
        _delete_=True,
        type='MultiScaleHeatmapHead',
        in_channels=(16, 32, 64, 128),
        out_channels=17,
        input_mode='pyramid',
        num_scales=3,
        channels=64,
        msr_channels=32,
        loss=dict(
            type='StructureAwareLoss',
            alpha2=0.5,
            metainfo='configs/_base_/datasets/coco.py'),
        decoder=codec))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='KeypointBackgroundMasking', prob=0.5, patch_ratio=0.12),
    dict(type='KeypointDuplicationMasking', prob=0.5, patch_ratio=0.12),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
