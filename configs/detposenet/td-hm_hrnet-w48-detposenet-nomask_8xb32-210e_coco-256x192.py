# The HRNet-W48 refinement sub-net trained without keypoint masking: the
# first stage of masking as fine-tuning (the paper fine-tunes its network
# with keypoint masking, §III-C4); ...-maskft_... continues from it.
_base_ = ['./td-hm_hrnet-w48-detposenet_8xb32-210e_coco-256x192.py']

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
