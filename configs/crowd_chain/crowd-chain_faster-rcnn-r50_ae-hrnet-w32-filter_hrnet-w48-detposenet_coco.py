# As the HTC chain, with the Faster R-CNN R50-FPN person detector (stock
# 80-class COCO weights; the chain keeps the person class).
_base_ = [
    './crowd-chain_htc-r50_ae-hrnet-w32-filter_hrnet-w48-detposenet_'
    'coco.py'
]

detector = dict(
    config='mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
    checkpoint='https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/'
    'faster_rcnn_r50_fpn_1x_coco/'
    'faster_rcnn_r50_fpn_1x_coco_20200130-047c8118.pth')
