"""Where the crowd chain's person boxes come from.

A box source is called as ``source(img, name)`` with the BGR image (H, W, 3)
and the image's file name, and returns ``(bboxes (N, 4) x1, y1, x2, y2,
scores (N,))`` before any NMS:

- ``MMDetPersonDetector``: an MMDetection detector (Faster R-CNN, HTC, ...),
  its person class only, by default with its final NMS disabled so that the
  chain's proposal stage sees every scored box (``stock_nms()`` gives the
  ``BoxNMS`` that reproduces the detector's own output);
- ``PrecomputedBoxes``: a COCO detection-results JSON (``bbox`` xywh,
  ``score``, ``category_id``), looked up by file name through the matching
  COCO annotation file (the images list);
- ``SimulatedDetector``: the ground-truth boxes of a COCO file with detector
  noise (jitter, misses, duplicates, false positives), seeded per image, for
  the synthetic scenes where no trained detector exists.
"""
import copy
import json
import os.path as osp
import zlib
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from mmpose.structures.bbox import bbox_xywh2xyxy

__all__ = [
    'MMDetPersonDetector', 'PrecomputedBoxes', 'SimulatedDetector',
    'disable_final_nms', 'clean_boxes'
]

Boxes = Tuple[np.ndarray, np.ndarray]


def _empty() -> Boxes:
    return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)


def _images_by_name(ann_file: str) -> Dict[str, dict]:
    try:
        with open(ann_file) as f:
            images = json.load(f)['images']
    except (OSError, ValueError, KeyError) as e:
        raise ValueError(
            f'could not read the images of COCO file {ann_file!r}: {e}') \
            from e
    return {osp.basename(img['file_name']): img for img in images}


def disable_final_nms(model_cfg, max_boxes: int = 1000) -> dict:
    """Turn off the final NMS of an MMDetection detector's config in place:
    ``test_cfg.rcnn`` (two-stage and cascade detectors: Faster R-CNN,
    Cascade R-CNN, HTC, ...) or ``test_cfg`` (one-stage), IoU threshold 1
    (no box suppresses another) and at most ``max_boxes`` boxes. The score
    threshold stays. Returns the stock ``nms`` and ``max_per_img``."""
    test_cfg = model_cfg.get('test_cfg') or {}
    for node in (test_cfg.get('rcnn'), test_cfg):
        if isinstance(node, dict) and isinstance(node.get('nms'), dict):
            stock = dict(
                nms=dict(node['nms']),
                max_per_img=node.get('max_per_img', 100))
            node['nms'] = dict(node['nms'], iou_threshold=1.0)
            node['max_per_img'] = max_boxes
            return stock
    raise ValueError(
        'found no final NMS in the detector\'s test_cfg (test_cfg.rcnn.nms '
        'or test_cfg.nms); pass pre_nms=False to keep its boxes as they are')


class MMDetPersonDetector:
    """Person boxes from an MMDetection detector.

    Args:
        config: MMDet config (path, ``'mmdet::...'`` or Config); its test
            pipeline is adapted to MMPose's scope (``adapt_mmdet_pipeline``).
        checkpoint: weights, or None (random; plumbing checks only).
        device: e.g. ``'cpu'``, ``'cuda:0'``.
        person_class: the class name kept (looked up in the detector's
            ``dataset_meta['classes']``, so 80-class COCO and person-only
            detectors both work).
        pre_nms (bool): disable the detector's final NMS
            (``disable_final_nms``), so the proposal stage sees the boxes
            NMS would have thinned. Defaults to True.
        max_boxes (int): with ``pre_nms``, the most boxes per image.
    """

    def __init__(self,
                 config,
                 checkpoint: Optional[str] = None,
                 device: str = 'cpu',
                 person_class: str = 'person',
                 pre_nms: bool = True,
                 max_boxes: int = 1000):
        from mmdet.apis import init_detector
        from mmpose.utils import adapt_mmdet_pipeline

        from mmpose_occlusion.utils import load_config
        cfg = copy.deepcopy(load_config(config, 'detector config'))
        self.pre_nms = pre_nms
        self.stock_nms_cfg = (
            disable_final_nms(cfg.model, max_boxes) if pre_nms else None)
        self.model = init_detector(
            adapt_mmdet_pipeline(cfg), checkpoint, device=device)
        meta_classes = cfg.get('test_dataloader',
                               {}).get('dataset', {}).get('metainfo',
                                                          {}).get('classes')
        if checkpoint is None and meta_classes:
            # init_detector falls back to COCO's 80 names without weights
            self.model.dataset_meta = dict(classes=tuple(meta_classes))
        classes = [
            str(c).lower()
            for c in (self.model.dataset_meta or {}).get('classes', ())
        ]
        if person_class.lower() not in classes:
            raise ValueError(
                f'detector {config!r} has no class {person_class!r} (its '
                f'classes: {classes[:10]}...); pass a person detector or '
                'the right person_class')
        self.label = classes.index(person_class.lower())

    def stock_nms(self):
        """The proposal stage that gives the detector's own output from its
        pre-NMS boxes: ``BoxNMS`` with its IoU threshold, box cap and MMCV's
        NMS op (exact for a person-only detector; an 80-class detector caps
        its boxes over all classes)."""
        from mmpose_occlusion.proposals import BoxNMS
        if self.stock_nms_cfg is None:
            raise ValueError('this detector runs its own NMS (pre_nms=False)')
        return BoxNMS(
            self.stock_nms_cfg['nms'].get('iou_threshold', 0.5),
            self.stock_nms_cfg['max_per_img'],
            impl='mmcv')

    def __call__(self, img: np.ndarray, name: str = '') -> Boxes:
        from mmdet.apis import inference_detector
        from mmengine.registry import DefaultScope
        with DefaultScope.overwrite_default_scope('mmdet'):
            pred = inference_detector(self.model, img).pred_instances
        keep = pred.labels.cpu().numpy() == self.label
        return (pred.bboxes.cpu().numpy()[keep].astype(np.float32),
                pred.scores.cpu().numpy()[keep].astype(np.float32))


class PrecomputedBoxes:
    """Boxes from a COCO detection-results JSON.

    Args:
        bbox_file: detection results (``image_id``, ``category_id``,
            ``bbox`` xywh, ``score``).
        ann_file: the COCO file naming the images (``images`` list with
            ``id`` and ``file_name``); an image it does not list gets no
            boxes.
        category_id: the person category. Defaults to 1.
    """

    def __init__(self, bbox_file: str, ann_file: str, category_id: int = 1):
        try:
            with open(bbox_file) as f:
                dets = json.load(f)
        except (OSError, ValueError) as e:
            raise ValueError(f'could not read the detections {bbox_file!r}: '
                             f'{e}') from e
        if not isinstance(dets, list):
            raise ValueError(f'{bbox_file!r} is not a COCO detection-results '
                             'list')
        self.ids = {
            name: img['id']
            for name, img in _images_by_name(ann_file).items()
        }
        self.boxes: Dict[int, list] = {}
        for d in dets:
            if d.get('category_id', category_id) == category_id:
                self.boxes.setdefault(d['image_id'], []).append(d)

    def __call__(self, img: np.ndarray, name: str = '') -> Boxes:
        dets = self.boxes.get(self.ids.get(osp.basename(name)), [])
        if not dets:
            return _empty()
        return (bbox_xywh2xyxy(
            np.asarray([d['bbox'] for d in dets], np.float32).reshape(-1, 4)),
                np.asarray([d['score'] for d in dets], np.float32))


class SimulatedDetector:
    """Ground-truth boxes with simulated detector noise.

    Each true box is missed with ``miss_prob`` (more often when it is
    occluded: its visible-joint fraction scales the miss odds down),
    otherwise jittered (centre and size by ``jitter`` times the box size,
    Gaussian) with a score in [0.5, 1) falling with occlusion; with
    ``dup_prob`` it gets a second, more jittered copy with a lower score;
    each image gets Poisson(``fp_rate``) false positives on background with
    scores below 0.6. The random stream depends only on ``seed`` and the file
    name, so a run is reproducible.

    Args:
        ann_file: COCO keypoint file with the images and their people.
        jitter, miss_prob, dup_prob, fp_rate: the noise.
        seed: base seed.
    """

    def __init__(self,
                 ann_file: str,
                 jitter: float = 0.05,
                 miss_prob: float = 0.05,
                 dup_prob: float = 0.3,
                 fp_rate: float = 0.5,
                 seed: int = 0):
        self.images = _images_by_name(ann_file)
        with open(ann_file) as f:
            anns = json.load(f)['annotations']
        self.people: Dict[int, list] = {}
        for a in anns:
            if not a.get('iscrowd', 0):
                self.people.setdefault(a['image_id'], []).append(a)
        self.jitter, self.miss_prob = jitter, miss_prob
        self.dup_prob, self.fp_rate, self.seed = dup_prob, fp_rate, seed

    def knows(self, name: str) -> bool:
        """Whether the annotation file lists this image."""
        return osp.basename(name) in self.images

    def __call__(self, img: np.ndarray, name: str = '') -> Boxes:
        image = self.images.get(osp.basename(name))
        if image is None:
            return _empty()
        rng = np.random.default_rng(
            [self.seed, zlib.crc32(osp.basename(name).encode())])
        h, w = img.shape[:2]
        boxes, scores = [], []

        def jittered(box, scale):
            x, y, bw, bh = box
            cx, cy = x + bw / 2, y + bh / 2
            cx += rng.normal(0, scale) * bw
            cy += rng.normal(0, scale) * bh
            bw *= float(np.exp(rng.normal(0, scale)))
            bh *= float(np.exp(rng.normal(0, scale)))
            return [cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2]

        for a in self.people.get(image['id'], []):
            kpts = np.asarray(a.get('keypoints', []),
                              np.float32).reshape(-1, 3)
            labelled = kpts[:, 2] > 0
            visible = (kpts[:, 2] == 2).sum() / max(labelled.sum(), 1)
            if rng.random() < self.miss_prob * (2 - visible):
                continue
            boxes.append(jittered(a['bbox'], self.jitter))
            scores.append(0.5 + 0.5 * visible * rng.uniform(0.8, 1.0))
            if rng.random() < self.dup_prob:
                boxes.append(jittered(a['bbox'], 2 * self.jitter))
                scores.append(scores[-1] * rng.uniform(0.5, 0.9))
        for _ in range(rng.poisson(self.fp_rate)):
            bw, bh = rng.uniform(0.1, 0.3) * w, rng.uniform(0.2, 0.5) * h
            x, y = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
            boxes.append([x, y, x + bw, y + bh])
            scores.append(rng.uniform(0.1, 0.6))
        if not boxes:
            return _empty()
        return (np.asarray(boxes, np.float32).reshape(-1, 4),
                np.clip(np.asarray(scores, np.float32), 0, 1))


def clean_boxes(bboxes: np.ndarray,
                scores: np.ndarray,
                img_shape: Sequence[int],
                min_size: float = 1.0):
    """Clip boxes to the image; drop non-finite, outside or zero-size ones.

    Returns:
        (bboxes, scores, dropped): the kept boxes and how many were dropped.
    """
    h, w = img_shape[:2]
    bboxes = np.asarray(bboxes, np.float32).reshape(-1, 4).copy()
    scores = np.asarray(scores, np.float32).reshape(-1)
    ok = np.isfinite(bboxes).all(1) & np.isfinite(scores)
    bboxes[:, 0::2] = np.clip(np.nan_to_num(bboxes[:, 0::2]), 0, w)
    bboxes[:, 1::2] = np.clip(np.nan_to_num(bboxes[:, 1::2]), 0, h)
    ok &= (bboxes[:, 2] - bboxes[:, 0] >= min_size) & \
        (bboxes[:, 3] - bboxes[:, 1] >= min_size)
    return bboxes[ok], scores[ok], int((~ok).sum())
