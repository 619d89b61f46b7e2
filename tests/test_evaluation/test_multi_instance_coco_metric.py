"""Several instances per top-down sample: kept and merged by OKS-NMS."""
import json
import os.path as osp

import numpy as np
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.evaluation import CocoMetric

from mmpose_occlusion.evaluation import MultiInstanceCocoMetric

META = parse_pose_metainfo(dict(from_file='configs/_base_/datasets/coco.py'))


def _evaluate(metric_cls, ann_file, samples, tmp_path):
    metric = metric_cls(
        ann_file=ann_file, outfile_prefix=str(tmp_path / metric_cls.__name__))
    metric.dataset_meta = META
    for s in samples:
        metric.process([], [s])
    return metric.evaluate(size=len(samples))['coco/AP']


def _kpts(ann):
    return np.array(ann['keypoints'], np.float32).reshape(17, 3)[:, :2]


def test_other_person_found_from_one_box_counts(tiny_synth, tmp_path):
    """Only the first box of each image is kept (the others missed, as with
    a strict detector); its sample predicts every person of the image."""
    ann_file = osp.join(tiny_synth, 'annotations/person_keypoints_val.json')
    with open(ann_file) as f:
        anns = json.load(f)['annotations']
    by_image = {}
    for a in anns:
        by_image.setdefault(a['image_id'], []).append(a)
    samples = []
    for img_id, people in by_image.items():
        kpts = np.stack([_kpts(p) for p in people])
        samples.append(
            dict(
                id=people[0]['id'],
                img_id=img_id,
                category_id=1,
                gt_instances=dict(),
                pred_instances=dict(
                    keypoints=kpts,
                    keypoint_scores=np.ones(kpts.shape[:2], np.float32),
                    bbox_scores=np.ones(len(kpts), np.float32),
                    # one duplicate of the box's own person, as λ = 1 gives on
                    # a box holding one person: OKS-NMS must remove it
                )))
        dup = samples[-1]['pred_instances']
        for key in ('keypoints', 'keypoint_scores', 'bbox_scores'):
            dup[key] = np.concatenate([dup[key], dup[key][:1]])
    assert sum(len(p) for p in by_image.values()) > len(by_image)
    ours = _evaluate(MultiInstanceCocoMetric, ann_file, samples, tmp_path)
    stock = _evaluate(CocoMetric, ann_file, samples, tmp_path)
    assert ours == 1.0
    assert stock < 0.8  # stock keeps one instance per sample id
