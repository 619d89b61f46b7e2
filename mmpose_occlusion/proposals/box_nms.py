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
    one exceeds ``iou_thr`` (MMPose's ``nms``, as its top-down demo).

    Args:
        iou_thr (float): IoU threshold. Defaults to 0.5; crowded scenes
            lose people below about 0.6, duplicates survive above 0.7.
    """

    def __init__(self, iou_thr: float = 0.5):
        if not 0 <= iou_thr <= 1:
            raise ValueError(f'iou_thr must be in [0, 1], got {iou_thr}')
        self.iou_thr = iou_thr

    def __call__(self, bboxes, scores,
                 img: Optional[np.ndarray] = None) -> Proposals:
        bboxes, scores = as_boxes(bboxes, scores)
        keep = np.asarray(
            nms(np.concatenate([bboxes, scores[:, None]], 1), self.iou_thr),
            np.int64).reshape(-1)
        return Proposals(bboxes[keep], scores[keep], keep)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(iou_thr={self.iou_thr})'


@PROPOSAL_FILTERS.register_module()
class KeepAllBoxes(BaseProposalFilter):
    """Every box is a proposal (ground-truth boxes, or boxes already
    filtered)."""

    def __call__(self, bboxes, scores,
                 img: Optional[np.ndarray] = None) -> Proposals:
        bboxes, scores = as_boxes(bboxes, scores)
        return Proposals(bboxes, scores, np.arange(len(bboxes)))

    def __repr__(self) -> str:
        return f'{type(self).__name__}()'
