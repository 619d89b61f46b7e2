# MIPNet on HRNet-W32, CrowdPose trainval -> test, 256x192 (paper Table 3/5),
# evaluated with CrowdPose's keypoints_crowd AP (easy / medium / hard).
# MMPose's stock CrowdPose HRNet-W32 config with MIPNet's model, train
# pipeline and metric (see the COCO config for the comments).
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/crowdpose/'
    'td-hm_hrnet-w32_8xb64-210e_crowdpose-256x192.py'
]

custom_imports = dict(imports=['mmpose_occlusion'], allow_failed_imports=False)

num_instances = 2
model = dict(
    type='MIPNetPoseEstimator',
    backbone=dict(type='MIPHRNet', num_instances=num_instances))

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

val_evaluator = dict(type='MultiInstanceCocoMetric')
test_evaluator = val_evaluator
visualizer = dict(type='OcclusionPoseVisualizer')
