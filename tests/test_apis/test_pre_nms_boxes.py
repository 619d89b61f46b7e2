"""The chain's MMDetection box source hands the proposal stage the
detector's boxes before its final NMS; the stock NMS, run as the proposal
stage, gives back the detector's own output."""
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config

from mmpose_occlusion.apis import MMDetPersonDetector
from mmpose_occlusion.apis.box_sources import disable_final_nms
from mmpose_occlusion.proposals import BoxNMS, KeepAllBoxes

FASTER = osp.join(REPO_ROOT, 'configs', 'detectors',
                  'faster-rcnn_r50_fpn_1x_coco-person.py')
HTC = osp.join(REPO_ROOT, 'configs', 'detectors',
               'htc_r50_fpn_1x_coco-person.py')


def _iou(a, b):
    x1, y1 = np.maximum(a[:, None, :2], b[None, :, :2]).transpose(2, 0, 1)
    x2, y2 = np.minimum(a[:, None, 2:], b[None, :, 2:]).transpose(2, 0, 1)
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = lambda z: (z[:, 2] - z[:, 0]) * (z[:, 3] - z[:, 1])  # noqa: E731
    return inter / (area(a)[:, None] + area(b)[None] - inter)


@pytest.mark.parametrize('config, where', [
    (FASTER, 'rcnn'), (HTC, 'rcnn'),
    ('mmdet::retinanet/retinanet_r50_fpn_1x_coco.py', None)
])
def test_final_nms_is_turned_off_where_the_detector_has_it(config, where):
    from mmpose_occlusion.utils import load_config
    cfg = load_config(config, 'detector config')
    node = cfg.model.test_cfg[where] if where else cfg.model.test_cfg
    stock_iou = node.nms.iou_threshold
    stock = disable_final_nms(cfg.model, max_boxes=500)
    assert stock['nms']['iou_threshold'] == stock_iou
    assert node.nms.iou_threshold == 1.0 and node.max_per_img == 500
    with pytest.raises(ValueError, match='pre_nms=False'):
        disable_final_nms(Config(dict(test_cfg=dict(rpn=dict()))))


def test_proposal_stage_reproduces_the_detectors_output():
    """Faster R-CNN (person only, fixed random weights): the stock
    detector's boxes equal BoxNMS(its IoU, its cap, MMCV's op) on the
    pre-NMS boxes; with KeepAllBoxes there are more, overlapping ones."""
    torch.manual_seed(0)
    stock = MMDetPersonDetector(FASTER, None, pre_nms=False)
    pre = MMDetPersonDetector(FASTER, None)
    pre.model.load_state_dict(stock.model.state_dict())
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (160, 200, 3), dtype=np.uint8)
    want_boxes, want_scores = stock(img, 'x.jpg')
    boxes, scores = pre(img, 'x.jpg')
    assert len(want_boxes) > 3  # random weights still score many boxes
    got = pre.stock_nms()(boxes, scores)
    np.testing.assert_allclose(got.bboxes, want_boxes, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(got.scores, want_scores, rtol=1e-5)
    allb = KeepAllBoxes()(boxes, scores)
    assert len(allb.bboxes) > len(want_boxes)
    iou = _iou(allb.bboxes, allb.bboxes)
    np.fill_diagonal(iou, 0)
    assert iou.max() > 0.5  # boxes that NMS would have removed
    assert repr(pre.stock_nms()).startswith('BoxNMS(iou_thr=0.5')
    with pytest.raises(ValueError, match='own NMS'):
        stock.stock_nms()


def test_box_nms_cap_and_impls_agree_on_plain_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30],
                      [40, 40, 50, 50]], np.float32)
    scores = np.array([0.9, 0.8, 0.7, 0.6], np.float32)
    a = BoxNMS(0.5)(boxes, scores)
    b = BoxNMS(0.5, impl='mmcv')(boxes, scores)
    np.testing.assert_array_equal(a.source, [0, 2, 3])
    np.testing.assert_array_equal(b.source, [0, 2, 3])
    np.testing.assert_array_equal(
        BoxNMS(0.5, max_boxes=2)(boxes, scores).source, [0, 2])
    with pytest.raises(ValueError, match='impl'):
        BoxNMS(0.5, impl='torchvision')


def test_htc_cascade_boxes_before_nms():
    """HTC (80 classes, three cascade stages): its final NMS is off too;
    every person box of its stock output is among the stock NMS of the
    pre-NMS boxes (the stock output caps boxes over all 80 classes)."""
    torch.manual_seed(0)
    stock = MMDetPersonDetector(HTC, None, pre_nms=False)
    pre = MMDetPersonDetector(HTC, None)
    pre.model.load_state_dict(stock.model.state_dict())
    img = np.random.default_rng(1).integers(
        0, 255, (128, 160, 3), dtype=np.uint8)
    want, _ = stock(img, 'x.jpg')
    boxes, scores = pre(img, 'x.jpg')
    got = BoxNMS(0.5, impl='mmcv')(boxes, scores).bboxes
    assert len(boxes) >= len(got) >= len(want)
    if len(want):
        assert (_iou(want, got).max(1) > 0.999).all()
