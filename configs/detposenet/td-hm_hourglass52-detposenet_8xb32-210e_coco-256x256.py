# DetPoseNet's pose refinement sub-net on MMPose's hourglass (the paper's
# cascaded hourglass stacks), on COCO: two stacks, the structure-aware loss
# between them (intermediate supervision), multi-scale supervision and
# regression on the last stack, keypoint masking in training. The stock
# MMPose Hourglass-52 config otherwise.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_hourglass52_8xb32-210e_coco-256x256.py'
]

custom_imports = dict(imports=['mmpose_occlusion'], allow_failed_imports=False)

codec = dict(
    type='MSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2)
model = dict(
    backbone=dict(num_stacks=2),
    head=dict(
        _delete_=True,
        type='MultiScaleHeatmapHead',
        in_channels=256,
        out_channels=17,
        input_mode='stacks',
        num_scales=3,
        channels=128,
        msr_channels=64,
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
    # keypoint masking (§III-C4): on the crop, labels unchanged
    dict(type='KeypointBackgroundMasking', prob=0.5, patch_ratio=0.12),
    dict(type='KeypointDuplicationMasking', prob=0.5, patch_ratio=0.12),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
