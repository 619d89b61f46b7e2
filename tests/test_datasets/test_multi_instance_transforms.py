import json
import os.path as osp

import numpy as np
import pytest
from mmpose.datasets import CocoDataset
from mmpose.structures.bbox import get_warp_matrix

from mmpose_occlusion.datasets.transforms import (GenerateMultiInstanceTarget,
                                                  SelectOtherInstances,
                                                  select_other_instances)

CODEC = dict(
    type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2)


def _person(points, visible=None, box=None):
    kpts = np.zeros((17, 2), np.float32)
    kpts[:len(points)] = points
    vis = np.zeros(17, np.float32)
    vis[:len(points)] = 1 if visible is None else visible
    return kpts, vis, np.array(box, np.float32)


def _others(*people):
    return (np.stack([p[0] for p in people]), np.stack([p[1] for p in people]),
            np.stack([p[2] for p in people]))


B0 = np.array([0, 0, 100, 100], np.float32)
# far: 3 labelled keypoints inside B0, box centre 80 px from B0's (50, 50)
FAR = _person([(10, 10), (20, 20), (30, 30)], box=[90, 50, 170, 150])
# near: 5 inside, centre 10 px away
NEAR = _person([(50, 50)] * 5, box=[20, 20, 100, 100])
# two inside only: excluded (k = 3)
TWO = _person([(10, 10), (20, 20), (300, 300)], box=[0, 0, 100, 100])
# four inside but two of them unlabelled: excluded
UNLABELLED = _person([(10, 10)] * 4, visible=[1, 1, 0, 0], box=[0, 0, 90, 90])
# 3 inside, centre 40 px away
MID = _person([(60, 60)] * 3, box=[50, 20, 130, 100])


def test_three_keypoint_criterion_and_distance_order():
    kpts, vis, boxes = _others(FAR, NEAR, TWO, UNLABELLED, MID)
    assert list(select_other_instances(B0, kpts, vis, boxes, 10)) == [1, 4, 0]
    # n > N: only the N - 1 nearest are kept
    assert list(select_other_instances(B0, kpts, vis, boxes, 1)) == [1]
    assert list(select_other_instances(B0, kpts, vis, boxes, 2)) == [1, 4]
    # the criterion is configurable
    assert 2 in select_other_instances(
        B0, kpts, vis, boxes, 10, min_keypoints=2)


def test_nobody_else():
    kpts, vis, boxes = _others(TWO)
    assert len(select_other_instances(B0, kpts, vis, boxes, 3)) == 0
    assert len(select_other_instances(B0, kpts[:0], vis[:0], boxes[:0],
                                      3)) == 0


def _dataset(root, pipeline):
    return CocoDataset(
        data_root=root,
        ann_file='annotations/person_keypoints_train.json',
        data_prefix=dict(img='train/'),
        data_mode='topdown',
        pipeline=pipeline)


def _pipeline(num_instances, flip):
    return [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='SelectOtherInstances', num_instances=num_instances),
        dict(type='RandomFlip', prob=1.0 if flip else 0.0),
        dict(type='TopdownAffine', input_size=CODEC['input_size']),
        dict(
            type='GenerateMultiInstanceTarget',
            encoder=CODEC,
            num_instances=num_instances),
        dict(type='PackPoseInputs'),
    ]


def _expected_heatmap_peaks(ann, center, scale, flip, flip_indices, width):
    """Where the codec should put each keypoint of ``ann``: flip as MMPose
    does (x -> w - 1 - x, left <-> right), warp with the sample's input
    centre/scale, divide by the heatmap stride (4)."""
    k = np.array(ann['keypoints'], np.float32).reshape(17, 3)
    xy, vis = k[:, :2].copy(), k[:, 2] > 0
    if flip:
        xy[:, 0] = width - 1 - xy[:, 0]
        xy, vis = xy[flip_indices], vis[flip_indices]
    warp = get_warp_matrix(center, scale, 0, output_size=(96, 128))
    xy = xy @ warp[:, :2].T + warp[:, 2]
    return xy / 4.0, vis


@pytest.mark.parametrize('flip', [False, True])
def test_targets_follow_each_person_through_flip_and_affine(tiny_synth, flip):
    ds = _dataset(tiny_synth, _pipeline(2, flip))
    with open(osp.join(tiny_synth,
                       'annotations/person_keypoints_train.json')) as f:
        anns = {a['id']: a for a in json.load(f)['annotations']}
    infos = [ds.get_data_info(j) for j in range(len(ds))]
    checked = 0
    for idx in range(len(ds)):
        info = ds.get_data_info(idx)
        sample = ds[idx]['data_samples']
        hm = sample.gt_fields.heatmaps.numpy().reshape(2, 17, 32, 24)
        w = sample.gt_instance_labels.keypoint_weights.numpy().reshape(2, 17)
        # B0 alone in the instance fields, as in stock MMPose
        assert sample.gt_instances.keypoints.shape == (1, 17, 2)
        # which other person went into slot 1: recompute the rule
        others = [
            o for o in infos
            if o['img_id'] == info['img_id'] and o['id'] != info['id']
        ]
        keep = select_other_instances(
            info['bbox'][0],
            np.stack([o['keypoints'][0]
                      for o in others]) if others else np.zeros((0, 17, 2)),
            np.stack([o['keypoints_visible'][0]
                      for o in others]) if others else np.zeros((0, 17)),
            np.stack([o['bbox'][0] for o in others]) if others else np.zeros(
                (0, 4)), 1)
        slot1 = anns[others[keep[0]]['id']] if len(keep) else anns[info['id']]
        meta = sample.metainfo
        width = meta['ori_shape'][1]
        for slot, ann in ((0, anns[info['id']]), (1, slot1)):
            # input_center is the (flipped) centre TopdownAffine used
            peaks, vis = _expected_heatmap_peaks(
                ann, np.array(meta['input_center'], np.float32),
                np.array(meta['input_scale'], np.float32), flip,
                info['flip_indices'], width)
            for k in range(17):
                inside = (0 <= peaks[k, 0] <= 23) and (0 <= peaks[k, 1] <= 31)
                if not vis[k] or not inside:
                    continue
                assert w[slot, k] > 0
                y, x = np.unravel_index(hm[slot, k].argmax(), (32, 24))
                assert abs(x - peaks[k, 0]) <= 1 and abs(y - peaks[k, 1]) <= 1
                checked += 1
        if len(keep) == 0:  # eq. (1): the residual slot repeats y0
            np.testing.assert_array_equal(hm[1], hm[0])
    assert checked > 100


def test_residual_slots_and_truncation(tiny_synth):
    ds = _dataset(tiny_synth, _pipeline(4, flip=False)[:5])  # to the affine
    counts = [ds[i]['num_box_instances'] for i in range(len(ds))]
    assert min(counts) >= 1 and max(counts) <= 4
    assert max(counts) >= 2  # crowded scenes do put others in the box
    results = ds[int(np.argmax(counts))]
    n = results['num_box_instances']
    assert results['keypoints'].shape == (n, 17, 2)
    gen = GenerateMultiInstanceTarget(CODEC, num_instances=n + 2)
    out = gen(dict(results))
    hm = out['heatmaps'].reshape(n + 2, 17, 32, 24)
    for i in range(n, n + 2):
        np.testing.assert_array_equal(hm[i], hm[0])
    assert not np.array_equal(hm[1], hm[0])
    assert out['keypoint_weights'].shape == (1, (n + 2) * 17)


def test_select_needs_the_dataset():
    t = SelectOtherInstances(num_instances=2)
    with pytest.raises(KeyError, match='data_mode="topdown"'):
        t(dict(keypoints=np.zeros((1, 17, 2)), bbox=B0[None]))


def test_half_body_and_bbox_jitter_before_the_stacking(tiny_synth):
    """The stock RandomHalfBody works per instance, so it runs before the
    other people are stacked; the whole MIPNet train pipeline then gives
    N slots for every sample."""
    pipeline = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(
            type='RandomHalfBody',
            prob=1.0,
            min_total_keypoints=1,
            min_upper_keypoints=1,
            min_lower_keypoints=1),
        dict(type='RandomBBoxTransform'),
        dict(type='SelectOtherInstances', num_instances=3),
        dict(type='RandomFlip', prob=0.5),
        dict(type='TopdownAffine', input_size=CODEC['input_size']),
        dict(
            type='GenerateMultiInstanceTarget', encoder=CODEC,
            num_instances=3),
        dict(type='PackPoseInputs'),
    ]
    ds = _dataset(tiny_synth, pipeline)
    for i in range(len(ds)):
        sample = ds[i]['data_samples']
        assert sample.gt_fields.heatmaps.shape == (3 * 17, 32, 24)
        assert sample.gt_instance_labels.keypoint_weights.shape == (1, 51)
        assert sample.gt_instances.keypoints.shape == (1, 17, 2)


def test_on_real_crowded_coco_images():
    """Plumbing on real annotations (../shared/data/real/coco_mini)."""
    from conftest import SHARED_REAL
    root = osp.join(SHARED_REAL, 'coco_mini')
    if not osp.isdir(root):
        pytest.skip('../shared/data/real/coco_mini is absent')
    ds = CocoDataset(
        data_root=root,
        ann_file='annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='train2017/'),
        data_mode='topdown',
        pipeline=[
            dict(type='LoadImage'),
            dict(type='GetBBoxCenterScale'),
            dict(type='SelectOtherInstances', num_instances=3),
        ])
    counts = [ds[i]['num_box_instances'] for i in range(len(ds))]
    assert max(counts) == 3  # crowded photos do fill all three slots
    assert counts.count(1) > 0  # ...and many boxes hold one person


def test_a_person_moved_out_of_the_crop_gets_the_residual_target():
    """Eq. (1)'s residual rule after augmentation: when the other person
    has 3 or fewer labelled keypoints left inside the input (the official
    rule), its slot encodes B0 (not an all-zero "don't care" target)."""
    rng = np.random.default_rng(0)
    own = np.stack([rng.uniform(10, 86, 17), rng.uniform(10, 118, 17)], 1)
    inside = own + 5.0
    outside = own.copy()
    outside[:, 0] += 200  # all but three keypoints leave the 96-px input
    outside[:3, 0] = [50, 60, 70]
    gen = GenerateMultiInstanceTarget(CODEC, num_instances=2)
    for other, moved in ((inside, False), (outside, True)):
        kpts = np.stack([own, other]).astype(np.float32)
        out = gen(
            dict(
                transformed_keypoints=kpts.copy(),
                keypoints=kpts.copy(),
                keypoints_visible=np.ones((2, 17), np.float32),
                input_size=(96, 128)))
        hm = out['heatmaps'].reshape(2, 17, 32, 24)
        w = out['keypoint_weights'].reshape(2, 17)
        assert list(out['slot_sources']) == [0, 0 if moved else 1]
        if moved:
            np.testing.assert_array_equal(hm[1], hm[0])
            np.testing.assert_array_equal(w[1], w[0])
        else:
            assert not np.array_equal(hm[1], hm[0])
    # three keypoints inside are enough with min_keypoints = 3
    out = GenerateMultiInstanceTarget(
        CODEC, num_instances=2, min_keypoints=3)(
            dict(
                transformed_keypoints=np.stack([own,
                                                outside]).astype(np.float32),
                keypoints_visible=np.ones((2, 17), np.float32),
                input_size=(96, 128)))
    assert list(out['slot_sources']) == [0, 1]


def test_crowd_repeat_dataset_repeats_the_crowded_samples(tiny_synth):
    """A sample whose box holds another person (the 3-keypoint rule)
    appears ``times`` times, the others once; items are the dataset's."""
    from mmpose_occlusion.datasets import CrowdRepeatDataset
    base = _dataset(tiny_synth, [dict(type='LoadImage')])
    rep = CrowdRepeatDataset(base, times=3)
    infos = [base.get_data_info(i) for i in range(len(base))]
    crowded = 0
    for i, info in enumerate(infos):
        others = [
            o for o in infos
            if o['img_id'] == info['img_id'] and o['id'] != info['id']
        ]
        keep = select_other_instances(
            info['bbox'][0], np.stack([o['keypoints'][0] for o in others]),
            np.stack([o['keypoints_visible'][0] for o in others]),
            np.stack([o['bbox'][0] for o in others]), 1) if others else []
        crowded += len(keep) > 0
        assert rep._indices.count(i) == (3 if len(keep) else 1)
    assert 0 < crowded < len(base)  # tiny_synth has both kinds
    assert rep.num_crowded == crowded
    assert len(rep) == len(base) + 2 * crowded
    assert rep[0]['id'] == base[rep._indices[0]]['id']
    assert rep.metainfo['dataset_name'] == base.metainfo['dataset_name']
    with pytest.raises(ValueError, match='times'):
        CrowdRepeatDataset(base, times=0)


def test_a_sample_without_people_is_named():
    """Found by the property tests: MSRAHeatmap's assertion 'only support
    single-instance keypoint encoding'."""
    t = GenerateMultiInstanceTarget(CODEC)
    with pytest.raises(ValueError, match='no person'):
        t(
            dict(
                transformed_keypoints=np.zeros((0, 17, 2)),
                keypoints=np.zeros((0, 17, 2)),
                keypoints_visible=np.zeros((0, 17)),
                input_size=(96, 128)))
