# MIPNet on HRNet-W32, COCO, 384x288 (the 256x192 config at the larger input).
_base_ = ['./td-hm_hrnet-w32-mipnet_8xb64-210e_coco-256x192.py']

num_instances = {{_base_.num_instances}}
codec = dict(
    type='MSRAHeatmap', input_size=(288, 384), heatmap_size=(72, 96), sigma=3)
model = dict(head=dict(decoder=codec))
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
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
