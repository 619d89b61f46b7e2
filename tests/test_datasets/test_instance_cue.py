import json

import numpy as np
import pytest
from mmpose.datasets import CocoDataset
from mmpose.structures.bbox import get_warp_matrix

from mmpose_occlusion.datasets.transforms import (GenerateInstanceCue,
                                                  LoadCuePoints, render_cue)


def _dataset(root, flip, cue):
    return CocoDataset(
        data_root=root,
        ann_file='annotations/person_keypoints_train.json',
        data_prefix=dict(img='train/'),
        data_mode='topdown',
        pipeline=[
            dict(type='LoadImage'),
            dict(type='GetBBoxCenterScale'),
            dict(type='RandomFlip', prob=1.0 if flip else 0.0),
            dict(type='RandomBBoxTransform', rotate_prob=1.0),
            dict(type='TopdownAffine', input_size=(96, 128)),
            dict(type='GenerateInstanceCue', sigma=1.0, **cue),
            dict(type='PackPoseInputs', pack_transformed=True),
        ])


# A Gaussian centred anywhere in a map pixel has its maximum at that pixel:
# at most 0.71 px off, up to 1 px at the map's right and bottom borders.
TOL = 1.0


def _peaks(cue):
    """(x, y) of the maximum of each cue map (M, h, w)."""
    flat = cue.reshape(len(cue), -1).argmax(1)
    return np.stack([flat % cue.shape[2], flat // cue.shape[2]], 1)


@pytest.mark.parametrize('flip', [False, True])
def test_ground_truth_cue_sits_on_a_joint_of_the_target(tiny_synth, flip):
    ds = _dataset(tiny_synth, flip, dict(gt='random_joint', jitter=0.0))
    for i in range(len(ds)):
        s = ds[i]['data_samples']
        cue = s.gt_fields.instance_cue.numpy()
        assert cue.shape == (1, 32, 24)
        kpts = s.gt_instances.transformed_keypoints[0] / 4.0
        vis = s.gt_instances.keypoints_visible[0] > 0
        inside = (kpts[:, 0] >= 0) & (kpts[:, 0] < 24) & (kpts[:, 1] >= 0) & (
            kpts[:, 1] < 32)
        if not (vis & inside).any():
            continue
        d = np.linalg.norm(kpts[vis & inside] - _peaks(cue)[0], axis=1)
        assert d.min() <= TOL


@pytest.mark.parametrize('flip', [False, True])
def test_given_cue_points_follow_flip_and_affine(tiny_synth, flip):
    plain = _dataset(tiny_synth, False, dict(gt=None))
    checked = 0
    for i in range(len(plain)):
        info = plain.get_data_info(i)
        labelled = np.flatnonzero(info['keypoints_visible'][0] > 0)
        if len(labelled) < 2:
            continue
        joints = labelled[:2]
        ds = _dataset(tiny_synth, flip, dict(gt=None))
        ds.get_data_info = lambda idx, info=info, joints=joints: dict(
            info, cue_points=info['keypoints'][0, joints])
        s = ds[i]['data_samples']
        cue = s.gt_fields.instance_cue.numpy()
        assert cue.shape == (2, 32, 24)
        kpts = s.gt_instances.transformed_keypoints[0]
        # after a flip, joint j of the original is joint flip_indices[j]
        idx = [info['flip_indices'][j] for j in joints] if flip else joints
        expected = kpts[idx] / 4.0
        for k in range(2):
            x, y = expected[k]
            if 0 <= x < 24 and 0 <= y < 32:
                assert np.linalg.norm(_peaks(cue)[k] - expected[k]) <= TOL
                checked += 1
        if i > 10:
            break
    assert checked >= 10


def test_box_centre_without_ground_truth_or_given_cues():
    results = dict(
        input_size=(96, 128),
        input_center=np.array([50., 60.]),
        input_scale=np.array([96., 128.]))
    out = GenerateInstanceCue(gt=None)(results)
    assert out['instance_cue'].shape == (1, 32, 24)
    np.testing.assert_array_equal(_peaks(out['instance_cue'])[0], [12, 16])
    assert out['field_mapping_table']['instance_cue'] == 'instance_cue'


def test_pack_cue_pose_inputs_keeps_the_cue_points():
    """The stock meta keys plus the cue points, which the stock
    PackPoseInputs would drop: the estimator reads them from metainfo."""
    from mmpose.datasets.transforms import PackPoseInputs

    from mmpose_occlusion.datasets.transforms import PackCuePoseInputs
    results = dict(
        img=np.zeros((128, 96, 3), np.uint8),
        input_size=(96, 128),
        input_center=np.array([50., 60.]),
        input_scale=np.array([96., 128.]),
        cue_points=np.array([[40., 50.], [60., 70.]], np.float32),
        id=3)
    results = GenerateInstanceCue(gt=None)(results)
    packed = PackCuePoseInputs()(dict(results))['data_samples']
    np.testing.assert_allclose(packed.metainfo['cue_points_input'],
                               results['cue_points_input'])
    assert packed.metainfo['id'] == 3
    assert packed.gt_fields.instance_cue.shape == (2, 32, 24)
    stock = PackPoseInputs()(dict(results))['data_samples']
    assert 'cue_points_input' not in stock.metainfo
    assert PackCuePoseInputs().meta_keys == (
        PackCuePoseInputs.STOCK_META_KEYS + ('cue_points_input', ))
    assert PackCuePoseInputs(
        meta_keys=('id', )).meta_keys == ('id', 'cue_points_input')


def test_render_cue_is_a_unit_gaussian():
    cue = render_cue(np.array([[3.0, 2.0]]), (8, 6), sigma=1.0)
    assert cue.shape == (1, 6, 8)
    assert cue[0, 2, 3] == pytest.approx(1.0)
    assert cue[0, 2, 4] == pytest.approx(np.exp(-0.5))


def test_bad_arguments():
    with pytest.raises(ValueError, match='gt must be'):
        GenerateInstanceCue(gt='centroid')
    with pytest.raises(KeyError, match='after TopdownAffine'):
        GenerateInstanceCue()(dict())


def test_load_cue_points_by_annotation_id(tmp_path):
    import json

    from mmpose_occlusion.datasets.transforms import LoadCuePoints
    path = tmp_path / 'cues.json'
    path.write_text(json.dumps({'7': [[10, 20], [30, 40]], '8': []}))
    t = LoadCuePoints(str(path))
    out = t(dict(id=7))
    np.testing.assert_array_equal(out['cue_points'], [[10, 20], [30, 40]])
    assert 'cue_points' not in t(dict(id=8))  # no points: fallback cue
    assert 'cue_points' not in t(dict(id=9))
    bad = tmp_path / 'bad.json'
    bad.write_text('not json')
    with pytest.raises(ValueError, match='bad.json'):
        LoadCuePoints(str(bad))


CODEC = dict(
    type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2)


def _cue_target_dataset(root, other_prob):
    from mmpose_occlusion.datasets.transforms import ChooseCueTarget  # noqa
    return CocoDataset(
        data_root=root,
        ann_file='annotations/person_keypoints_train.json',
        data_prefix=dict(img='train/'),
        data_mode='topdown',
        pipeline=[
            dict(type='LoadImage'),
            dict(type='GetBBoxCenterScale'),
            dict(type='RandomHalfBody'),
            dict(type='RandomBBoxTransform'),
            dict(type='SelectOtherInstances', num_instances=4),
            dict(type='RandomFlip', direction='horizontal'),
            dict(type='TopdownAffine', input_size=(96, 128)),
            dict(type='ChooseCueTarget', other_prob=other_prob),
            dict(type='GenerateTarget', encoder=CODEC),
            dict(
                type='GenerateInstanceCue',
                gt='random_joint',
                sigma=1.0,
                jitter=0.0),
            dict(
                type='PackPoseInputs',
                pack_transformed=True,
                meta_keys=('id', 'img_id', 'input_center', 'input_scale',
                           'flip', 'ori_shape', 'bbox_rotation',
                           'cue_target')),
        ])


def _warped(ann, meta, flip_indices):
    """An annotation's keypoints moved by the sample's flip and warp."""
    k = np.array(ann['keypoints'], np.float32).reshape(17, 3)
    xy, vis = k[:, :2].copy(), k[:, 2] > 0
    if meta['flip']:
        xy[:, 0] = meta['ori_shape'][1] - 1 - xy[:, 0]
        xy, vis = xy[flip_indices], vis[flip_indices]
    warp = get_warp_matrix(
        np.array(meta['input_center'], np.float32),
        np.array(meta['input_scale'], np.float32),
        float(meta['bbox_rotation'][0]),
        output_size=(96, 128))
    return xy @ warp[:, :2].T + warp[:, 2], vis


def test_cue_and_target_move_to_the_other_person_together(tiny_synth):
    """Over many crowded crops both the box's own person and another one
    become the target; the heatmap target is that person's pose, and the
    cue sits on one of that person's joints, every time."""
    import json
    import os.path as osp
    np.random.seed(0)
    ds = _cue_target_dataset(tiny_synth, other_prob=0.5)
    with open(osp.join(tiny_synth,
                       'annotations/person_keypoints_train.json')) as f:
        coco = json.load(f)
    flip_indices = ds.metainfo['flip_indices']
    own = other = 0
    for _ in range(4):
        for i in range(len(ds)):
            s = ds[i]['data_samples']
            meta = s.metainfo
            target = s.gt_instances.transformed_keypoints[0]
            vis = s.gt_instances.keypoints_visible[0] > 0
            # which annotated person of the image is the target
            match = []
            for ann in coco['annotations']:
                if ann['image_id'] != meta['img_id']:
                    continue
                xy, v = _warped(ann, meta, flip_indices)
                if np.array_equal(v, vis) and np.allclose(
                        xy[v], target[vis], atol=1e-2):
                    match.append(ann['id'])
            assert len(match) == 1
            assert (match[0] == meta['id']) == (meta['cue_target'] == 0)
            own += meta['cue_target'] == 0
            other += meta['cue_target'] > 0
            # heatmap peaks on the target's joints
            hm = s.gt_fields.heatmaps.numpy()
            w = s.gt_instance_labels.keypoint_weights.numpy()[0]
            on_map = (target[:, 0] >= 0) & (target[:, 0]
                                            < 96) & (target[:, 1] >= 0) & (
                                                target[:, 1] < 128)
            for k in np.flatnonzero((w > 0) & on_map):
                y, x = np.unravel_index(hm[k].argmax(), hm[k].shape)
                assert np.abs(np.array([x, y]) - target[k] / 4.0).max() <= 1
            # the cue on one of the target's labelled joints in the input
            if (vis & on_map).any():
                d = np.linalg.norm(
                    target[vis & on_map] / 4.0 -
                    _peaks(s.gt_fields.instance_cue.numpy())[0],
                    axis=1)
                assert d.min() <= TOL
    assert own > 10 and other > 10


def test_cue_target_stays_on_the_own_person_without_others():
    from mmpose_occlusion.datasets.transforms import ChooseCueTarget
    kpts = np.array([[[10., 10.], [20., 20.], [30., 30.]],
                     [[50., 50.], [60., 60.], [70., 70.]],
                     [[200., 10.], [210., 20.], [220., 30.]]], np.float32)
    results = dict(
        input_size=(96, 128),
        keypoints=kpts.copy(),
        transformed_keypoints=kpts.copy(),
        keypoints_visible=np.ones((3, 3), np.float32))
    # person 2 lies outside the 96-pixel-wide input: never a target
    seen = set()
    for seed in range(40):
        np.random.seed(seed)
        out = ChooseCueTarget(other_prob=0.5)({
            k:
            v.copy() if hasattr(v, 'copy') else v
            for k, v in results.items()
        })
        seen.add(out['cue_target'])
        assert out['transformed_keypoints'].shape == (1, 3, 2)
        np.testing.assert_array_equal(out['transformed_keypoints'][0],
                                      kpts[out['cue_target']])
    assert seen == {0, 1}
    out = ChooseCueTarget(other_prob=1.0)(
        dict(
            results,
            transformed_keypoints=kpts[:1],
            keypoints=kpts[:1],
            keypoints_visible=np.ones((1, 3), np.float32)))
    assert out['cue_target'] == 0
    with pytest.raises(ValueError, match='other_prob'):
        ChooseCueTarget(other_prob=1.5)
    with pytest.raises(KeyError, match='after TopdownAffine'):
        ChooseCueTarget()(dict(keypoints=kpts))


@pytest.mark.parametrize('bad', [np.nan, np.inf])
def test_cue_points_that_are_not_finite_are_named(bad, tmp_path):
    """Found by the property tests: a NaN cue point rendered a NaN cue map
    (an infinite one an empty map) into the network's input."""
    results = dict(
        id=7,
        input_size=(48, 64),
        input_center=np.float32([24, 32]),
        input_scale=np.float32([48, 64]),
        cue_points=np.float32([[10, 10], [bad, 3]]))
    with pytest.raises(
            ValueError, match=r'cue_points of sample 7.*rows \[1\]'):
        GenerateInstanceCue(gt=None)(results)
    # a cue file with such a point is refused when it is loaded (json
    # writes and reads NaN and Infinity)
    path = tmp_path / 'cues.json'
    path.write_text(json.dumps({'7': [[10, 10], [bad, 3]]}))
    with pytest.raises(ValueError, match='annotation 7 points that are not'):
        LoadCuePoints(str(path))


def test_ground_truth_cue_without_people_is_the_box_centre():
    """Found by the property tests: IndexError on
    transformed_keypoints[0] for a sample with no person."""
    out = GenerateInstanceCue(gt='nearest_centroid')(
        dict(
            input_size=(48, 64),
            input_center=np.float32([24, 32]),
            input_scale=np.float32([48, 64]),
            transformed_keypoints=np.zeros((0, 17, 2)),
            keypoints_visible=np.zeros((0, 17))))
    np.testing.assert_array_equal(out['cue_points_input'], [[24, 32]])
