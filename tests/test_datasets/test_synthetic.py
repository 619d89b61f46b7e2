import json
import os.path as osp

import numpy as np
import pytest

from mmpose_occlusion.datasets.synthetic import (COCO_KEYPOINT_NAMES,
                                                 SceneConfig, annotation_path,
                                                 generate_scene,
                                                 generate_split)
from mmpose_occlusion.datasets.synthetic.__main__ import main as cli_main
from mmpose_occlusion.structures import box_iou


def _scene(seed, **kw):
    return generate_scene(np.random.default_rng(seed), SceneConfig(**kw))


def test_same_seed_same_scene_and_different_seed_differs():
    a, b, c = _scene(7), _scene(7), _scene(8)
    np.testing.assert_array_equal(a.image, b.image)
    np.testing.assert_array_equal(a.keypoints, b.keypoints)
    np.testing.assert_array_equal(a.bboxes, b.bboxes)
    assert not np.array_equal(a.image, c.image)


def test_split_is_deterministic_per_seed(tmp_path):
    cfg = SceneConfig(max_people=3)
    ann1 = generate_split(
        str(tmp_path / 'a'), 'val', 5, seed=1, cfg=cfg, progress=False)
    ann2 = generate_split(
        str(tmp_path / 'b'), 'val', 5, seed=1, cfg=cfg, progress=False)
    ann3 = generate_split(
        str(tmp_path / 'c'), 'val', 5, seed=2, cfg=cfg, progress=False)
    assert ann1 == ann2
    assert ann1['annotations'] != ann3['annotations']
    with open(tmp_path / 'a' / 'val' / ann1['images'][0]['file_name'],
              'rb') as f1, open(
                  tmp_path / 'b' / 'val' / ann2['images'][0]['file_name'],
                  'rb') as f2:
        assert f1.read() == f2.read()


@pytest.mark.parametrize('seed', range(25))
def test_visibility_agrees_with_what_is_drawn(seed):
    s = _scene(seed, min_people=2, max_people=6, overlap=0.8)
    h, w = s.id_map.shape
    for p, kpts in enumerate(s.keypoints):
        for x, y, v in kpts:
            if v == 0:  # outside the image, zeroed as in COCO
                assert x == 0 and y == 0
                continue
            assert 0 <= x <= w - 1 and 0 <= y <= h - 1
            owner = int(s.id_map[int(round(y)), int(round(x))])
            if v == 2:
                assert owner == p + 1
            else:  # hidden: a person drawn later (in front) covers it
                assert v == 1 and owner > p + 1
    np.testing.assert_array_equal(s.num_keypoints, (s.keypoints[..., 2]
                                                    > 0).sum(1))


def test_keypoints_outside_image_get_visibility_zero():
    # People taller than the image are always cut off somewhere.
    s = _scene(0, height=120, width=120, min_height=200, max_height=220)
    assert (s.keypoints[..., 2] == 0).any()


def test_overlap_makes_occlusion_and_ochuman_like_pairs():
    hidden, high_iou = 0, 0
    for seed in range(30):
        s = _scene(seed, min_people=2, max_people=3, overlap=1.0)
        hidden += int((s.keypoints[..., 2] == 1).sum())
        high_iou += sum(
            box_iou(a, b) > 0.5 for i, a in enumerate(s.bboxes)
            for b in s.bboxes[i + 1:])
    assert hidden > 0
    assert high_iou >= 10
    # ...and no overlap placement gives far fewer such pairs.
    low = 0
    for seed in range(30):
        s = _scene(seed, min_people=2, max_people=3, overlap=0.0)
        low += sum(
            box_iou(a, b) > 0.5 for i, a in enumerate(s.bboxes)
            for b in s.bboxes[i + 1:])
    assert low < high_iou


def test_boxes_hold_the_visible_keypoints():
    for seed in range(10):
        s = _scene(seed)
        for box, kpts in zip(s.bboxes, s.keypoints):
            vis = kpts[kpts[:, 2] > 0, :2]
            assert (vis[:, 0] >= box[0] - 1).all()
            assert (vis[:, 0] <= box[0] + box[2] + 1).all()
            assert (vis[:, 1] >= box[1] - 1).all()
            assert (vis[:, 1] <= box[1] + box[3] + 1).all()


def test_people_per_image_respects_the_config():
    counts = {
        len(_scene(s, min_people=2, max_people=4).keypoints)
        for s in range(40)
    }
    assert counts == {2, 3, 4}


def test_bad_config_is_rejected():
    with pytest.raises(ValueError, match='min_people'):
        SceneConfig(min_people=3, max_people=2)
    with pytest.raises(ValueError, match='overlap'):
        SceneConfig(overlap=1.5)


def test_json_loads_with_pycocotools_and_xtcocotools(tiny_synth):
    from pycocotools.coco import COCO
    from xtcocotools.coco import COCO as XTCOCO
    ann_file = annotation_path(tiny_synth, 'train')
    for cls in (COCO, XTCOCO):
        coco = cls(ann_file)
        assert len(coco.getImgIds()) == 12
        cat = coco.loadCats(1)[0]
        assert cat['keypoints'] == list(COCO_KEYPOINT_NAMES)
        for ann in coco.loadAnns(coco.getAnnIds()):
            assert len(ann['keypoints']) == 17 * 3
            assert ann['num_keypoints'] == sum(v > 0
                                               for v in ann['keypoints'][2::3])
            img = coco.loadImgs(ann['image_id'])[0]
            assert osp.isfile(osp.join(tiny_synth, 'train', img['file_name']))


def test_loads_with_stock_coco_dataset(tiny_synth):
    from mmpose.datasets import CocoDataset
    ds = CocoDataset(
        data_root=tiny_synth,
        ann_file='annotations/person_keypoints_train.json',
        data_prefix=dict(img='train/'),
        data_mode='topdown',
        pipeline=[],
        test_mode=False)
    with open(annotation_path(tiny_synth, 'train')) as f:
        anns = json.load(f)['annotations']
    # MMPose drops instances without labelled keypoints for training.
    assert len(ds) == sum(a['num_keypoints'] > 0 for a in anns)
    info = ds[0]
    assert info['keypoints'].shape == (1, 17, 2)
    assert ds.metainfo['dataset_name'] == 'coco'


def test_ground_truth_scores_ap_one_with_stock_coco_metric(tiny_synth):
    from mmpose.evaluation import CocoMetric
    ann_file = annotation_path(tiny_synth, 'val')
    with open(ann_file) as f:
        coco = json.load(f)
    metric = CocoMetric(ann_file=ann_file)
    from mmpose.datasets import CocoDataset
    metric.dataset_meta = CocoDataset.METAINFO
    metric.dataset_meta = CocoDataset(
        data_root=tiny_synth,
        ann_file='annotations/person_keypoints_val.json',
        data_prefix=dict(img='val/'),
        pipeline=[],
        test_mode=True,
        lazy_init=True).metainfo
    for ann in coco['annotations']:
        k = np.array(ann['keypoints'], np.float32).reshape(1, 17, 3)
        pred = dict(
            keypoints=k[..., :2],
            keypoint_scores=np.ones((1, 17)),
            bbox_scores=np.ones(1))
        x, y, w, h = ann['bbox']
        metric.process([], [
            dict(
                id=ann['id'],
                img_id=ann['image_id'],
                category_id=1,
                pred_instances=pred,
                gt_instances=dict(),
                raw_ann_info=[ann],
                ori_shape=(256, 320))
        ])
    results = metric.evaluate(size=len(coco['annotations']))
    assert results['coco/AP'] == pytest.approx(1.0)


def test_cli_writes_and_skips_existing(tmp_path, capsys):
    out = str(tmp_path / 'cli')
    cli_main([out, '--num-train', '3', '--num-val', '2', '--max-people', '2'])
    assert osp.isfile(annotation_path(out, 'train'))
    assert osp.isfile(annotation_path(out, 'val'))
    cli_main([out, '--num-train', '3', '--num-val', '0'])
    assert 'skipped' in capsys.readouterr().out


def test_cli_rejects_bad_values(tmp_path):
    with pytest.raises(SystemExit, match='min_people'):
        cli_main([str(tmp_path), '--min-people', '4', '--max-people', '2'])
