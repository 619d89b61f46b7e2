# MIPNet (N = 2) on the synthetic crowded scenes: the quickstart's stock model
# (half-width ResNet-18, 128x96, same schedule) with MIMBs on the inputs of its
# last two stages (the official placement) and multi-instance targets. Compare
# with configs/baseline/td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py.
_base_ = ['../baseline/td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py']

num_instances = 2
model = dict(
    type='MIPNetPoseEstimator',
    backbone=dict(type='MIPResNet', num_instances=num_instances))

codec = dict(
    type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2)
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
