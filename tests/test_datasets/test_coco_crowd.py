"""COCO-crowd: crowd groups (union-find over IoU >= 0.1), region crops, the
training transform and dataset, and the converter tool, on handmade boxes
and a tiny handmade COCO file."""
import importlib.util
import json
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
from conftest import REPO_ROOT, SHARED_REAL
from mmpose.registry import DATASETS, TRANSFORMS
from pycocotools import mask as cocomask

from mmpose_occlusion.datasets import CocoCrowdDataset, RandomCrowdRegionCrop
from mmpose_occlusion.datasets.crowd_regions import (crop_region,
                                                     crop_segmentation,
                                                     crowd_groups,
                                                     crowd_statistics,
                                                     find_crowd_regions,
                                                     jitter_box,
                                                     pixel_crop_box,
                                                     region_box)
from mmpose_occlusion.structures import iou_matrix

TOOL = osp.join(REPO_ROOT, 'tools', 'dataset_converters', 'make_coco_crowd.py')

# A-B IoU 0.33, B-C 0.18, A-C 0: a chain; D overlaps nobody; E-F a pair.
A, B, C = [0, 0, 10, 10], [5, 0, 15, 10], [12, 0, 22, 10]
D, E, F = [100, 100, 110, 110], [50, 50, 60, 60], [52, 52, 62, 62]


def _boxes(*boxes):
    return np.array(boxes, np.float32)


# ------------------------------------------------------------- crowd groups
def test_chain_of_overlaps_is_one_group():
    boxes = _boxes(C, D, A, F, B, E)
    iou = iou_matrix(boxes, boxes)
    assert iou[2, 0] == 0  # A and C do not overlap ...
    assert crowd_groups(boxes) == [[0, 2, 4], [3, 5]]  # ... but chain
    assert crowd_groups(boxes[[2, 4, 0]]) == [[0, 1, 2]]


def test_isolated_boxes_are_dropped():
    assert crowd_groups(_boxes(A, D)) == []
    assert crowd_groups(_boxes(A)) == []
    assert crowd_groups(np.zeros((0, 4))) == []
    # D is in no group, whatever its position in the list
    assert crowd_groups(_boxes(D, A, B)) == [[1, 2]]


def test_iou_exactly_at_threshold_counts_and_below_does_not():
    a = [0, 0, 10, 10]
    at = [8, 0, 20, 10]  # inter 20, union 200: IoU 0.1
    below = [8, 0, 20.1, 10]  # inter 20, union 201
    assert iou_matrix(_boxes(a), _boxes(at))[0, 0] == pytest.approx(0.1)
    assert crowd_groups(_boxes(a, at)) == [[0, 1]]
    assert crowd_groups(_boxes(a, below)) == []
    assert crowd_groups(_boxes(a, at), iou_thr=0.11) == []
    with pytest.raises(ValueError, match='iou_thr'):
        crowd_groups(_boxes(a, at), iou_thr=1.5)
    with pytest.raises(ValueError, match=r'\(N, 4\)'):
        crowd_groups(np.zeros((2, 3)))


def test_region_box_is_the_union_of_the_members():
    boxes = _boxes(C, D, A, F, B, E)
    np.testing.assert_array_equal(region_box(boxes, [0, 2, 4]), [0, 0, 22, 10])
    np.testing.assert_array_equal(region_box(boxes, [3, 5]), [50, 50, 62, 62])
    assert region_box(boxes, [1]).dtype == np.float32
    with pytest.raises(ValueError, match='non-empty'):
        region_box(boxes, [])


def test_find_crowd_regions_reads_coco_annotations():

    def ann(box, **kw):
        x1, y1, x2, y2 = box
        return dict(
            dict(
                bbox=[x1, y1, x2 - x1, y2 - y1],
                keypoints=[0] * 51,
                num_keypoints=5), **kw)

    anns = [
        ann(A),
        ann(D),
        ann(B),
        ann(C, iscrowd=1),
        dict(bbox=[4, 0, 10, 10]),  # no keypoints: not a person
        ann(E, num_keypoints=0),
        ann(F)
    ]
    regions = find_crowd_regions(anns)
    assert [m for m, _ in regions] == [[0, 2], [5, 6]]  # C is iscrowd
    np.testing.assert_array_equal(regions[0][1], [0, 0, 15, 10])
    # people without enough keypoints can be left out
    assert [m for m, _ in find_crowd_regions(anns, min_keypoints=1)] == \
        [[0, 2]]


# ------------------------------------------------------------------ jitter
def test_jitter_stays_within_bounds_and_is_deterministic():
    box = np.array([40, 50, 140, 250], np.float32)
    offsets = np.stack(
        [jitter_box(box, 10, seed) - box for seed in range(200)])
    assert np.abs(offsets).max() <= 10
    assert offsets.min() < -8 and offsets.max() > 8  # the range is used
    # every edge has its own offset
    assert not np.allclose(offsets[:, 0], offsets[:, 2])
    np.testing.assert_array_equal(
        jitter_box(box, 10, 3), jitter_box(box, 10, 3))
    assert not np.array_equal(jitter_box(box, 10, 3), jitter_box(box, 10, 4))
    np.testing.assert_array_equal(jitter_box(box, 0, 3), box)
    whole = jitter_box(box, 5, np.random.default_rng(0), integer=True) - box
    np.testing.assert_array_equal(whole, np.round(whole))


def test_jitter_keeps_the_box_valid_and_in_the_image():
    for seed in range(50):
        out = jitter_box([0, 0, 2, 2], 15, seed, img_shape=(20, 30))
        assert out[2] - out[0] >= 1 - 1e-6 and out[3] - out[1] >= 1 - 1e-6
        assert out.min() >= -0.5 and out[2] <= 30.5 and out[3] <= 20.5
    with pytest.raises(ValueError, match='px'):
        jitter_box([0, 0, 2, 2], -1)
    with pytest.raises(ValueError, match='x2 > x1'):
        jitter_box([5, 0, 2, 2], 1)


# ------------------------------------------------------------- crop_region
def _image(h=80, w=100, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), np.uint8)


def test_crop_region_moves_keypoints_and_hides_the_outside_ones():
    img = _image()
    kpts = np.array([[[15, 25], [49, 59], [5, 30], [30, 70]],
                     [[60, 30], [12, 22], [0, 0], [40, 61]]], np.float32)
    vis = np.array([[2, 1, 2, 2], [2, 2, 0, 1]], np.float32)
    boxes = np.array([[5, 20, 50, 75], [45, 25, 70, 40]], np.float32)
    area = np.array([1000, 200], np.float32)
    out = crop_region(img, kpts, vis, boxes, [10, 20, 50, 60], area)
    np.testing.assert_array_equal(out['img'], img[20:60, 10:50])
    np.testing.assert_array_equal(out['crop_box'], [10, 20, 50, 60])
    np.testing.assert_array_equal(out['keypoints'], kpts - [10, 20])
    # inside (and on the border) keep their label; outside: not visible
    np.testing.assert_array_equal(out['keypoints_visible'],
                                  [[2, 1, 0, 0], [0, 2, 0, 0]])
    np.testing.assert_array_equal(out['bboxes'],
                                  [[0, 0, 40, 40], [35, 5, 40, 20]])
    np.testing.assert_allclose(
        out['area'], [1000 * 40 * 40 / (45 * 55), 200 * 5 * 15 / (25 * 15)])
    # the inputs are untouched
    assert vis[0, 2] == 2 and kpts[0, 0, 0] == 15


def test_crop_region_rounds_out_and_clips_to_the_image():
    img = _image()
    out = crop_region(img, np.zeros((0, 17, 2)), np.zeros((0, 17)),
                      np.zeros((0, 4)), [-10.5, 20.2, 60.3, 95])
    np.testing.assert_array_equal(out['crop_box'], [0, 20, 61, 80])
    np.testing.assert_array_equal(out['img'], img[20:80, 0:61])
    np.testing.assert_array_equal(
        pixel_crop_box([3, 4, 7, 9], (80, 100)), [3, 4, 7, 9])
    with pytest.raises(ValueError, match='overlap the image'):
        pixel_crop_box([200, 0, 300, 10], (80, 100))


def test_crop_segmentation_moves_polygons_and_rle():
    crop = [10, 20, 50, 60]
    poly = [[15, 25, 45, 25, 45, 55, 15, 55]]
    moved = crop_segmentation(poly, crop)
    assert moved == [[5, 5, 35, 5, 35, 35, 5, 35]]
    mask = np.zeros((80, 100), np.uint8)
    mask[30:70, 5:35] = 1
    rle = cocomask.encode(np.asfortranarray(mask))
    rle['counts'] = rle['counts'].decode()
    out = crop_segmentation(rle, crop)
    assert out['size'] == [40, 40] and isinstance(out['counts'], str)
    np.testing.assert_array_equal(
        cocomask.decode(dict(out, counts=out['counts'].encode())), mask[20:60,
                                                                        10:50])
    assert crop_segmentation(None, crop) is None


# ---------------------------------------------------------------- transform
#: the polygon of an unannotated person (MMPose's invalid_segs)
INVALID_SEG = [[32, 22, 40, 22, 40, 30, 32, 30]]


def _results(region=(30, 20, 70, 60)):
    img = _image()
    kpts = np.array([[[35, 25], [65, 55], [75, 30]],
                     [[5, 5], [40, 50], [50, 40]]], np.float32)
    return dict(
        img=img.copy(),
        img_shape=img.shape[:2],
        crowd_region=np.array(region, np.float32),
        keypoints=kpts,
        keypoints_visible=np.ones((2, 3), np.float32),
        bbox=np.array([[30, 20, 80, 60], [0, 0, 60, 60]], np.float32),
        area=np.array([100, 200], np.float32),
        num_keypoints=[3, 3],
        invalid_segs=[INVALID_SEG]), img


def test_transform_at_scale_one_crops_exactly_the_region():
    results, img = _results()
    t = TRANSFORMS.build(
        dict(type='RandomCrowdRegionCrop', scale_prob=0, shift_prob=0))
    out = t(results)
    np.testing.assert_array_equal(out['img'], img[20:60, 30:70])
    assert out['img_shape'] == (40, 40)
    np.testing.assert_array_equal(out['crop_box'], [30, 20, 70, 60])
    np.testing.assert_array_equal(out['keypoints'],
                                  [[[5, 5], [35, 35], [45, 10]],
                                   [[-25, -15], [10, 30], [20, 20]]])
    np.testing.assert_array_equal(out['keypoints_visible'],
                                  [[1, 1, 0], [0, 1, 1]])
    assert out['num_keypoints'] == [2, 2]
    np.testing.assert_array_equal(out['bbox'],
                                  [[0, 0, 40, 40], [0, 0, 30, 40]])
    np.testing.assert_allclose(out['area'], [100 * 0.8, 200 * 1200 / 3600])
    # the unannotated person's polygon still covers the same pixels
    rle = cocomask.frPyObjects(out['invalid_segs'][0], 40, 40)
    mask = cocomask.decode(cocomask.merge(rle))
    full = cocomask.decode(
        cocomask.merge(cocomask.frPyObjects(INVALID_SEG, 80, 100)))
    assert mask.sum() > 0
    np.testing.assert_array_equal(mask, full[20:60, 30:70])


def test_transform_scale_above_one_takes_context_from_the_original():
    results, img = _results()
    t = RandomCrowdRegionCrop(scale_factor=(1.5, 1.5), shift_prob=0)
    out = t(results)
    # region centre (50, 40), size 40 x 40: crop 60 x 60 around it
    np.testing.assert_array_equal(out['crop_box'], [20, 10, 80, 70])
    np.testing.assert_array_equal(out['img'], img[10:70, 20:80])
    # the region is inside, at offset (10, 10), with real pixels around it
    np.testing.assert_array_equal(out['img'][10:50, 10:50], img[20:60, 30:70])
    assert out['crop_scale'] == 1.5
    np.testing.assert_array_equal(out['keypoints_visible'],
                                  [[1, 1, 1], [0, 1, 1]])
    # near the border the crop is clipped, not padded
    results, img = _results(region=(0, 0, 40, 40))
    out = t(results)
    np.testing.assert_array_equal(out['crop_box'], [0, 0, 50, 50])
    np.testing.assert_array_equal(out['img'], img[:50, :50])


def test_transform_random_scale_and_shift_stay_in_range():
    sizes = []
    for seed in range(40):
        np.random.seed(seed)
        results, _ = _results()
        out = RandomCrowdRegionCrop(
            scale_factor=(0.75, 1.25), shift_factor=0.1)(
                results)
        x1, y1, x2, y2 = out['crop_box']
        s = out['crop_scale']
        assert 0.75 <= s <= 1.25
        assert abs((x2 - x1) - 40 * s) <= 2 and abs((y2 - y1) - 40 * s) <= 2
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        assert abs(cx - 50) <= 4 + 1 and abs(cy - 40) <= 4 + 1
        sizes.append(x2 - x1)
    assert min(sizes) < 34 and max(sizes) > 46


def test_transform_names_the_missing_key_and_the_wrong_place():
    results, _ = _results()
    del results['crowd_region']
    with pytest.raises(KeyError, match='crowd_region.*CocoCrowdDataset'):
        RandomCrowdRegionCrop()(results)
    results, _ = _results()
    results['warp_mat'] = np.eye(2, 3)
    with pytest.raises(RuntimeError, match='before BottomupRandomAffine'):
        RandomCrowdRegionCrop()(results)
    with pytest.raises(ValueError, match='scale_factor'):
        RandomCrowdRegionCrop(scale_factor=(1.5, 0.5))


# ------------------------------------------------------- tiny COCO dataset
def _kpts(box, n_labelled=15):
    """17 keypoints on the box diagonal, the last 17 - n_labelled
    unlabelled."""
    x1, y1, x2, y2 = box
    t = np.linspace(0, 1, 17)
    k = np.stack([
        x1 + 1 + t * (x2 - x1 - 2), y1 + 1 + t * (y2 - y1 - 2),
        np.full(17, 2.0)
    ], 1).round(1)
    k[n_labelled:] = 0
    return k.reshape(-1).tolist()


def _ann(ann_id, img_id, box, **kw):
    x1, y1, x2, y2 = box
    ann = dict(
        id=ann_id,
        image_id=img_id,
        category_id=1,
        iscrowd=0,
        bbox=[x1, y1, x2 - x1, y2 - y1],
        area=(x2 - x1) * (y2 - y1),
        keypoints=_kpts(box),
        num_keypoints=15,
        segmentation=[[x1, y1, x2, y1, x2, y2, x1, y2]])
    ann.update(kw)
    return ann


#: image 1: chain 11-12-13 and pair 15-16 (14 alone); image 2: nobody
#: overlaps; image 3: pair 31-32, person 33 meets the region without
#: overlapping anyone at 0.1, 34 alone, and an iscrowd region 35 over all.
TINY = dict(
    images=[
        dict(id=1, file_name='a.png', width=200, height=80),
        dict(id=2, file_name='b.png', width=100, height=80),
        dict(id=3, file_name='c.png', width=100, height=80)
    ],
    annotations=[
        _ann(11, 1, [10, 10, 40, 60]),
        _ann(12, 1, [30, 10, 60, 60]),
        _ann(13, 1, [52, 10, 82, 60]),
        _ann(14, 1, [95, 5, 115, 25]),
        _ann(15, 1, [130, 40, 150, 70]),
        _ann(16, 1, [140, 45, 160, 75]),
        _ann(21, 2, [5, 5, 25, 35]),
        _ann(22, 2, [60, 5, 80, 35]),
        _ann(31, 3, [10, 10, 40, 50]),
        _ann(32, 3, [25, 20, 55, 60]),
        _ann(33, 3, [45, 55, 75, 75]),
        _ann(34, 3, [78, 50, 98, 70]),
        _ann(
            35,
            3, [0, 0, 100, 80],
            iscrowd=1,
            num_keypoints=0,
            keypoints=[0] * 51),
    ],
    categories=[
        dict(
            id=1,
            name='person',
            keypoints=[str(i) for i in range(17)],
            skeleton=[])
    ])
REGIONS = {1: [10, 10, 82, 60], 2: [130, 40, 160, 75], 3: [10, 10, 55, 60]}


@pytest.fixture
def tiny_coco(tmp_path):
    root = tmp_path / 'tiny'
    (root / 'img').mkdir(parents=True)
    for i, info in enumerate(TINY['images']):
        cv2.imwrite(
            str(root / 'img' / info['file_name']),
            _image(info['height'], info['width'], seed=i))
    ann_file = root / 'person_keypoints_tiny.json'
    ann_file.write_text(json.dumps(TINY))
    return str(ann_file), str(root / 'img')


def test_statistics_of_the_tiny_file():
    s = crowd_statistics(TINY)
    assert s['source_images'] == 3 and s['images_with_crowd'] == 2
    assert s['regions'] == 3 and s['instances_in_regions'] == 7
    assert s['people_per_region'] == {'2': 2, '3': 1, '4': 0, '5': 0, '>=6': 0}
    # 12 has two overlaps (11, 13), the other six one each
    assert s['overlaps_per_instance'] == {
        '1': 6,
        '2': 1,
        '3': 0,
        '4': 0,
        '>=5': 0
    }
    assert s['mean_overlaps_per_instance'] == pytest.approx(8 / 7)
    # crops: 11-13 / 15-16 / 31-33 and the iscrowd 35
    assert s['annotations_in_regions'] == 3 + 2 + 4


def test_dataset_gives_one_sample_per_region(tiny_coco):
    ann_file, img_dir = tiny_coco
    ds = DATASETS.build(
        dict(
            type='CocoCrowdDataset',
            ann_file=ann_file,
            data_prefix=dict(img=img_dir + '/'),
            pipeline=[
                dict(type='LoadImage'),
                dict(type='RandomCrowdRegionCrop', scale_prob=0, shift_prob=0)
            ]))
    assert isinstance(ds, CocoCrowdDataset) and len(ds) == 3
    infos = [ds.get_data_info(i) for i in range(3)]
    assert [i['img_id'] for i in infos] == [1, 1, 3]
    assert [i['region_index'] for i in infos] == [0, 1, 0]
    assert [i['region_id'] for i in infos] == [1, 2, 3]
    for info in infos:
        np.testing.assert_array_equal(info['crowd_region'],
                                      REGIONS[info['region_id']])
        assert info['crowd_region'].dtype == np.float32
    # every person of the image stays in each sample (iscrowd ones are
    # invalid_segs, as in MMPose)
    assert infos[0]['id'] == [11, 12, 13, 14, 15, 16]
    assert infos[0]['crowd_members'].tolist() == [0, 1, 2]
    assert infos[1]['crowd_members'].tolist() == [4, 5]
    assert len(infos[2]['invalid_segs']) == 1
    out = ds[2]
    img = _image(80, 100, seed=2)  # c.png
    np.testing.assert_array_equal(out['img'], img[10:60, 10:55])
    ids = list(out['id'])
    vis = out['keypoints_visible']
    assert vis[ids.index(34)].sum() == 0  # wholly outside the region
    assert 0 < vis[ids.index(33)].sum() < 15  # partly


def test_dataset_needs_bottomup_mode(tiny_coco):
    with pytest.raises(ValueError, match="data_mode='bottomup'"):
        CocoCrowdDataset(ann_file=tiny_coco[0], data_mode='topdown')


# --------------------------------------------------------------------- tool
def _tool():
    spec = importlib.util.spec_from_file_location('make_coco_crowd', TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _load(out_dir):
    with open(
            osp.join(out_dir, 'annotations',
                     'person_keypoints_tiny_crowd.json')) as f:
        return json.load(f)


def test_tool_writes_crops_and_shifted_annotations(tiny_coco, tmp_path,
                                                   capsys):
    ann_file, img_dir = tiny_coco
    out_dir = str(tmp_path / 'out')
    assert _tool().main([ann_file, img_dir, out_dir]) == 0
    printed = capsys.readouterr().out
    assert 'crowd regions:                3' in printed
    assert 'people per region:            2: 2  3: 1' in printed
    coco = _load(out_dir)
    assert [i['id'] for i in coco['images']] == [1, 2, 3]
    assert coco['categories'] == TINY['categories']
    by_id = {a['id']: a for a in TINY['annotations']}
    for entry in coco['images']:
        assert entry['crop_box'] == REGIONS[entry['id']]
        x1, y1, x2, y2 = entry['crop_box']
        assert (entry['width'], entry['height']) == (x2 - x1, y2 - y1)
        crop = cv2.imread(osp.join(out_dir, 'images', entry['file_name']))
        orig = cv2.imread(osp.join(img_dir, entry['original_file_name']))
        np.testing.assert_array_equal(crop, orig[y1:y2, x1:x2])
    first, _, third = coco['images']
    assert first['original_image_id'] == 1 and third['original_image_id'] == 3
    assert first['crowd_member_ids'] == [11, 12, 13]
    assert first['file_name'] == 'a_crowd0.png'
    anns = {(a['image_id'], a['original_id']): a for a in coco['annotations']}
    assert sorted(anns) == [(1, 11), (1, 12), (1, 13), (2, 15), (2, 16),
                            (3, 31), (3, 32), (3, 33), (3, 35)]
    assert len({a['id'] for a in coco['annotations']}) == 9
    # a member: keypoints shifted by the crop's corner
    a = anns[(1, 12)]
    k0 = np.array(by_id[12]['keypoints']).reshape(-1, 3)
    k = np.array(a['keypoints']).reshape(-1, 3)
    np.testing.assert_allclose(k[:15, :2], k0[:15, :2] - [10, 10])
    assert (k[:15, 2] == 2).all() and (k[15:] == 0).all()
    assert a['num_keypoints'] == 15
    assert a['bbox'] == [20, 0, 30, 50] and a['area'] == 1500
    # the half-outside person: outside keypoints (0, 0, 0), box clipped,
    # area scaled by the part left
    a, k0 = anns[(3, 33)], np.array(by_id[33]['keypoints']).reshape(-1, 3)
    k = np.array(a['keypoints']).reshape(-1, 3)
    moved = k0[:, :2] - [10, 10]
    inside = (k0[:, 2] > 0) & (moved[:, 0] <= 45) & (moved[:, 1] <= 50)
    assert 0 < inside.sum() < 15
    np.testing.assert_allclose(k[inside, :2], moved[inside])
    assert (k[~inside] == 0).all() and a['num_keypoints'] == inside.sum()
    assert a['bbox'] == [35, 45, 10, 5]
    assert a['area'] == pytest.approx(600 * 50 / 600)
    # the iscrowd region: kept, its polygon moved into the crop
    a = anns[(3, 35)]
    assert a['iscrowd'] == 1 and a['segmentation'] == [[
        -10, -10, 90, -10, 90, 70, -10, 70
    ]]


def test_tool_crops_agree_with_the_dataset(tiny_coco, tmp_path):
    ann_file, img_dir = tiny_coco
    out_dir = str(tmp_path / 'out')
    assert _tool().main([ann_file, img_dir, out_dir]) == 0
    ds = CocoCrowdDataset(
        ann_file=ann_file, data_prefix=dict(img=img_dir + '/'))
    crops = {i['id']: i['crop_box'] for i in _load(out_dir)['images']}
    for idx in range(len(ds)):
        info = ds.get_data_info(idx)
        assert crops[info['region_id']] == pixel_crop_box(
            info['crowd_region'], (80, 200)).tolist()


def test_tool_jitter_is_seeded_and_bounded(tiny_coco, tmp_path):
    ann_file, img_dir = tiny_coco
    tool, boxes = _tool(), []
    for run, seed in enumerate((1, 1, 2)):
        out_dir = str(tmp_path / f'out{run}')
        assert tool.main(
            [ann_file, img_dir, out_dir, '--jitter', '5', '--seed',
             str(seed)]) == 0
        boxes.append([i['crop_box'] for i in _load(out_dir)['images']])
    assert boxes[0] == boxes[1] and boxes[0] != boxes[2]
    for jittered in boxes:
        offsets = np.array(jittered) - [REGIONS[i] for i in (1, 2, 3)]
        assert np.abs(offsets).max() <= 5 and np.abs(offsets).max() > 0


def test_tool_skips_a_corrupt_image_and_writes_the_rest(tiny_coco, tmp_path):
    ann_file, img_dir = tiny_coco
    with open(osp.join(img_dir, 'c.png'), 'wb') as f:
        f.write(b'not an image')
    out_dir = str(tmp_path / 'out')
    proc = subprocess.run([sys.executable, TOOL, ann_file, img_dir, out_dir],
                          capture_output=True,
                          text=True,
                          cwd=REPO_ROOT)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert 'skipped c.png' in proc.stderr
    coco = _load(out_dir)
    assert [i['id'] for i in coco['images']] == [1, 2]
    assert {a['image_id'] for a in coco['annotations']} == {1, 2}
    assert not osp.exists(osp.join(out_dir, 'images', 'c_crowd0.png'))


def test_tool_counts_only_and_bad_inputs(tiny_coco, tmp_path, capsys):
    ann_file, img_dir = tiny_coco
    tool = _tool()
    assert tool.main([ann_file, '--counts-only']) == 0
    out = capsys.readouterr().out
    assert 'source images:                3' in out
    assert 'instances in regions:         7' in out
    assert tool.main(
        [str(tmp_path / 'missing.json'), img_dir,
         str(tmp_path / 'o')]) == 2
    assert 'missing.json' in capsys.readouterr().err
    assert tool.main([ann_file,
                      str(tmp_path / 'no_dir'),
                      str(tmp_path / 'o')]) == 2
    assert 'no_dir' in capsys.readouterr().err
    assert tool.main([ann_file]) == 2
    assert '--counts-only' in capsys.readouterr().err
    dets = tmp_path / 'dets.json'
    dets.write_text('[]')
    assert tool.main([str(dets), '--counts-only']) == 2
    assert 'not a COCO annotation file' in capsys.readouterr().err
    assert not osp.exists(tmp_path / 'o')


@pytest.mark.skipif(
    not osp.isdir(osp.join(SHARED_REAL, 'coco_mini', 'train2017')),
    reason='needs ../shared/data/real/coco_mini')
def test_coco_crowd_training_pipeline_on_real_coco_images():
    """The COCO-crowd config's training pipeline on real COCO images, which
    have unannotated people (their pixels must be masked: MMPose's
    BottomupGetHeatmapMask on numpy 2) and regions near image borders."""
    from mmengine.config import Config
    from mmpose.registry import DATASETS
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'seqdecoder',
                 'seqdec_res50_8xb4-130e_coco-crowd-512x512.py'))
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.data_root = osp.join(SHARED_REAL, 'coco_mini')
    ds = DATASETS.build(ds_cfg)
    assert len(ds) == 10  # the regions counted in docs/coco_crowd.md
    masked = 0
    for i in range(len(ds)):
        sample = ds[i]['data_samples']
        assert ds[i]['inputs'].shape[-2:] == (512, 512)
        mask = sample.gt_fields.heatmap_mask
        assert mask.shape[-2:] == (128, 128)
        masked += int((mask < 0.5).any())
        labels = sample.gt_instance_labels
        assert labels.instance_heatmaps.shape[1:] == (17, 128, 128)
    assert masked > 0  # some regions hold unannotated people


def test_regions_of_people_without_keypoints_are_left_out(tmp_path):
    """By default a region needs people with labelled keypoints: two
    overlapping people without any make an all-masked sample."""
    coco = dict(
        TINY,
        annotations=[
            _ann(41, 2, [5, 5, 25, 35], keypoints=[0] * 51, num_keypoints=0),
            _ann(42, 2, [10, 8, 30, 38], keypoints=[0] * 51, num_keypoints=0),
        ],
        images=TINY['images'][1:2])
    ann_file = tmp_path / 'empty_people.json'
    ann_file.write_text(json.dumps(coco))
    kw = dict(
        type='CocoCrowdDataset',
        ann_file=str(ann_file),
        data_prefix=dict(img=str(tmp_path) + '/'),
        pipeline=[],
        serialize_data=False)
    assert len(DATASETS.build(kw)) == 0
    assert len(DATASETS.build(dict(kw, min_keypoints=0))) == 1


@pytest.mark.parametrize('size', [(120, 360), (480, 120)])  # (w, h)
def test_seqdecoder_training_window_holds_the_whole_region(size):
    """The sequential decoder configs train on the whole image or region:
    at scale 1, no shift and no rotation, keypoints at the corners of a
    tall and of a wide region stay inside the training input."""
    import glob

    from conftest import REPO_ROOT
    from mmengine.config import Config
    from mmpose.registry import TRANSFORMS
    w, h = size
    corners = np.array([[[1, 1], [w - 2, 1], [1, h - 2], [w - 2, h - 2]]],
                       np.float32)
    configs = glob.glob(
        osp.join(REPO_ROOT, 'configs', 'seqdecoder', 'seqdec_*.py'))
    assert configs
    for path in configs:
        cfg = Config.fromfile(path)
        affine = [
            t for t in cfg.train_dataloader.dataset.pipeline
            if t['type'] == 'BottomupRandomAffine'
        ][0]
        t = TRANSFORMS.build(
            dict(affine, shift_prob=0, scale_prob=0, rotate_prob=0))
        out = t(
            dict(
                img=np.zeros((h, w, 3), np.uint8),
                img_shape=(h, w),
                keypoints=corners.copy(),
                keypoints_visible=np.ones((1, 4), np.float32)))
        iw, ih = affine['input_size']
        k = out['keypoints'][0]
        assert ((k[:, 0] >= 0) & (k[:, 0] < iw) & (k[:, 1] >= 0) &
                (k[:, 1] < ih)).all(), path


def test_crop_region_hides_keypoints_that_are_not_finite():
    """Found by the property tests: MMPose's keypoint_clip_border keeps a
    NaN keypoint visible (no comparison with NaN is true), so the crop and
    RandomCrowdRegionCrop's num_keypoints counted it as labelled."""
    img = np.zeros((50, 60, 3), np.uint8)
    kpts = np.array([[[np.nan, 5], [5, 5], [np.inf, 5]]], np.float32)
    for vis in (np.ones((1, 3), np.float32), np.ones((1, 3, 2), np.float32)):
        out = crop_region(img, kpts, vis, np.zeros((1, 4)), [0, 0, 30, 30])
        labelled = out['keypoints_visible']
        labelled = labelled[..., 0] if labelled.ndim == 3 else labelled
        np.testing.assert_array_equal(labelled, [[0, 1, 0]])
    results = dict(
        img=img,
        crowd_region=np.float32([0, 0, 30, 30]),
        keypoints=kpts,
        keypoints_visible=np.ones((1, 3)),
        num_keypoints=[3])
    out = RandomCrowdRegionCrop(scale_prob=0, shift_prob=0)(results)
    assert out['num_keypoints'] == [1]


def test_pixel_crop_box_names_a_nan_box():
    """Found by the property tests: 'cannot convert float NaN to
    integer'."""
    with pytest.raises(ValueError, match='NaN is not a number'):
        pixel_crop_box([0, 0, 0, np.nan], (1, 1))
