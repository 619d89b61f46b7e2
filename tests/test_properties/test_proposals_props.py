"""Properties of the proposal stage on machine-made input: box NMS (both
implementations), the pass-through, ``iou_matrix``, ``kpt2box`` and
DetPoseNet's coarse-pose filter, with 0, 1 or many boxes and poses,
zero-size and duplicated boxes, keypoints outside the image or not finite.

What must hold: outputs are subsets of the inputs with consistent shapes and
dtypes; every box or pose a filter drops is explained by its documented rule;
invalid boxes (not finite, inverted, wrong shape) are refused with a
ValueError that names them.
"""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from prop_strategies import (BAD_NUMBERS, boxes, keypoints, people_counts,
                             scores, visibility)

from mmpose_occlusion.proposals import (BoxNMS, CoarsePoseFilter, KeepAllBoxes,
                                        pair_boxes_with_poses)
from mmpose_occlusion.proposals.coarse_pose_filter import _tight_boxes
from mmpose_occlusion.structures import iou_matrix, kpt2box, oks_matrix

# NaN and infinite inputs are the point here: numpy's warnings about them
# are expected
pytestmark = pytest.mark.filterwarnings('ignore::RuntimeWarning')

EPS = 1e-5


@st.composite
def detections(draw, max_n: int = 8):
    n = draw(st.one_of(people_counts, st.integers(0, max_n)))
    return draw(boxes(n)), draw(scores(n))


def _iou(a: np.ndarray, b: np.ndarray, legacy: bool) -> np.ndarray:
    """(N, M) IoU as each NMS implementation measures it (MMPose's ``nms``
    adds the legacy pixel to sides; MMCV's op does not and calls two empty
    boxes disjoint)."""
    a, b, off = a.astype(np.float64), b.astype(np.float64), float(legacy)
    wh = np.clip(
        np.minimum(a[:, None, 2:], b[None, :, 2:]) -
        np.maximum(a[:, None, :2], b[None, :, :2]) + off, 0, None)
    inter = wh.prod(-1)
    area = lambda z: (z[:, 2:] - z[:, :2] + off).prod(-1)  # noqa: E731
    union = area(a)[:, None] + area(b)[None] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0)


@given(
    dets=detections(),
    iou_thr=st.sampled_from([0.0, 0.3, 0.5, 0.7, 1.0]),
    impl=st.sampled_from(['mmpose', 'mmcv']))
def test_box_nms_keeps_an_explained_sorted_subset(dets, iou_thr, impl):
    bboxes, box_scores = dets
    out = BoxNMS(iou_thr, impl=impl)(bboxes, box_scores)
    keep = out.source
    assert keep.dtype == np.int64 and out.bboxes.dtype == np.float32
    assert out.bboxes.shape == (len(keep),
                                4) and out.scores.shape == (len(keep), )
    assert len(set(keep.tolist())) == len(keep)
    assert ((keep >= 0) & (keep < len(bboxes))).all()
    np.testing.assert_array_equal(out.bboxes, bboxes[keep])
    np.testing.assert_array_equal(out.scores, box_scores[keep])
    assert (np.diff(out.scores) <= 0).all(), 'kept boxes best first'
    if len(bboxes):
        assert len(keep) >= 1  # the best box always survives
    iou = _iou(bboxes, bboxes, legacy=impl == 'mmpose')
    kept = iou[np.ix_(keep, keep)]
    np.fill_diagonal(kept, 0)
    assert (kept <= iou_thr + EPS).all(), 'two kept boxes overlap'
    # every dropped box overlaps a kept box that scores at least as high
    for i in sorted(set(range(len(bboxes))) - set(keep.tolist())):
        better = keep[box_scores[keep] >= box_scores[i]]
        assert len(better) and iou[i, better].max() >= iou_thr - EPS, i
    # idempotent: NMS of its own output keeps all of it
    again = BoxNMS(iou_thr, impl=impl)(out.bboxes, out.scores)
    assert sorted(again.source.tolist()) == list(range(len(keep)))


@given(
    dets=detections(12),
    max_boxes=st.integers(1, 4),
    impl=st.sampled_from(['mmpose', 'mmcv']))
def test_box_nms_cap_is_a_prefix(dets, max_boxes, impl):
    full = BoxNMS(0.5, impl=impl)(*dets)
    capped = BoxNMS(0.5, max_boxes, impl=impl)(*dets)
    np.testing.assert_array_equal(capped.source, full.source[:max_boxes])


@given(dets=detections())
def test_keep_all_boxes_is_the_identity(dets):
    out = KeepAllBoxes()(*dets)
    np.testing.assert_array_equal(out.bboxes, dets[0])
    np.testing.assert_array_equal(out.source, np.arange(len(dets[0])))


@st.composite
def invalid_boxes(draw):
    bboxes, box_scores = draw(detections().filter(lambda d: len(d[0])))
    i = draw(st.integers(0, len(bboxes) - 1))
    kind = draw(st.sampled_from(['box', 'score', 'inverted']))
    if kind == 'box':
        bboxes[i, draw(st.integers(0, 3))] = draw(st.sampled_from(BAD_NUMBERS))
    elif kind == 'score':
        box_scores[i] = np.nan
    else:
        side = draw(st.integers(0, 1))
        bboxes[i, side +
               2] = bboxes[i, side] - draw(st.floats(0.5, 50, width=32))
    return bboxes, box_scores, kind


def _run(make, bboxes, box_scores):
    f = make()
    if isinstance(f, CoarsePoseFilter):
        return f(
            bboxes,
            box_scores,
            poses=(np.zeros((0, 17, 2)), np.zeros((0, 17))))
    return f(bboxes, box_scores)


@given(
    bad=invalid_boxes(),
    make=st.sampled_from([
        lambda: BoxNMS(impl='mmpose'), lambda: BoxNMS(impl='mmcv'),
        KeepAllBoxes, lambda: CoarsePoseFilter(pose_source=None)
    ]))
def test_invalid_boxes_are_refused_by_every_filter(bad, make):
    bboxes, box_scores, kind = bad
    match = {'box': 'finite', 'score': 'NaN', 'inverted': 'x2 >= x1'}[kind]
    with pytest.raises(ValueError, match=match):
        _run(make, bboxes, box_scores)


@given(n=people_counts, m=people_counts, data=st.data())
def test_iou_matrix_of_valid_boxes(n, m, data):
    a, b = data.draw(boxes(n)), data.draw(boxes(m))
    iou = iou_matrix(a, b)
    assert iou.shape == (n, m)
    assert ((iou >= 0) & (iou <= 1 + EPS)).all()
    np.testing.assert_allclose(iou_matrix(b, a), iou.T, atol=1e-6)
    area = (a[:, 2:] - a[:, :2]).prod(-1)
    np.testing.assert_allclose(
        np.diag(iou_matrix(a, a)), (area > 0).astype(np.float32), atol=1e-5)


@given(
    k=st.integers(1, 8),
    data=st.data(),
    min_size=st.one_of(
        st.floats(0, 40), st.tuples(st.floats(0, 40), st.floats(0, 40))),
    margin=st.floats(0, 0.5),
    clip=st.booleans())
def test_kpt2box_holds_the_confident_finite_keypoints(k, data, min_size,
                                                      margin, clip):
    kpts = data.draw(keypoints(1, k))[0]
    kpt_scores = data.draw(visibility(1, k))[0]
    if data.draw(st.booleans()):
        kpt_scores[data.draw(st.integers(0, k - 1))] = np.nan
    img_shape = (100, 80) if clip else None
    box = kpt2box(kpts, kpt_scores, 0.3, margin, min_size, img_shape)
    good = (kpt_scores > 0.3) & np.isfinite(kpts).all(1)
    if not good.any():
        assert box is None
        return
    assert box.shape == (4, ) and box.dtype == np.float32
    assume(np.abs(kpts[good]).max() < 1e5)
    assert np.isfinite(box).all()
    if clip:
        assert (box >= 0).all() and (box[[0, 2]] <= 80).all() and (box[[
            1, 3
        ]] <= 100).all()
        assert (box[2:] >= box[:2]).all()
        return
    pts = kpts[good]
    tol = 1e-3 * (1 + np.abs(pts).max())
    assert (pts >= box[:2] - tol).all() and (pts <= box[2:] + tol).all()
    size = np.broadcast_to(np.asarray(min_size, np.float32), (2, ))
    assert (box[2:] - box[:2] >= size - tol).all()


@st.composite
def scenes(draw):
    """Boxes and coarse poses of one image: 0, 1 or many of each; most
    poses spread over a box (some over two, or none), some keypoints are
    far outside, not finite or not confident."""
    bboxes, box_scores = draw(detections(6))
    p, k = draw(people_counts), draw(st.integers(1, 6))
    kpts = np.zeros((p, k, 2), np.float32)
    for i in range(p):
        if len(bboxes) and draw(st.integers(0, 3)) < 3:
            box = bboxes[draw(st.integers(0, len(bboxes) - 1))]
            centre, half = (box[:2] + box[2:]) / 2, (box[2:] - box[:2]) / 2
        else:
            centre = np.array([draw(st.floats(-30, 230)) for _ in '01'])
            half = np.full(2, draw(st.floats(1, 60)))
        spread = draw(
            arrays(
                np.float32, (k, 2), elements=st.floats(-1.25, 1.25, width=32)))
        kpts[i] = centre + spread * np.maximum(half, 1)
    odd = draw(keypoints(p, k))  # far outside and not finite values
    swap = draw(
        arrays(
            bool, (p, k, 2), elements=st.integers(0, 5).map(lambda v: v == 0)))
    kpts[swap] = odd[swap]
    kpt_scores = draw(visibility(p, k))
    return bboxes, box_scores, kpts, kpt_scores


@given(
    scene=scenes(),
    delta_kpt=st.integers(0, 3),
    unposed=st.sampled_from([None, 0.6]),
    partial=st.sampled_from([None, 0.3]),
    oks_thr=st.sampled_from([0.5, 0.9]),
    pairing=st.sampled_from(['score', 'best']))
def test_coarse_pose_filter_explains_every_box_and_pose(
        scene, delta_kpt, unposed, partial, oks_thr, pairing):
    bboxes, box_scores, kpts, kpt_scores = scene
    j, (p, k) = len(bboxes), kpts.shape[:2]
    sigmas = np.full(k, 0.08, np.float32)
    f = CoarsePoseFilter(
        pose_source=None,
        delta_kpt=delta_kpt,
        oks_thr=oks_thr,
        sigmas=sigmas,
        unposed_score_thr=unposed,
        partial_pose_score_thr=partial,
        pairing=pairing)
    out = f(bboxes, box_scores, poses=(kpts, kpt_scores))
    q = len(out)
    # shapes and dtypes agree
    assert out.bboxes.shape == (q, 4) and out.bboxes.dtype == np.float32
    assert out.scores.shape == (q, ) and out.source.shape == (q, )
    assert out.keypoints.shape == (q, k, 2)
    assert out.keypoint_scores.shape == (q, k)
    assert len(out.cue_points) == q
    for cue in out.cue_points:
        assert cue.shape == (1, 2) and np.isfinite(cue).all()
    assert np.isfinite(out.bboxes).all()
    assert (out.bboxes[:, 2:] >= out.bboxes[:, :2]).all()
    # a detector box is used at most once, and unchanged
    src = out.source[out.source >= 0]
    assert len(set(src.tolist())) == len(src) and (src < j).all()
    np.testing.assert_array_equal(out.bboxes[out.source >= 0], bboxes[src])
    np.testing.assert_array_equal(out.scores[out.source >= 0], box_scores[src])
    assert q <= j + p, 'more proposals than boxes and poses together'
    # posed proposals first (each carries one input pose, each pose used
    # at most once), then the unposed boxes (no pose, strong score)
    posed = out.keypoint_scores.any(1)
    n_posed = int(posed.sum())
    assert posed[:n_posed].all()
    conf = (kpt_scores > f.score_thr) & np.isfinite(kpts).all(-1)
    kept, order = np.zeros(p, bool), []
    for r in range(n_posed):
        same = [
            i for i in range(p) if not kept[i]
            and np.array_equal(out.keypoints[r], kpts[i], equal_nan=True)
            and np.array_equal(out.keypoint_scores[r], kpt_scores[i])
        ]
        assert same, f'proposal {r} carries no (unused) input pose'
        i = same[0]
        kept[i] = True
        order.append(i)
        assert conf[i].sum() > delta_kpt
        # its cue is its central joint: the confident keypoint nearest the
        # mean of its confident keypoints
        joints = kpts[i][conf[i]].astype(np.float64)
        d = ((joints - joints.mean(0))**2).sum(1)
        assert ((out.cue_points[r][0] - joints)**2).sum(1).min() == 0
        assert ((out.cue_points[r][0] - joints.mean(0))**2).sum() <= (
            d.min() + 1e-3 * (1 + d.min()))
    if unposed is None:
        assert n_posed == q, 'Algorithm 1 keeps only boxes with a pose'
    else:
        assert (out.source[n_posed:] >= 0).all()
        # strong, or (ours) weaker with a confident keypoint of a pose no
        # kept proposal accounts for (at least: not a kept one) in the box
        conf_all = (kpt_scores > f.score_thr) & np.isfinite(kpts).all(-1)
        conf_all &= ~kept[:, None]
        for i in out.source[n_posed:]:
            if box_scores[i] >= unposed:
                continue
            assert partial is not None and box_scores[i] >= partial
            x1, y1, x2, y2 = bboxes[i]
            inside = conf_all & (kpts[..., 0] >= x1) & (kpts[..., 0] <= x2) & (
                kpts[..., 1] >= y1) & (
                    kpts[..., 1] <= y2)
            assert inside.any(), (
                f'box {i} kept below unposed_score_thr without an '
                'unexplained coarse keypoint in it')
    if not (p and j):
        assert n_posed == 0
        return
    # every dropped pose is explained: at most delta_kpt confident
    # keypoints, in no box, or the same person as a kept pose
    in_a_box = np.zeros(p, bool)
    for _, i in pair_boxes_with_poses(bboxes, kpts, kpt_scores, f.score_thr,
                                      f.inside_frac):
        in_a_box[i] = True
    wh = np.diff(
        _tight_boxes(kpts, conf, f.margin).reshape(p, 2, 2), axis=1)[:, 0]
    wh = np.maximum(wh, wh[:, ::-1] / 3)
    oks = oks_matrix(kpts, conf, wh.prod(1), sigmas)
    for i in np.flatnonzero(~kept):
        if conf[i].sum() > delta_kpt and in_a_box[i]:
            assert (oks[i, kept] > oks_thr).any(), f'pose {i} lost'
    # and no kept pose duplicates one kept before it
    for n, i in enumerate(order):
        assert not (oks[i, order[:n]] > oks_thr).any(), f'pose {i} twice'
