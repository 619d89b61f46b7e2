# Ablation: DetPoseNet on the synthetic scenes without keypoint masking (the
# stock top-down training pipeline).
_base_ = ['./td-hm_hrnet-w16-small-detposenet_1xb32-6e_synthcrowd-128x96.py']

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
    dict(type='TopdownAffine', input_size={{_base_.codec.input_size}}),
    dict(type='GenerateTarget', encoder={{_base_.codec}}),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
