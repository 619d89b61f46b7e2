import numpy as np
import pytest

from mmpose.datasets import CocoDataset
from mmpose_occlusion.datasets.transforms import (GenerateInstanceCue,
                                                  render_cue)


def _dataset(root, flip, cue):
    return CocoDataset(
        data_root=root, ann_file='annotations/person_keypoints_train.json',
        data_prefix=dict(img='train/'), data_mode='topdown',
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
    results = dict(input_size=(96, 128), input_center=np.array([50., 60.]),
                   input_scale=np.array([96., 128.]))
    out = GenerateInstanceCue(gt=None)(results)
    assert out['instance_cue'].shape == (1, 32, 24)
    np.testing.assert_array_equal(_peaks(out['instance_cue'])[0], [12, 16])
    assert out['field_mapping_table']['instance_cue'] == 'instance_cue'


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
