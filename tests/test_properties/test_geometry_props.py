"""Properties of the box and keypoint helpers on machine-made input: crowd
regions (``crowd_regions``), cue points from heatmaps and poses
(``models.utils.cue_peaks``) and the crowd-mechanism measures
(``evaluation.functional``), with 0, 1 or many boxes and people, zero-size
boxes, keypoints outside the image or not finite.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from prop_strategies import boxes, keypoints, people_counts, visibility

from mmpose_occlusion.datasets.crowd_regions import (crowd_groups, jitter_box,
                                                     overlap_graph,
                                                     pixel_crop_box,
                                                     region_box)
from mmpose_occlusion.evaluation.functional import (count_confusion,
                                                    keypoint_oks)
from mmpose_occlusion.models.utils import extract_cue_points, pose_cue_points

# NaN and infinite inputs are the point here: numpy's warnings about them
# are expected
pytestmark = pytest.mark.filterwarnings('ignore::RuntimeWarning')


@given(
    n=st.integers(0, 8),
    data=st.data(),
    iou_thr=st.sampled_from([0.0, 0.1, 0.5]))
def test_crowd_groups_are_the_overlap_components(n, data, iou_thr):
    bboxes = data.draw(boxes(n))
    groups = crowd_groups(bboxes, iou_thr)
    members = [i for g in groups for i in g]
    assert len(members) == len(set(members)), 'a box in two groups'
    assert all(len(g) >= 2 and g == sorted(g) for g in groups)
    assert [g[0] for g in groups] == sorted(g[0] for g in groups)
    adj = overlap_graph(bboxes, iou_thr)
    label = {i: gi for gi, g in enumerate(groups) for i in g}
    for i, j in zip(*np.nonzero(adj)):  # overlapping boxes share a group
        assert i in label and label[i] == label.get(j)
    for i in set(range(n)) - set(members):
        assert not adj[i].any()
    for g in groups:  # the region holds its members
        r = region_box(bboxes, g)
        assert (bboxes[g, :2] >= r[:2] - 1e-4).all()
        assert (bboxes[g, 2:] <= r[2:] + 1e-4).all()


@given(
    box=boxes(
        1, lo=0,
        hi=80).map(lambda b: b[0]).filter(lambda b: (b[2:] > b[:2]).all()),
    px=st.floats(0, 30),
    seed=st.integers(0, 2**16),
    clip=st.booleans(),
    integer=st.booleans())
def test_jitter_box_stays_valid_and_bounded(box, px, seed, clip, integer):
    img_shape = (100, 120) if clip else None
    out = jitter_box(box, px, seed, img_shape, integer)
    assert out.shape == (4, ) and out.dtype == np.float32
    assert (out[2:] - out[:2] >= 1 - 1e-4).all()
    if not clip:  # every edge moves by at most px (or 1 px is restored)
        assert (np.abs(out - box) <= px + 1 + 1e-3).all()


@given(
    box=st.lists(
        st.one_of(
            st.floats(-50, 200), st.sampled_from([np.inf, -np.inf, np.nan])),
        min_size=4,
        max_size=4),
    h=st.integers(1, 100),
    w=st.integers(1, 100))
def test_pixel_crop_box_is_inside_the_image_or_refused(box, h, w):
    try:
        crop = pixel_crop_box(box, (h, w))
    except ValueError as e:
        assert 'nothing' in str(e) or 'NaN is not a number' in str(e)
        return
    assert crop.dtype == np.int64
    assert 0 <= crop[0] < crop[2] <= w and 0 <= crop[1] < crop[3] <= h
    assert not np.isnan(box).any()


@given(
    p=people_counts,
    k=st.integers(1, 6),
    n_boxes=people_counts,
    data=st.data(),
    max_per_box=st.integers(1, 3),
    min_distance=st.sampled_from([0.0, 8.0]))
def test_pose_cue_points_are_confident_joints_in_the_box(
        p, k, n_boxes, data, max_per_box, min_distance):
    kpts = data.draw(keypoints(p, k))
    conf = data.draw(visibility(p, k))
    bboxes = data.draw(boxes(n_boxes, lo=-20, hi=100))
    points, point_scores = pose_cue_points(kpts, conf, bboxes, 0.3,
                                           max_per_box, min_distance)
    assert len(points) == len(point_scores) == n_boxes
    good = (conf > 0.3) & np.isfinite(kpts).all(-1)
    joints = kpts[good]
    for box, pts, sc in zip(bboxes, points, point_scores):
        assert pts.shape == (len(sc), 2) and len(sc) <= max_per_box
        assert np.isfinite(pts).all() and (np.diff(sc) <= 0).all()
        assert ((pts >= box[:2]) & (pts <= box[2:])).all()
        for q in pts:  # each cue is a confident finite joint
            assert (np.abs(joints - q).sum(1) == 0).any()
        d = np.linalg.norm(pts[:, None] - pts[None], axis=-1)
        assert (d[np.triu_indices(len(pts), 1)] >= min_distance).all()


@given(
    hm=arrays(
        np.float32,
        st.tuples(st.integers(1, 3), st.integers(1, 12), st.integers(1, 12)),
        elements=st.one_of(
            st.floats(0, 1, width=32), st.sampled_from([np.nan, np.inf]))),
    n_boxes=people_counts,
    data=st.data())
def test_heatmap_cue_points_are_finite_peaks_in_the_box(hm, n_boxes, data):
    bboxes = data.draw(boxes(n_boxes, lo=-5, hi=12, max_size=10))
    points, point_scores = extract_cue_points(
        hm, bboxes, threshold=0.1, min_distance=0.0)
    assert len(points) == n_boxes
    for box, pts, sc in zip(bboxes, points, point_scores):
        assert pts.shape == (len(sc), 2)
        assert ((pts >= box[:2]) & (pts <= box[2:])).all()
        assert (sc > 0.1).all() and (sc[:-1] >= sc[1:]).all()


@given(
    true=st.lists(st.integers(0, 6), min_size=1, max_size=20), data=st.data())
def test_count_confusion_adds_up(true, data):
    emitted = data.draw(
        st.lists(st.integers(0, 6), min_size=len(true), max_size=len(true)))
    out = count_confusion(true, emitted)
    m = np.asarray(out['confusion'])
    assert m.sum() == len(true)
    np.testing.assert_array_equal(
        m.sum(1)[:max(true) + 1], np.bincount(true, minlength=max(true) + 1))
    assert out['exact'] == pytest.approx(np.trace(m) / len(true))
    assert out['exact'] <= out['within_one'] <= 1


@given(n=people_counts, data=st.data())
def test_keypoint_oks_is_a_similarity(n, data):
    k = 4
    sigmas = np.full(k, 0.08)
    gt = data.draw(keypoints(1, k, bad=False))[0]
    ann = dict(
        keypoints=np.concatenate([gt, np.full((k, 1), 2)], 1).ravel(),
        area=data.draw(st.floats(1, 1e4)))
    poses = data.draw(keypoints(n, k, bad=False))
    oks = keypoint_oks(poses, ann, sigmas)
    assert oks.shape == (n, )
    assert ((oks >= 0) & (oks <= 1 + 1e-9)).all()
    assert keypoint_oks(gt[None], ann, sigmas)[0] == pytest.approx(1)
