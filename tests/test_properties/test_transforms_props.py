"""Properties of the data transforms on machine-made samples: 0, 1 or many
people, keypoints outside the image or not finite, all keypoints unlabelled,
zero-size boxes.

What must hold: the keypoint and visibility arrays keep consistent shapes;
a keypoint never becomes visible, and one that leaves the image (or is not
finite) stops being visible; counts are recounted; chosen people satisfy
the documented rule; the annotations of masking augmentations do not move.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from prop_strategies import (boxes, coordinate, keypoints, people_counts,
                             visibility)

from mmpose_occlusion.datasets.crowd_regions import crop_region
from mmpose_occlusion.datasets.transforms import (ChooseCueTarget,
                                                  GenerateInstanceCue,
                                                  GenerateMultiInstanceTarget,
                                                  KeypointBackgroundMasking,
                                                  KeypointDuplicationMasking,
                                                  RandomCrowdRegionCrop,
                                                  select_other_instances)
from mmpose_occlusion.datasets.transforms.multi_instance import labelled_inside

# NaN and infinite inputs are the point here: numpy's warnings about them
# are expected
pytestmark = pytest.mark.filterwarnings('ignore::RuntimeWarning')

INPUT = (48, 64)  # (w, h)


@st.composite
def image_people(draw, max_k: int = 5):
    """An image (H, W, 3) and its people: keypoints, visibility (N, K) or
    MMPose's (N, K, 2), boxes, areas."""
    h, w = draw(st.integers(8, 60)), draw(st.integers(8, 60))
    n, k = draw(people_counts), draw(st.integers(1, max_k))
    kpts = draw(keypoints(n, k, lo=-10, hi=70))
    vis = draw(visibility(n, k))
    if draw(st.booleans()):
        vis = np.stack([vis, np.ones_like(vis)], -1)
    img = np.arange(h * w * 3, dtype=np.uint8).reshape(h, w, 3)
    return img, kpts, vis, draw(boxes(n, lo=-10, hi=60, max_size=40))


@given(sample=image_people(), data=st.data())
def test_crop_region_moves_people_and_hides_the_outside(sample, data):
    img, kpts, vis, bboxes = sample
    h, w = img.shape[:2]
    x1, y1 = data.draw(st.floats(-5, w - 2)), data.draw(st.floats(-5, h - 2))
    # a region that overlaps the image (else crop_region refuses it)
    region = [
        x1, y1, x1 + max(0, -x1) + data.draw(st.floats(1.5, 40)),
        y1 + max(0, -y1) + data.draw(st.floats(1.5, 40))
    ]
    area = (bboxes[:, 2:] - bboxes[:, :2]).prod(-1)
    out = crop_region(img, kpts, vis, bboxes, region, area=area)
    cx1, cy1, cx2, cy2 = out['crop_box']
    cw, ch = cx2 - cx1, cy2 - cy1
    assert out['img'].shape == (ch, cw, 3) and cw >= 1 and ch >= 1
    assert out['keypoints'].shape == kpts.shape
    assert out['keypoints_visible'].shape == vis.shape
    np.testing.assert_allclose(
        out['keypoints'], kpts - np.float32([cx1, cy1]), atol=1e-3)
    v_in, v_out = (
        v[..., 0] if v.ndim == 3 else v
        for v in (vis, out['keypoints_visible']))
    assert (v_out <= v_in).all(), 'a keypoint became visible'
    p = out['keypoints']
    with np.errstate(invalid='ignore'):
        inside = (p[..., 0] >= 0) & (p[..., 0] <= cw) & (p[..., 1] >= 0) & (
            p[..., 1] <= ch)
    np.testing.assert_array_equal(v_out, np.where(inside, v_in, 0))
    b = out['bboxes']
    assert b.shape == (len(bboxes), 4)
    assert (b >= 0).all() and (b[:, [0, 2]] <= cw).all() and (b[:, [1, 3]]
                                                              <= ch).all()
    assert out['area'].shape == area.shape
    assert (out['area'] <= area + 1e-3).all() and (out['area'] >= 0).all()


@given(
    sample=image_people(),
    scale_prob=st.sampled_from([0.0, 1.0]),
    seed=st.integers(0, 2**16))
def test_crowd_region_crop_recounts_and_keeps_shapes(sample, scale_prob, seed):
    img, kpts, vis, bboxes = sample
    h, w = img.shape[:2]
    np.random.seed(seed)
    region = np.float32([w * 0.2, h * 0.2, w * 0.7, h * 0.8])
    results = dict(
        img=img,
        crowd_region=region,
        keypoints=kpts.copy(),
        keypoints_visible=vis.copy(),
        bbox=bboxes.copy(),
        area=(bboxes[:, 2:] - bboxes[:, :2]).prod(-1),
        num_keypoints=[0] * len(kpts))
    out = RandomCrowdRegionCrop(scale_prob=scale_prob)(results)
    assert out['img'].shape[:2] == out['img_shape']
    assert out['keypoints'].shape == kpts.shape
    assert out['keypoints_visible'].shape == vis.shape
    assert out['bbox'].shape == bboxes.shape
    labelled = out['keypoints_visible']
    labelled = labelled[..., 0] if labelled.ndim == 3 else labelled
    assert out['num_keypoints'] == [int(n) for n in (labelled > 0).sum(-1)]
    assert np.isfinite(out['keypoints'][labelled > 0]).all()


@st.composite
def topdown_people(draw, max_n: int = 5):
    """A top-down sample after ``TopdownAffine``: n >= 1 people (B0 and
    others stacked by ``SelectOtherInstances``) in input pixels."""
    n, k = draw(st.integers(1, max_n)), draw(st.integers(1, 6))
    kpts = draw(keypoints(n, k, lo=-10, hi=70))
    vis = draw(visibility(n, k))
    return dict(
        transformed_keypoints=kpts.copy(),
        keypoints=kpts.copy(),
        keypoints_visible=vis,
        input_size=INPUT,
        input_center=np.float32([24, 32]),
        input_scale=np.float32([48, 64]))


@given(
    results=topdown_people(),
    other_prob=st.sampled_from([0.0, 0.5, 1.0]),
    min_keypoints=st.integers(1, 4),
    seed=st.integers(0, 2**16))
def test_choose_cue_target_picks_a_person_who_is_there(results, other_prob,
                                                       min_keypoints, seed):
    np.random.seed(seed)
    before = {k: np.copy(v) for k, v in results.items()}
    n, k = before['keypoints'].shape[:2]
    out = ChooseCueTarget(other_prob, min_keypoints)(results)
    t = out['cue_target']
    assert 0 <= t < n
    for key in ('keypoints', 'keypoints_visible', 'transformed_keypoints'):
        assert out[key].shape[0] == 1
        np.testing.assert_array_equal(out[key], before[key][t:t + 1])
    if t:
        inside = labelled_inside(before['transformed_keypoints'][t],
                                 before['keypoints_visible'][t], INPUT)
        assert inside.sum() >= min_keypoints
    if other_prob == 0:
        assert t == 0


@given(
    results=topdown_people(),
    slots=st.integers(1, 4),
    min_keypoints=st.integers(1, 4))
def test_multi_instance_target_slots_follow_eq_1(results, slots,
                                                 min_keypoints):
    before = {k: np.copy(v) for k, v in results.items()}
    n, k = before['keypoints'].shape[:2]
    t = GenerateMultiInstanceTarget(
        dict(
            type='MSRAHeatmap',
            input_size=INPUT,
            heatmap_size=(12, 16),
            sigma=2),
        num_instances=slots,
        min_keypoints=min_keypoints)
    out = t(results)
    assert out['heatmaps'].shape == (slots * k, 16, 12)
    assert np.isfinite(out['heatmaps']).all()
    assert out['keypoint_weights'].shape == (1, slots * k)
    src = out['slot_sources']
    assert src.shape == (slots, ) and src[0] == 0
    inside = labelled_inside(before['transformed_keypoints'],
                             before['keypoints_visible'], INPUT)
    for i, s in enumerate(src):
        present = i < n and (i == 0 or inside[i].sum() >= min_keypoints)
        assert s == (i if present else 0)
    # a slot's weights are its person's: 0 where unlabelled
    w = out['keypoint_weights'].reshape(slots, k)
    assert not (w > 0)[before['keypoints_visible'][src] <= 0].any()
    for key in ('keypoints', 'keypoints_visible', 'transformed_keypoints'):
        np.testing.assert_array_equal(out[key], before[key][:1])


@given(
    results=topdown_people(max_n=1),
    cls=st.sampled_from(
        [KeypointBackgroundMasking, KeypointDuplicationMasking]),
    max_keypoints=st.integers(1, 3),
    gray=st.booleans(),
    seed=st.integers(0, 2**16))
def test_keypoint_masking_masks_labelled_keypoints_only(
        results, cls, max_keypoints, gray, seed):
    np.random.seed(seed)
    w, h = INPUT
    shape = (h, w) if gray else (h, w, 3)
    img = np.random.randint(0, 255, shape).astype(np.uint8)
    results['img'] = img.copy()
    before = {k: np.copy(v) for k, v in results.items()}
    out = cls(prob=1.0, max_keypoints=max_keypoints)(results)
    assert out['img'].shape == shape and out['img'].dtype == np.uint8
    for key in ('keypoints', 'keypoints_visible', 'transformed_keypoints'):
        np.testing.assert_array_equal(out[key], before[key])
    np.testing.assert_array_equal(before['img'], img)  # not in place
    done = out['keypoint_masking']
    assert len(done) <= max_keypoints
    candidates = labelled_inside(before['transformed_keypoints'][0],
                                 before['keypoints_visible'][0], INPUT)
    for _, k in done:
        assert candidates[k]
    if not done:
        np.testing.assert_array_equal(out['img'], img)


@given(
    results=topdown_people(),
    cues=st.one_of(st.none(), st.integers(1, 4)),
    data=st.data(),
    gt=st.sampled_from([None, 'random_joint', 'nearest_centroid']),
    stride=st.sampled_from([1, 4]))
def test_instance_cue_is_a_finite_map_per_cue(results, cues, data, gt, stride):
    if cues is not None:
        results['cue_points'] = np.asarray(
            [[data.draw(coordinate(-50, 100, bad=False)) for _ in '01']
             for _ in range(cues)], np.float32)
    out = GenerateInstanceCue(stride=stride, gt=gt)(results)
    m = out['cue_points_input'].shape[0]
    assert m == (cues or 1)
    assert out['instance_cue'].shape == (m, 64 // stride, 48 // stride)
    assert out['instance_cue'].dtype == np.float32
    assert np.isfinite(out['instance_cue']).all()
    assert np.isfinite(out['cue_points_input']).all()
    assert (out['instance_cue'] >= 0).all() and (out['instance_cue']
                                                 <= 1).all()
    if cues is None and gt == 'nearest_centroid':
        # one of the target's labelled keypoints inside the input, or the
        # centre when it has none
        kpts = results['transformed_keypoints'][0]
        inside = labelled_inside(kpts, results['keypoints_visible'][0], INPUT)
        want = kpts[inside] if inside.any() else np.float32([[24, 32]])
        assert (np.abs(want - out['cue_points_input'][0]).sum(1) == 0).any()


@given(
    n=people_counts,
    k=st.integers(1, 6),
    data=st.data(),
    max_others=st.integers(0, 3),
    min_keypoints=st.integers(1, 4))
def test_select_other_instances_follows_the_rule(n, k, data, max_others,
                                                 min_keypoints):
    bbox = data.draw(boxes(1, lo=0, hi=40))[0]
    kpts = data.draw(keypoints(n, k, lo=-10, hi=90))
    vis = data.draw(visibility(n, k))
    others = data.draw(boxes(n, lo=-10, hi=90))
    keep = select_other_instances(bbox, kpts, vis, others, max_others,
                                  min_keypoints)
    assert keep.dtype == np.int64 and len(keep) <= max(max_others, 0)
    assert len(set(keep.tolist())) == len(keep)
    x1, y1, x2, y2 = bbox
    with np.errstate(invalid='ignore'):
        inside = ((kpts[..., 0] >= x1) & (kpts[..., 0] <= x2) &
                  (kpts[..., 1] >= y1) & (kpts[..., 1] <= y2) & (vis > 0))
    eligible = np.flatnonzero(inside.sum(1) >= min_keypoints)
    assert set(keep.tolist()) <= set(eligible.tolist())
    # nearest first, and nobody eligible left out for a farther one
    dist = np.linalg.norm(
        (others[:, :2] + others[:, 2:]) / 2 - (bbox[:2] + bbox[2:]) / 2,
        axis=1)
    assert (np.diff(dist[keep]) >= 0).all()
    assert len(keep) == min(len(eligible), max_others)
    if len(keep):
        left = np.setdiff1d(eligible, keep)
        assert (dist[left] >= dist[keep].max()).all()
