"""The crowd-mechanism measures on handmade poses: a pose on the other
person counts as `other`, a pose halfway between the two counts as
neither, one pose never counts for both, and the OKS is COCO's."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmpose_occlusion.evaluation import (count_confusion, cue_switch,
                                         instance_recall, keypoint_oks,
                                         lands_on, rates)

SIGMAS = np.array([
    .26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87,
    .87, .89, .89
]) / 10.0
# a stick figure 100 px tall around its origin (x, y)
FIGURE = np.array([[0, -45], [-3, -48], [3, -48], [-6, -46], [6, -46],
                   [-12, -30], [12, -30], [-18, -12], [18, -12], [-20, 5],
                   [20, 5], [-8, 5], [8, 5], [-9, 28], [9, 28], [-10, 50],
                   [10, 50]], np.float64)


def person(x, y, ann_id, hidden=()):
    kpts = np.concatenate([FIGURE + (x, y), np.full((17, 1), 2.0)], 1)
    kpts[list(hidden), 2] = 1
    return dict(
        id=ann_id,
        keypoints=kpts.ravel().tolist(),
        area=40 * 100,
        bbox=[x - 20, y - 50, 40, 100],
        num_keypoints=17)


def pose(ann):
    return np.asarray(ann['keypoints']).reshape(-1, 3)[:, :2]


A, B = person(100, 100, 1), person(140, 100, 2)  # 40 px apart, boxes touch


def test_oks_is_cocos():
    """Same figures as pycocotools' COCOeval.computeOks."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    rng = np.random.default_rng(0)
    preds = pose(A)[None] + rng.normal(0, 4, (5, 17, 2))
    gt = COCO()
    gt.dataset = dict(
        images=[dict(id=1, width=400, height=300)],
        annotations=[dict(A, image_id=1, category_id=1, iscrowd=0)],
        categories=[dict(id=1, name='person')])
    gt.createIndex()
    res = gt.loadRes([
        dict(
            image_id=1,
            category_id=1,
            score=1.0 - 0.1 * i,
            keypoints=np.concatenate([p, np.ones(
                (17, 1))], 1).ravel().tolist()) for i, p in enumerate(preds)
    ])
    ev = COCOeval(gt, res, 'keypoints')
    ev.params.kpt_oks_sigmas = SIGMAS
    ev._prepare()
    ours = keypoint_oks(preds, A, SIGMAS)
    np.testing.assert_allclose(ours, ev.computeOks(1, 1)[:, 0], rtol=1e-6)


def test_hidden_but_labelled_joints_count_unlabelled_do_not():
    hidden = person(100, 100, 3, hidden=range(5, 17))
    far = pose(A).copy()
    far[5:] += 50  # everything but the face far away
    assert keypoint_oks(far[None], hidden, SIGMAS)[0] < 0.5
    unlabelled = dict(hidden)
    k = np.asarray(unlabelled['keypoints']).reshape(-1, 3)
    k[5:, 2] = 0
    unlabelled['keypoints'] = k.ravel().tolist()
    assert keypoint_oks(far[None], unlabelled, SIGMAS)[0] == pytest.approx(1.0)


def test_pose_on_each_person_and_between():
    assert keypoint_oks(pose(A)[None], A, SIGMAS)[0] == pytest.approx(1.0)
    assert instance_recall(pose(A)[None], A, B, SIGMAS) == dict(
        own=True, other=False, both=False)
    assert instance_recall(pose(B)[None], A, B, SIGMAS) == dict(
        own=False, other=True, both=False)
    assert instance_recall(np.stack([pose(B), pose(A)]), A, B, SIGMAS) == \
        dict(own=True, other=True, both=True)
    between = (pose(A) + pose(B)) / 2
    assert instance_recall(between[None], A, B, SIGMAS) == dict(
        own=False, other=False, both=False)
    # two copies of the same pose find one person, not two
    assert instance_recall(np.stack([pose(A), pose(A)]), A, B,
                           SIGMAS)['both'] is False


def test_one_pose_never_counts_for_both_people():
    near = person(103, 100, 4)  # 3 px from A: a pose on A fits both
    p = pose(A)[None]
    assert keypoint_oks(p, near, SIGMAS)[0] > 0.5
    assert lands_on(p, A, near, SIGMAS)[0]
    assert not lands_on(p, near, A, SIGMAS)[0]
    assert instance_recall(p, A, near, SIGMAS)['both'] is False


def test_cue_switch():
    assert cue_switch(pose(A), pose(B), A, B, SIGMAS) == dict(
        own=True, switch=True, both=True)
    # a model that ignores its cue gives A twice: follows, never switches
    assert cue_switch(pose(A), pose(A), A, B, SIGMAS) == dict(
        own=True, switch=False, both=False)
    between = (pose(A) + pose(B)) / 2
    assert cue_switch(between, between, A, B, SIGMAS) == dict(
        own=False, switch=False, both=False)


def test_rates_and_counts():
    r = rates([dict(own=True, other=False), dict(own=True, other=True)])
    assert r == dict(own=1.0, other=0.5, n=2)
    assert rates([]) == dict(n=0)
    c = count_confusion([1, 2, 3, 3], [1, 3, 3, 5])
    assert c['exact'] == 0.5 and c['within_one'] == 0.75
    assert np.asarray(c['confusion'])[3, 5] == 1
    assert np.asarray(c['confusion']).sum() == 4
    with pytest.raises(ValueError, match='one emitted count per image'):
        count_confusion([1, 2], [1])


def test_keypoint_count_mismatch_is_named():
    with pytest.raises(ValueError, match='annotation 1 has 17 keypoints'):
        keypoint_oks(np.zeros((1, 14, 2)), A, SIGMAS[:14])


@settings(max_examples=40, deadline=None)
@given(dx=st.floats(0, 30), dy=st.floats(0, 30), more=st.floats(0.5, 10))
def test_oks_is_one_at_the_truth_and_falls_with_distance(dx, dy, more):
    shifted = pose(A) + (dx, dy)
    further = pose(A) + (dx + more, dy + more)
    o1, o2 = keypoint_oks(np.stack([shifted, further]), A, SIGMAS)
    assert 0.0 <= o2 < o1 <= 1.0


@pytest.mark.parametrize('true, emitted', [([-1, 2], [1, 2]),
                                           ([1, 2], [1, -3])])
def test_count_confusion_names_negative_counts(true, emitted):
    """Found by the property tests: a negative count indexed the matrix
    from its end and was counted in the wrong cell, silently."""
    with pytest.raises(ValueError, match='negative'):
        count_confusion(true, emitted)


def test_oks_of_no_poses_is_empty():
    """Found by the property tests: 'cannot reshape array of size 0' for a
    box whose model emitted no pose."""
    oks = keypoint_oks(np.zeros((0, 17, 2)), A, SIGMAS)
    assert oks.shape == (0, )
    assert instance_recall(np.zeros((0, 17, 2)), A, B, SIGMAS) == dict(
        own=False, other=False, both=False)
