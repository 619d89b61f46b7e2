"""DetPoseNet's Algorithm 1 and kpt2box on handmade cases."""
import numpy as np
import pytest

from mmpose_occlusion.proposals import CoarsePoseFilter
from mmpose_occlusion.registry import build_proposal_filter
from mmpose_occlusion.structures import kpt2box, pose_oks

K = 17


def _pose(cx, cy, n=17, spread=20.0, score=0.9):
    """A pose with n confident keypoints on a vertical line around (cx, cy);
    the others have score 0."""
    kpts = np.zeros((K, 2), np.float32)
    kpts[:, 0] = cx
    kpts[:, 1] = cy + np.linspace(-spread, spread, K)
    scores = np.zeros(K, np.float32)
    scores[:n] = score
    return kpts, scores


def _poses(*poses):
    return (np.stack([p[0] for p in poses]), np.stack([p[1] for p in poses]))


def _filter(**kw):
    """Algorithm 1 (with our best-box-first order, ``pairing='best'``),
    unless a test asks for the unposed rules or the published order."""
    return CoarsePoseFilter(
        pose_source=None, **dict(dict(unposed_score_thr=None), **kw))


def test_default_keeps_strong_boxes_without_a_pose():
    """The default (ours) keeps a detector box of score >= 0.6 that got no
    pose and overlaps no proposal; a weaker one is dropped as in
    Algorithm 1."""
    boxes = [[0, 0, 100, 100], [200, 0, 300, 100], [400, 0, 500, 100]]
    poses = _poses(_pose(50, 50), _pose(250, 50, n=3))
    p = CoarsePoseFilter(pose_source=None)(boxes, [0.9, 0.8, 0.5], poses=poses)
    np.testing.assert_array_equal(p.source, [0, 1])
    assert CoarsePoseFilter(pose_source=None).unposed_score_thr == 0.6


def test_false_box_with_too_few_keypoints_is_dropped():
    boxes = [[0, 0, 100, 100], [200, 0, 300, 100]]
    poses = _poses(_pose(50, 50), _pose(250, 50, n=3))
    p = _filter(delta_kpt=3)(boxes, [0.9, 0.95], poses=poses)
    np.testing.assert_array_equal(p.source, [0])
    p = _filter(delta_kpt=2)(boxes, [0.9, 0.95], poses=poses)
    np.testing.assert_array_equal(p.source, [1, 0])  # by score, both real


def test_two_poses_in_one_box_give_two_boxes():
    boxes = [[0, 0, 100, 100]]
    a, b = _pose(30, 50), _pose(70, 50)  # two people side by side
    p = _filter()(boxes, [0.9], poses=_poses(a, b))
    assert len(p) == 2
    np.testing.assert_array_equal(p.source, [0, -1])
    np.testing.assert_allclose(p.bboxes[0], boxes[0])
    # the recovered box surrounds the second pose: x = 70, y 30..70,
    # extent (0, 40) grown by 15 % each side, width at least 30 % of 100
    np.testing.assert_allclose(p.bboxes[1], [55, 24, 85, 76], atol=1e-4)
    np.testing.assert_allclose(p.scores, [0.9, 0.9])
    # each proposal's cue is its pose's central joint
    np.testing.assert_allclose(p.cue_points[0], [[30, 50]])
    np.testing.assert_allclose(p.cue_points[1], [[70, 50]])
    # ... and carries the coarse poses themselves
    np.testing.assert_allclose(p.keypoints, np.stack([a[0], b[0]]))
    np.testing.assert_allclose(p.keypoint_scores, np.stack([a[1], b[1]]))


def test_duplicate_boxes_of_one_person_are_removed():
    boxes = [[0, 0, 100, 100], [5, 2, 104, 98], [200, 0, 300, 100],
             [400, 0, 500, 100]]
    poses = _poses(_pose(50, 50), _pose(250, 50))  # nobody in box 3
    p = _filter()(boxes, [0.8, 0.9, 0.7, 0.99], poses=poses)
    np.testing.assert_array_equal(p.source, [1, 2])  # the better duplicate
    # a second, slightly shifted pose of the same person is a duplicate too
    poses = _poses(_pose(50, 50), _pose(51, 50))
    p = _filter()(boxes[:2], [0.8, 0.9], poses=poses)
    assert len(p) == 1
    # ... unless the OKS threshold says otherwise
    p = _filter(oks_thr=0.999)(boxes[:1], [0.8], poses=poses)
    np.testing.assert_array_equal(p.source, [0, -1])


def test_pose_must_mostly_lie_in_the_box():
    boxes = [[0, 0, 100, 100]]
    kpts, scores = _pose(50, 110, spread=60)  # 7 of 17 joints in the box
    p = _filter(inside_frac=0.5)(boxes, [0.9], poses=_poses((kpts, scores)))
    assert len(p) == 0
    p = _filter(inside_frac=0.3)(boxes, [0.9], poses=_poses((kpts, scores)))
    assert len(p) == 1


def test_no_poses_or_no_boxes():
    empty = (np.zeros((0, K, 2)), np.zeros((0, K)))
    assert len(_filter()([[0, 0, 10, 10]], [1.0], poses=empty)) == 0
    assert len(_filter()(np.zeros((0, 4)), [], poses=_poses(_pose(5, 5)))) \
        == 0
    with pytest.raises(ValueError, match='needs the image'):
        _filter()([[0, 0, 10, 10]], [1.0])


def test_built_by_config_and_runs_in_the_chain_order():
    calls = []

    def source(img):
        calls.append(img.shape)
        return _poses(_pose(30, 50), _pose(70, 50))

    f = build_proposal_filter(
        dict(type='CoarsePoseFilter', pose_source=source))
    p = f([[0, 0, 100, 100]], [0.9], img=np.zeros((120, 110, 3), np.uint8))
    assert calls == [(120, 110, 3)] and len(p) == 2


def test_pose_oks():
    a, sa = _pose(50, 50)
    assert pose_oks(a, sa, a, sa, 1000.0, np.full(K, 0.05), 0.3) == 1.0
    b = a + 10
    near = pose_oks(a, sa, b, sa, 1000.0, np.full(K, 0.05), 0.3)
    far = pose_oks(a, sa, a + 30, sa, 1000.0, np.full(K, 0.05), 0.3)
    assert 0 < far < near < 1
    # COCO's formula: exp(-d² / (2 s² (2σ)²)) with d² = 200
    assert near == pytest.approx(np.exp(-200 / (2 * 1000 * 0.1**2)))
    assert pose_oks(a, sa, b, np.zeros(K), 1000.0, np.full(K, 0.05),
                    0.3) == 0.0  # no shared confident keypoint


def test_kpt2box_edge_cases():
    kpts = np.array([[10, 20], [30, 60], [np.nan, 5]], np.float32)
    assert kpt2box(kpts, [0.1, 0.2, 0.9]) is None  # nothing confident
    box = kpt2box(kpts, [0.9, 0.9, 0.9], margin=0.0, min_size=0)
    np.testing.assert_allclose(box, [10, 20, 30, 60])  # NaN ignored
    box = kpt2box(kpts, [0.9, 0.9, 0.0], margin=0.25, min_size=0)
    np.testing.assert_allclose(box, [5, 10, 35, 70])
    # one keypoint: a box of the least size around it
    box = kpt2box(kpts, [0.9, 0.0, 0.0], min_size=(40, 80))
    np.testing.assert_allclose(box, [-10, -20, 30, 60])
    # clipped to the image
    box = kpt2box(kpts, [0.9, 0.0, 0.0], min_size=(40, 80), img_shape=(50, 25))
    np.testing.assert_allclose(box, [0, 0, 25, 50])
    with pytest.raises(ValueError, match='3 keypoints but 2 scores'):
        kpt2box(kpts, [0.9, 0.9])


def test_a_person_keeps_its_own_weaker_box():
    """b stands inside a's (stronger) box and has its own box: it keeps that
    box instead of a kpt2box one, and a's box stays a's."""
    a, b = _pose(30, 50), _pose(70, 50)
    boxes = [[0, 0, 100, 100], [55, 20, 85, 80]]
    p = _filter()(boxes, [0.9, 0.6], poses=_poses(a, b))
    np.testing.assert_array_equal(p.source, [0, 1])
    np.testing.assert_allclose(p.cue_points[0], [[30, 50]])
    np.testing.assert_allclose(p.cue_points[1], [[70, 50]])


def test_oks_matrix_matches_pose_oks():
    from mmpose_occlusion.structures import oks_matrix
    rng = np.random.default_rng(0)
    kpts = rng.uniform(0, 100, (4, K, 2)).astype(np.float32)
    scores = rng.uniform(0, 1, (4, K)).astype(np.float32)
    areas = rng.uniform(500, 5000, 4)
    sigmas = rng.uniform(0.02, 0.1, K)
    m = oks_matrix(kpts, scores > 0.3, areas, sigmas)
    for p in range(4):
        for q in range(4):
            assert m[p, q] == pytest.approx(
                pose_oks(kpts[p], scores[p], kpts[q], scores[q], areas[q],
                         sigmas, 0.3),
                rel=1e-5)


def test_strong_boxes_without_a_pose_only_with_the_option():
    """Algorithm 1 drops every box without a pose; with
    ``unposed_score_thr`` a strong box that overlaps no proposal stays
    (a person the bottom-up model missed), weak or overlapping ones do
    not."""
    boxes = [
        [0, 0, 100, 100],  # has a pose
        [5, 5, 105, 105],  # strong duplicate of box 0, no pose
        [200, 0, 300, 100],  # strong, no pose: a missed person
        [400, 0, 500, 100]
    ]  # weak, no pose: a false box
    scores = [0.9, 0.85, 0.8, 0.3]
    poses = _poses(_pose(50, 50))
    p = _filter()(boxes, scores, poses=poses)
    np.testing.assert_array_equal(p.source, [0])
    p = _filter(unposed_score_thr=0.5)(boxes, scores, poses=poses)
    np.testing.assert_array_equal(p.source, [0, 2])
    assert p.keypoints.shape == (2, K, 2) and p.keypoint_scores[1].sum() == 0
    np.testing.assert_allclose(p.cue_points[1], [[250, 50]])
    # no poses at all: the strong boxes by score, without duplicates
    empty = (np.zeros((0, K, 2)), np.zeros((0, K)))
    p = _filter(unposed_score_thr=0.5)(boxes, scores, poses=empty)
    np.testing.assert_array_equal(p.source, [0, 2])


def test_weaker_boxes_with_coarse_keypoints_are_kept():
    """Ours: an unposed box scoring below ``unposed_score_thr`` stays when a
    confident keypoint of a pose no kept proposal accounts for lies in it
    (a partial pose, or one mostly outside the box) and it overlaps no
    proposal; with no such keypoint in it (none, or only a kept person's),
    or below ``partial_pose_score_thr``, or overlapping a kept box, it
    goes."""
    boxes = [
        [0, 0, 100, 100],  # a full pose
        [200, 0, 300, 100],  # 0.45, a partial pose: a person
        [400, 0, 500, 100],  # 0.45, nothing in it: a false box
        [600, 0, 700, 100],  # 0.2, a partial pose: below the floor
        [10, 0, 110, 100]
    ]  # 0.5, a partial pose, overlaps box 0
    scores = [0.9, 0.45, 0.45, 0.2, 0.5]
    poses = _poses(
        _pose(50, 50), _pose(250, 50, n=2), _pose(650, 50, n=3),
        _pose(105, 50, n=1))
    default = CoarsePoseFilter(pose_source=None)
    assert default.partial_pose_score_thr == 0.3
    p = default(boxes, scores, poses=poses)
    np.testing.assert_array_equal(p.source, [0, 1])
    np.testing.assert_allclose(p.cue_points[1], [[250, 50]])  # box centre
    assert p.keypoint_scores[1].sum() == 0
    # the rule off, or Algorithm 1: the partly seen person is lost
    for kw in (dict(partial_pose_score_thr=None),
               dict(unposed_score_thr=None)):
        p = CoarsePoseFilter(
            pose_source=None, **kw)(
                boxes, scores, poses=poses)
        np.testing.assert_array_equal(p.source, [0])
    # a pose with more than delta_kpt keypoints keeps the box itself
    p = default(boxes[2:3], [0.45], poses=_poses(_pose(450, 50, n=4)))
    np.testing.assert_array_equal(p.source, [0])
    # one keypoint of three inside: under inside_frac, so the pose is not
    # in the box, yet the model saw part of a person there
    head = _pose(350, 50, n=3)
    head[0][0] = [450, 50]
    p = default(boxes[2:3], [0.45], poses=_poses(head))
    np.testing.assert_array_equal(p.source, [0])
    p = CoarsePoseFilter(
        pose_source=None, partial_pose_score_thr=None)(
            boxes[2:3], [0.45], poses=_poses(head))
    assert len(p.source) == 0
    # a weak box over part of a kept person (a loose duplicate, IoU 0.33
    # with the kept box, holding 8 of its keypoints): that person is
    # accounted for, the box goes
    wide = _pose(50, 50)
    wide[0][:, 0] = np.linspace(20, 80, K)
    two = [[0, 0, 100, 100], [50, 0, 150, 100]]
    p = default(two, [0.9, 0.45], poses=_poses(wide))
    np.testing.assert_array_equal(p.source, [0])
    # ... unless a partial pose lies there too
    p = default(two, [0.9, 0.45], poses=_poses(wide, _pose(120, 50, n=2)))
    np.testing.assert_array_equal(p.source, [0, 1])
    with pytest.raises(ValueError, match='partial_pose_score_thr'):
        CoarsePoseFilter(pose_source=None, partial_pose_score_thr=0.7)


def test_algorithm1_as_published_walks_boxes_by_score():
    """``pairing='score'`` (Algorithm 1 as published): b, standing inside
    a's stronger box, is met there first and recovered with a kpt2box box,
    and its own weaker box is then dropped; the default walks b's own box
    first."""
    a, b = _pose(30, 50), _pose(70, 50)
    boxes = [[0, 0, 100, 100], [55, 20, 85, 80]]
    p = _filter(pairing='score')(boxes, [0.9, 0.6], poses=_poses(a, b))
    np.testing.assert_array_equal(p.source, [0, -1])
    p = _filter()(boxes, [0.9, 0.6], poses=_poses(a, b))
    np.testing.assert_array_equal(p.source, [0, 1])
    with pytest.raises(ValueError, match='pairing'):
        _filter(pairing='matching')


def test_keypoints_that_are_not_finite_are_not_confident():
    """Found by the property tests: a confident NaN keypoint made the
    pose's mean NaN, so its cue point was NaN (or an arbitrary joint), and
    a NaN OKS hid duplicates. It now counts as missing, as in kpt2box."""
    a, b = _pose(30, 50), _pose(70, 50)
    head = b[0].copy()
    head[0] = np.nan  # the recovered person's first keypoint
    p = _filter()([[0, 0, 100, 100]], [0.9], poses=_poses(a, (head, b[1])))
    np.testing.assert_array_equal(p.source, [0, -1])
    np.testing.assert_allclose(p.cue_points[1], [[70, 50]])  # was NaN
    # the minimal example hypothesis found: a zero-size box at 0
    kpts = np.zeros((1, 6, 2), np.float32)
    kpts[0, 0, 1] = np.nan
    f = CoarsePoseFilter(
        pose_source=None,
        delta_kpt=0,
        oks_thr=0.5,
        sigmas=np.full(6, 0.08),
        unposed_score_thr=None)
    p = f([[0, 0, 0, 0]], [0.3], poses=(kpts, np.ones((1, 6))))
    np.testing.assert_array_equal(p.cue_points[0], [[0, 0]])
    # a copy of a pose with a NaN joint is still its duplicate (the NaN
    # made their OKS NaN, so both were kept, the copy with a new box)
    poses = _poses((head, b[1]), (head.copy(), b[1]))
    p = _filter()([[40, 0, 100, 100]], [0.9], poses=poses)
    np.testing.assert_array_equal(p.source, [0])
