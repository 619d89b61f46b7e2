# Faster R-CNN R50-FPN as a person detector for the crowd chain
# (mmpose_occlusion.apis.MMDetPersonDetector, demo/image_demo.py
# --det-config). Stock MMDetection model; one class, `person`, as MMDet's own
# `faster-rcnn_r50-caffe_fpn_ms-1x_coco-person.py`. Fine-tune it from the
# COCO weights below with `mim train mmdet` (the class head restarts), or run
# the chain with the stock 80-class config and its checkpoint: the chain keeps
# the class named `person` of any detector.
_base_ = [
    'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
    '../_base_/mmdet_inference_pipeline.py'
]

model = dict(roi_head=dict(bbox_head=dict(num_classes=1)))
metainfo = dict(classes=('person', ), palette=[(220, 20, 60)])

test_pipeline = {{_base_.mmdet_inference_pipeline}}
train_dataloader = dict(dataset=dict(metainfo=metainfo))
val_dataloader = dict(dataset=dict(metainfo=metainfo, pipeline=test_pipeline))
test_dataloader = val_dataloader

load_from = ('https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/'
             'faster_rcnn_r50_fpn_1x_coco/'
             'faster_rcnn_r50_fpn_1x_coco_20200130-047c8118.pth')
