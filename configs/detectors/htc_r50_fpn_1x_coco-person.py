# Hybrid Task Cascade R50-FPN (the detector of HintPose's and DetPoseNet's
# COCO entries) for the crowd chain. The stock 80-class model, so the standard
# COCO checkpoint below loads as is; the chain keeps its `person` class
# (mmpose_occlusion.apis.MMDetPersonDetector). Its masks are computed and
# ignored.
_base_ = [
    'mmdet::htc/htc_r50_fpn_1x_coco.py',
    '../_base_/mmdet_inference_pipeline.py'
]

test_pipeline = {{_base_.mmdet_inference_pipeline}}
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

# checkpoint for the chain (--det-checkpoint) and for fine-tuning
load_from = ('https://download.openmmlab.com/mmdetection/v2.0/htc/'
             'htc_r50_fpn_1x_coco/htc_r50_fpn_1x_coco_20200317-7332cf16.pth')
