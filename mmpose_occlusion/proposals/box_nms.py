"""The default proposal stage: greedy IoU box NMS (what stock top-down
pipelines do), and a pass-through for boxes that need none."""
from typing import Optional

import numpy as np
from mmpose.evaluation.functional import nms

from mmpose_occlusion.registry import PROPOSAL_FILTERS
from .base import BaseProposalFilter, Proposals, as_boxes

__all__ = ['BoxNMS', 'KeepAllBoxes']


@PROPOSAL_FILTERS.register_module()
class BoxNMS(BaseProposalFilter):
    """Keep the best-scoring boxes, dropping any box whose IoU with a kept
    one exceeds ``iou_thr``.

    Args:
        iou_thr (float): IoU threshold. Defaults to 0.5; crowded scenes
            lose people below about 0.6, duplicates survive above 0.7.
        max_boxes (int, optional): keep at most this many, best first
            (MMDetection's ``max_per_img``).
        impl (str): ``'mmpose'``: MMPose's ``nms`` (as its top-down demo;
            box sizes with the legacy +1 pixel); ``'mmcv'``: MMCV's
            ``nms`` op, the one MMDetection's detectors run, so that
            ``BoxNMS(0.5, 100, 'mmcv')`` on a detector's pre-NMS person
            boxes reproduces its stock output.
    """

    def __init__(self,
                 iou_thr: float = 0.5,
                 max_boxes: Optional[int] = None,
                 impl: str = 'mmpose'):
        if not 0 <= iou_thr <= 1:
            raise ValueError(f'iou_thr must be in [0, 1], got {iou_thr}')
        if impl not in ('mmpose', 'mmcv'):
            raise ValueError(f"impl must be 'mmpose' or 'mmcv', got {impl!r}")
        if max_boxes is not None and max_boxes < 1:
            raise ValueError(f'max_boxes must be >= 1, got {max_boxes}')
        self.iou_thr = iou_thr
        self.max_boxes = max_boxes
        self.impl = impl

    def __call__(self,
                 bboxes,
                 scores,
                 img: Optional[np.ndarray] = None) -> Proposals:
        bboxes, scores = as_boxes(bboxes, scores)
        if self.impl == 'mmcv' and len(bboxes):
            import torch
            from mmcv.ops import nms as mmcv_nms
            _, keep = mmcv_nms(
                torch.from_numpy(bboxes), torch.from_numpy(scores),
                self.iou_thr)
            keep = keep.numpy().astype(np.int64)
        else:
            keep = np.asarray(
                nms(
                    np.concatenate([bboxes, scores[:, None]], 1),
                    self.iou_thr), np.int64).reshape(-1)
        if self.max_boxes is not None:
            keep = keep[:self.max_boxes]
        return Proposals(bboxes[keep], scores[keep], keep)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(iou_thr={self.iou_thr}, '
                f'max_boxes={self.max_boxes}, impl={self.impl!r})')


@PROPOSAL_FILTERS.register_module()
class KeepAllBoxes(BaseProposalFilter):
    """Every box is a proposal (ground-truth boxes, or boxes already
    filtered)."""

    def __call__(self,
                 bboxes,
                 scores,
                 img: Optional[np.ndarray] = None) -> Proposals:
        bboxes, scores = as_boxes(bboxes, scores)
        return Proposals(bboxes, scores, np.arange(len(bboxes)))

    def __repr__(self) -> str:
        return f'{type(self).__name__}()'
