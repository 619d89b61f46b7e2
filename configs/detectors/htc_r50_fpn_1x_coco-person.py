# Hybrid Task Cascade R50-FPN (the detector of HintPose's and DetPoseNet's
# COCO entries) for the crowd chain. The stock 80-class model, so the standard
# COCO checkpoint below loads as is; the chain keeps its `person` class
# (mmpose_occlusion.apis.MMDetPersonDetector). Its masks are computed and
# ignored.
_base_ = ['mmdet::htc/htc_r50_fpn_1x_coco.py']

# Test pipeline without
# the annotation loading that inference has nothing for (the chain prefixes
# its types with `mmdet.` to run it from MMPose's scope).
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor')),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

# checkpoint for the chain (--det-checkpoint) and for fine-tuning
load_from = ('https://download.openmmlab.com/mmdetection/v2.0/htc/'
             'htc_r50_fpn_1x_coco/htc_r50_fpn_1x_coco_20200317-7332cf16.pth')
