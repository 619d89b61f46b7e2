# DetPoseNet's pose refinement sub-net with HRNet-W48 (our construction; the
# paper's "w/ HRNet-48" row does not say how it builds it), on COCO:
# multi-scale supervision on HRNet's own resolutions (1/16, 1/8, 1/4 of the
# input: heatmaps at 1/4, 1/2, 1 of the final size), multi-scale regression,
# the structure-aware loss at every scale, and keypoint masking (background and
# duplication) in training. The stock MMPose HRNet-W48 config otherwise; at
# test time it refines the boxes of the crowd chain's coarse-pose filter (see
# ./detposenet.md).
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_hrnet-w48_8xb32-210e_coco-256x192.py'
]

custom_imports = dict(imports=['mmpose_occlusion'], allow_failed_imports=False)

codec = dict(
    type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
model = dict(
    backbone=dict(extra=dict(stage4=dict(multiscale_output=True))),
    head=dict(
        _delete_=True,
        type='MultiScaleHeatmapHead',
        in_channels=(48, 96, 192, 384),
        out_channels=17,
        input_mode='pyramid',
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
