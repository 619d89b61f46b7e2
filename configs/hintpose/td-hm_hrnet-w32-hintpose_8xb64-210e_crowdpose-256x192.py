# HintPose on HRNet-W32, CrowdPose trainval -> test, 256x192 (14 keypoints),
# both ideas on: MMPose's stock CrowdPose HRNet-W32 config with HintPose's
# model, cue transforms and metric (see the COCO config for the comments).
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/crowdpose/'
    'td-hm_hrnet-w32_8xb64-210e_crowdpose-256x192.py'
]

custom_imports = dict(imports=['mmpose_occlusion'], allow_failed_imports=False)

model = dict(
    type='HintPoseEstimator',
    backbone=dict(
        type='HintHRNet', use_cue=True, num_hops=3, num_keypoints=14))

codec = dict(
    type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
    # the other people of the box (MIPNet's 3-keypoint rule), stacked after
    # the box's own person so that the flip and the warp move them too
    dict(type='SelectOtherInstances', num_instances=4),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    # ours: half the crops that hold another person teach that person, with
    # the cue on one of its joints (the cue decides whom to estimate)
    dict(type='ChooseCueTarget', other_prob=0.5),
    dict(type='GenerateTarget', encoder=codec),
    # after GenerateTarget, which replaces the field mapping table
    dict(type='GenerateInstanceCue', gt='random_joint', sigma=2, jitter=1.5),
    dict(type='PackCuePoseInputs')
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateInstanceCue', gt=None, sigma=2),
    dict(type='PackCuePoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type='MultiInstanceCocoMetric')
test_evaluator = val_evaluator
visualizer = dict(type='OcclusionPoseVisualizer')
