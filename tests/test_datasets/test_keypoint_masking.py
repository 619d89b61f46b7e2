"""DetPoseNet's keypoint masking: the pixels at the keypoint (or near it)
really change, the annotations do not."""
import numpy as np
import pytest
from mmpose.registry import TRANSFORMS

from mmpose_occlusion.datasets.transforms import (KeypointBackgroundMasking,
                                                  KeypointDuplicationMasking)

H, W, S = 64, 48, 6  # patch side: 0.125 * 48


def _results(seed=0):
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    kpts = np.array([[[24, 10], [20, 30], [28, 30], [24, 50]]], np.float32)
    vis = np.array([[1, 1, 0, 1]], np.float32)  # keypoint 2 unlabelled
    return dict(
        img=img,
        transformed_keypoints=kpts.copy(),
        keypoints=kpts.copy(),
        keypoints_visible=vis.copy(),
        input_size=(W, H))


def _patch(img, centre, s=S):
    x0 = int(np.clip(round(centre[0] - s / 2), 0, W - s))
    y0 = int(np.clip(round(centre[1] - s / 2), 0, H - s))
    return img[y0:y0 + s, x0:x0 + s]


def _find(img, patch):
    """Top-left corners where ``patch`` occurs in ``img``."""
    s = patch.shape[0]
    return [(x, y) for y in range(H - s + 1) for x in range(W - s + 1)
            if np.array_equal(img[y:y + s, x:x + s], patch)]


@pytest.mark.parametrize('seed', range(5))
def test_background_masking_covers_the_keypoint(seed):
    np.random.seed(seed)
    before = _results(seed)
    t = KeypointBackgroundMasking(prob=1.0, patch_ratio=0.125)
    out = t(dict(before, img=before['img'].copy()))
    (kind, k), = out['keypoint_masking']
    assert kind == 'background' and k in (0, 1, 3)  # labelled ones only
    kp = before['transformed_keypoints'][0, k]
    pasted = _patch(out['img'], kp)
    assert not np.array_equal(pasted, _patch(before['img'], kp))
    # the new pixels are a patch of the original crop holding no labelled
    # keypoint of the person
    labelled = before['transformed_keypoints'][0][[0, 1, 3]]
    sources = _find(before['img'], pasted)
    assert sources
    x0, y0 = sources[0]
    assert not ((labelled[:, 0] >= x0 - 1) & (labelled[:, 0] <= x0 + S) &
                (labelled[:, 1] >= y0 - 1) & (labelled[:, 1] <= y0 + S)).any()
    # the annotations are untouched, so the target still says "here"
    np.testing.assert_array_equal(out['transformed_keypoints'],
                                  before['transformed_keypoints'])
    np.testing.assert_array_equal(out['keypoints_visible'],
                                  before['keypoints_visible'])


@pytest.mark.parametrize('seed', range(5))
def test_duplication_masking_copies_the_keypoint_nearby(seed):
    np.random.seed(seed)
    before = _results(seed)
    t = KeypointDuplicationMasking(prob=1.0, patch_ratio=0.125)
    out = t(dict(before, img=before['img'].copy()))
    (kind, k), = out['keypoint_masking']
    assert kind == 'duplicate'
    kp = before['transformed_keypoints'][0, k]
    # the keypoint itself is unchanged, and its patch now appears twice
    np.testing.assert_array_equal(
        _patch(out['img'], kp), _patch(before['img'], kp))
    copies = _find(out['img'], _patch(before['img'], kp))
    assert len(copies) >= 2
    changed = np.argwhere((out['img'] != before['img']).any(-1))
    assert len(changed)
    # within reach: max(0.3 * 48, 1.5 * S) plus half a patch
    centre = changed.mean(0)[::-1]
    assert np.linalg.norm(centre - kp) <= 0.3 * 48 + S
    np.testing.assert_array_equal(out['transformed_keypoints'],
                                  before['transformed_keypoints'])


def test_probability_zero_and_no_visible_keypoint_change_nothing():
    r = _results()
    out = KeypointBackgroundMasking(prob=0.0)(dict(r, img=r['img'].copy()))
    np.testing.assert_array_equal(out['img'], r['img'])
    r['keypoints_visible'][:] = 0
    out = KeypointDuplicationMasking(prob=1.0)(dict(r, img=r['img'].copy()))
    np.testing.assert_array_equal(out['img'], r['img'])
    assert out['keypoint_masking'] == []


def test_input_image_is_not_written_in_place():
    np.random.seed(0)
    r = _results()
    given = r['img']
    original = given.copy()
    out = KeypointBackgroundMasking(prob=1.0)(r)
    assert out['keypoint_masking']
    np.testing.assert_array_equal(given, original)  # a cached image is safe
    assert not np.array_equal(out['img'], original)


def test_needs_topdown_affine_and_valid_args():
    with pytest.raises(KeyError, match='after TopdownAffine'):
        KeypointBackgroundMasking()(dict(img=np.zeros((8, 8, 3))))
    with pytest.raises(ValueError, match='prob'):
        KeypointDuplicationMasking(prob=2)


def test_in_a_topdown_pipeline(tiny_synth):
    import os.path as osp

    from mmpose.datasets import CocoDataset
    pipeline = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=(48, 64)),
        dict(type='KeypointBackgroundMasking', prob=1.0),
        dict(type='KeypointDuplicationMasking', prob=1.0),
        dict(
            type='GenerateTarget',
            encoder=dict(
                type='MSRAHeatmap',
                input_size=(48, 64),
                heatmap_size=(12, 16),
                sigma=2)),
        dict(type='PackPoseInputs')
    ]
    ds = CocoDataset(
        data_root=tiny_synth,
        ann_file=osp.join('annotations', 'person_keypoints_train.json'),
        data_prefix=dict(img='train/'),
        pipeline=pipeline)
    sample = ds[0]
    assert sample['inputs'].shape == (3, 64, 48)
    assert TRANSFORMS.get('KeypointBackgroundMasking') is \
        KeypointBackgroundMasking


def test_a_sample_without_people_changes_nothing():
    """Found by the property tests: IndexError on
    transformed_keypoints[0]. Nobody to mask, as with no visible
    keypoint."""
    img = np.zeros((H, W, 3), np.uint8)
    for cls in (KeypointBackgroundMasking, KeypointDuplicationMasking):
        out = cls(prob=1.0)(
            dict(
                img=img,
                transformed_keypoints=np.zeros((0, 17, 2)),
                keypoints_visible=np.zeros((0, 17))))
        assert out['keypoint_masking'] == [] and out['img'] is img
