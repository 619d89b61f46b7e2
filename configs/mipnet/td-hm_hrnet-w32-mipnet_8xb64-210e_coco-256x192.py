# MIPNet (Khirodkar et al., ICCV 2021) on HRNet-W32, COCO, 256x192:
# N = 2 poses per box from a λ-conditioned HRNet (MIMBs on the inputs of
# stage 4 and its output, as the official code), trained with
# multi-instance targets (eq. 1), merged by OKS-NMS.
# Everything else is MMPose's stock HRNet-W32 config.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py'
]

custom_imports = dict(imports=['mmpose_occlusion'], allow_failed_imports=False)

num_instances = 2  # N

model = dict(
    type='MIPNetPoseEstimator',
    backbone=dict(type='MIPHRNet', num_instances=num_instances))

# The other people of the box are stacked after it before the flip, so the
# stock RandomFlip and TopdownAffine move them with it; RandomHalfBody (which
# works per instance) runs before that. GenerateMultiInstanceTarget replaces
# GenerateTarget and gives N slots of heatmaps (eq. 1).
codec = dict(
    type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
    dict(
        type='SelectOtherInstances',
        num_instances=num_instances,
        min_keypoints=3),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(
        type='GenerateMultiInstanceTarget',
        encoder=codec,
        num_instances=num_instances),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# N instances per box: keep them all, let the stock OKS-NMS merge them.
val_evaluator = dict(type='MultiInstanceCocoMetric')
test_evaluator = val_evaluator

visualizer = dict(type='OcclusionPoseVisualizer')
