"""Instance cues from a bottom-up model (HintPose §3.1, evaluation).

At test time HintPose takes its cues from a bottom-up model, and each cue
runs the box's crop once. ``BottomupCueSource`` wraps any MMPose bottom-up
model and gives each box one of two kinds of cues:

* ``mode='poses'`` (default, ours): one cue per person the bottom-up model
  found, the central confident joint of each of its grouped poses
  (``pose_cue_points``) that falls inside the box. A cue then names a
  person, which is what the cue was trained to mean.
* ``mode='peaks'`` (the report's wording, "local peaks in each detected
  bounding box"): local peaks of the identity-free joint heatmaps
  (``test_cfg.output_heatmaps``; Associative Embedding, DEKR, CID, ...),
  mapped back to the image, through ``extract_cue_points``. The strongest
  peaks of any channel tend to be joints of the most salient person, so
  several cues of a box often name the same person. ``write_cue_file``
  stores the cues of every box of a COCO file for ``LoadCuePoints``
  (dataset evaluation).

Shapes: image (H, W, 3) BGR or a path; boxes (N, 4) x1, y1, x2, y2 in image
pixels; output per box (M_i, 2) cue points in image pixels and (M_i,) scores.
"""
import json
import os
from typing import Callable, Dict, List, Optional, Tuple, Union

import numpy as np
import torch.nn as nn
from mmpose.structures.bbox import bbox_xywh2xyxy

from mmpose_occlusion.models.utils import extract_cue_points, pose_cue_points
from .pose_source import BottomupPoseSource

__all__ = ['BottomupCueSource', 'write_cue_file']


class BottomupCueSource:
    """Cue points for person boxes from a bottom-up model's heatmaps.

    Args:
        model (nn.Module): an MMPose bottom-up estimator (e.g. from
            ``mmpose.apis.init_model``); in ``'peaks'`` mode its
            ``test_cfg`` is given ``output_heatmaps=True``.
        mode (str): ``'poses'`` (one cue per bottom-up person) or
            ``'peaks'`` (local heatmap peaks).
        threshold (float): ``'poses'``: a joint is confident above this
            score; ``'peaks'``: a peak must exceed this heatmap value.
        max_per_box (int): at most this many cues per box.
        min_distance (float, optional): cues of one box closer than this
            (image pixels) to a stronger one are dropped. Defaults to 8 for
            peaks (about the spread of one person's central joints) and 0
            for poses (two people may stand close).
        channels (list[int], optional): ``'peaks'``: heatmap channels to
            search (e.g. a DEKR centre channel only); all by default.
    """

    def __init__(self,
                 model: nn.Module,
                 mode: str = 'poses',
                 threshold: float = 0.1,
                 max_per_box: int = 3,
                 min_distance: Optional[float] = None,
                 channels: Optional[List[int]] = None):
        if not hasattr(model, 'test_cfg') or not hasattr(model, 'head'):
            raise TypeError('BottomupCueSource takes an MMPose bottom-up '
                            f'estimator, got {type(model).__name__}')
        if mode not in ('poses', 'peaks'):
            raise ValueError(f"mode must be 'poses' or 'peaks', got {mode!r}")
        self.model = model
        self.mode = mode
        if mode == 'peaks':
            self.model.test_cfg = dict(
                model.test_cfg or {}, output_heatmaps=True)
        self.threshold = threshold
        self.max_per_box = max_per_box
        self.min_distance = (
            min_distance
            if min_distance is not None else 8.0 if mode == 'peaks' else 0.0)
        self.channels = channels
        self.poses = BottomupPoseSource(model)

    @classmethod
    def from_config(cls,
                    config,
                    checkpoint: Optional[str] = None,
                    device: str = 'cpu',
                    **kwargs) -> 'BottomupCueSource':
        """Build the bottom-up model with ``mmpose.apis.init_model``."""
        from mmpose.apis import init_model

        from mmpose_occlusion.utils import load_config
        return cls(
            init_model(
                load_config(config, 'bottom-up config'),
                checkpoint,
                device=device), **kwargs)

    def image_heatmaps(self, img: Union[str, np.ndarray]
                       ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The model's heatmaps and their placement in the image.

        Returns:
            (heatmaps (C, h, w), stride (2,), offset (2,)): heatmap pixel
            (x, y) lies at image pixel (x, y) * stride + offset.
        """
        from mmpose.apis import inference_bottomup
        sample = inference_bottomup(self.model, img)[0]
        if 'pred_fields' not in sample or \
                'heatmaps' not in sample.pred_fields:
            raise RuntimeError(
                f'{type(self.model.head).__name__} gave no heatmaps with '
                'test_cfg.output_heatmaps=True; BottomupCueSource needs a '
                'bottom-up model whose head outputs joint heatmaps')
        heatmaps = sample.pred_fields.heatmaps
        heatmaps = heatmaps.cpu().numpy() if hasattr(heatmaps, 'cpu') else \
            np.asarray(heatmaps)
        if self.channels is not None:
            heatmaps = heatmaps[list(self.channels)]
        h, w = heatmaps.shape[-2:]
        # heatmap -> model input -> image (as BottomupPoseEstimator maps
        # its keypoints)
        scale = np.asarray(sample.metainfo['input_scale'], np.float32)
        center = np.asarray(sample.metainfo['input_center'], np.float32)
        stride = scale / np.array([w, h], np.float32)
        return heatmaps, stride, center - 0.5 * scale

    def __call__(self, img: Union[str, np.ndarray],
                 boxes) -> Tuple[List[np.ndarray], List[np.ndarray]]:
        """Cue points and scores inside each box (strongest first)."""
        if self.mode == 'poses':
            keypoints, scores = self.poses(img)
            return pose_cue_points(
                keypoints,
                scores,
                boxes,
                score_thr=self.threshold,
                max_per_box=self.max_per_box,
                min_distance=self.min_distance)
        heatmaps, stride, offset = self.image_heatmaps(img)
        return extract_cue_points(
            heatmaps,
            boxes,
            threshold=self.threshold,
            max_per_box=self.max_per_box,
            min_distance=self.min_distance,
            stride=stride,
            offset=offset)


def write_cue_file(cue_fn: Callable[[dict, np.ndarray], List[np.ndarray]],
                   ann_file: str,
                   out_file: str,
                   bbox_file: Optional[str] = None) -> dict:
    """Write the cue points of every person box of a COCO file for
    ``LoadCuePoints``.

    Args:
        cue_fn: ``cue_fn(image_info, boxes)`` gives the (M_i, 2) cue points
            of each (N, 4) xyxy box of one image; ``image_info`` is the COCO
            image entry (``file_name``, ``id``, ...).
        ann_file: COCO keypoint annotations (the images, and the boxes when
            ``bbox_file`` is None).
        out_file: the JSON to write (written whole or not at all).
        bbox_file: COCO detection results; the keys are then MMPose's
            detection ids (the index among the ``category_id == 1``
            entries, as ``CocoDataset`` numbers them), else annotation ids.

    Returns:
        counts: ``boxes``, ``cues``, ``boxes_without_cue``.
    """
    from mmpose_occlusion.utils import Progress
    with open(ann_file) as f:
        coco = json.load(f)
    images = {img['id']: img for img in coco['images']}
    boxes_by_image: Dict[int, list] = {}
    if bbox_file is None:
        for ann in coco['annotations']:
            boxes_by_image.setdefault(ann['image_id'], []).append(
                (ann['id'], ann['bbox']))
    else:
        with open(bbox_file) as f:
            dets = [d for d in json.load(f) if d['category_id'] == 1]
        for det_id, det in enumerate(dets):
            boxes_by_image.setdefault(det['image_id'], []).append(
                (det_id, det['bbox']))
    cues, counts = {}, dict(boxes=0, cues=0, boxes_without_cue=0)
    progress = Progress(len(boxes_by_image), 'images')
    for img_id, entries in boxes_by_image.items():
        if img_id not in images:
            raise KeyError(f'{bbox_file or ann_file} refers to image '
                           f'{img_id}, which is not in {ann_file}')
        xywh = np.asarray([b for _, b in entries], np.float32).reshape(-1, 4)
        xyxy = bbox_xywh2xyxy(xywh)
        for (key, _), pts in zip(entries, cue_fn(images[img_id], xyxy)):
            cues[str(key)] = np.asarray(pts, np.float64).reshape(
                -1, 2).round(2).tolist()
            counts['boxes'] += 1
            counts['cues'] += len(cues[str(key)])
            counts['boxes_without_cue'] += not cues[str(key)]
        progress.update()
    progress.close()
    tmp = f'{out_file}.tmp{os.getpid()}'
    with open(tmp, 'w') as f:
        json.dump(cues, f)
    os.replace(tmp, out_file)
    return counts
