# MIPNet (N = 2) on the synthetic crowded scenes with the small HRNet of
# configs/baseline/td-hm_hrnet-w16-small_... (MIMBs at the end of stages 3
# and 4, as the paper places them in HRNet), multi-instance targets and
# OKS-NMS over the merged instances; same data, schedule and budget as that
# baseline. The crowd benchmark (tools/analysis/crowd_benchmark.py) compares
# every top-down method on this backbone.
_base_ = ['../baseline/td-hm_hrnet-w16-small_1xb32-6e_synthcrowd-128x96.py']

num_instances = 2
model = dict(
    type='MIPNetPoseEstimator',
    backbone=dict(
        type='MIPHRNet', num_instances=num_instances, mimb_stages=(3, 4)))

codec = dict(
    type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
    dict(type='SelectOtherInstances', num_instances=num_instances,
         min_keypoints=3),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateMultiInstanceTarget', encoder=codec,
         num_instances=num_instances),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

val_evaluator = dict(type='MultiInstanceCocoMetric')
test_evaluator = val_evaluator
