# HintPose on HRNet-W48, recurrent refinement only (no cue block, 3 hops).
_base_ = ['./td-hm_hrnet-w48-hintpose_8xb32-210e_coco-256x192.py']

model = dict(backbone=dict(use_cue=False))

# No cue, so nobody to switch to: the box's own person is always the target
# (the stock top-down pipeline; the rendered cue is not used).
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
    dict(type='TopdownAffine', input_size={{_base_.codec.input_size}}),
    dict(type='GenerateTarget', encoder={{_base_.codec}}),
    dict(type='GenerateInstanceCue', gt='random_joint', sigma=2, jitter=1.5),
    dict(type='PackCuePoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
