"""Box NMS and the pass-through on bad boxes (found by the property tests in
tests/test_properties): both NMS implementations used to treat them
differently and silently; now every proposal filter names them."""
import numpy as np
import pytest

from mmpose_occlusion.proposals import BoxNMS, CoarsePoseFilter, KeepAllBoxes

FILTERS = [
    BoxNMS(impl='mmpose'),
    BoxNMS(impl='mmcv'),
    KeepAllBoxes(),
    CoarsePoseFilter(pose_source=None)
]
NO_POSES = (np.zeros((0, 17, 2)), np.zeros((0, 17)))


def _call(f, bboxes, scores):
    if isinstance(f, CoarsePoseFilter):
        return f(bboxes, scores, poses=NO_POSES)
    return f(bboxes, scores)


@pytest.mark.parametrize('f', FILTERS, ids=repr)
def test_a_nan_box_is_named(f):
    """MMPose's nms dropped it (its IoU is NaN), MMCV's kept it."""
    boxes = [[0, 0, 10, 10], [np.nan, 0, 10, 10], [50, 50, 60, 60]]
    with pytest.raises(ValueError, match='box 1 is not finite'):
        _call(f, boxes, [0.9, 0.8, 0.7])


@pytest.mark.parametrize('f', FILTERS, ids=repr)
def test_a_nan_score_is_named(f):
    """MMPose's nms sorted it first."""
    boxes = [[0, 0, 10, 10], [20, 0, 30, 10]]
    with pytest.raises(ValueError, match='score 1 is NaN'):
        _call(f, boxes, [0.9, np.nan])


@pytest.mark.parametrize('f', FILTERS, ids=repr)
def test_an_inverted_box_is_named(f):
    """x, y, w, h given as x1, y1, x2, y2: both NMS kept the inverted
    box next to the real one."""
    boxes = [[30, 40, 10, 20], [30, 40, 40, 60]]
    with pytest.raises(ValueError, match='box 0 is inverted.*xywh2xyxy'):
        _call(f, boxes, [0.9, 0.8])


def test_detections_with_a_score_column_are_named():
    with pytest.raises(ValueError, match=r'\(N, 4\).*dets\[:, 4\]'):
        BoxNMS()(np.zeros((2, 5)), [0.9, 0.8])


def test_zero_size_boxes_stay_valid():
    """Zero-size boxes pass; MMPose's nms counts two at one place as one
    (its legacy +1 pixel), MMCV's as disjoint."""
    boxes, scores = [[5, 5, 5, 5], [5, 5, 5, 5]], [0.9, 0.8]
    np.testing.assert_array_equal(BoxNMS()(boxes, scores).source, [0])
    np.testing.assert_array_equal(
        BoxNMS(impl='mmcv')(boxes, scores).source, [0, 1])
    assert len(KeepAllBoxes()(np.zeros((0, 4)), [])) == 0
