"""The proposal stage of the crowd chain: what a proposal filter takes and
gives.

Shapes: N detector boxes in, P proposals out; boxes (N, 4) / (P, 4)
x1, y1, x2, y2 in image pixels; scores (N,) / (P,).

A filter is called as ``filter(bboxes, scores, img=img)`` with the detector's
person boxes and scores *before* any NMS (``img`` is the BGR image, for
filters that run a model of their own). It returns ``Proposals``: the boxes
the pose model will run on, where each came from (``source``: index of the
detector box, or -1 for a person the filter recovered), and optionally cue
points per box (e.g. the coarse poses of DetPoseNet's filter, which HintPose
can take as cues).
"""
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

__all__ = ['Proposals', 'BaseProposalFilter', 'as_boxes']


def as_boxes(bboxes, scores):
    """Validate and convert (N, 4) boxes and (N,) scores to float32.

    Zero-size boxes are valid (a detector may emit them); boxes that are
    not finite or inverted (x2 < x1 or y2 < y1, typically x, y, w, h
    given as x1, y1, x2, y2) and NaN scores are refused with a ValueError
    naming the first bad box: the NMS implementations would otherwise
    treat them differently and silently (MMPose's drops a NaN box, MMCV's
    keeps it; a NaN score sorts first).
    """
    bboxes = np.asarray(bboxes, np.float32)
    if bboxes.size and (bboxes.ndim != 2 or bboxes.shape[1] != 4):
        raise ValueError('bboxes must have shape (N, 4) (x1, y1, x2, y2), '
                         f'got {bboxes.shape}; pass the scores of (N, 5) '
                         'detections separately: dets[:, :4], dets[:, 4]')
    bboxes = bboxes.reshape(-1, 4)
    scores = np.asarray(scores, np.float32).reshape(-1)
    if len(scores) != len(bboxes):
        raise ValueError(f'{len(bboxes)} boxes but {len(scores)} scores')
    bad = ~np.isfinite(bboxes).all(1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f'box {i} is not finite ({bboxes[i].tolist()}); '
                         'drop non-finite boxes before the proposal stage')
    bad = (bboxes[:, 2] < bboxes[:, 0]) | (bboxes[:, 3] < bboxes[:, 1])
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f'box {i} is inverted ({bboxes[i].tolist()}); boxes '
                         'must be x1, y1, x2, y2 with x2 >= x1 and y2 >= y1 '
                         '(convert x, y, w, h boxes with MMPose\'s '
                         'bbox_xywh2xyxy)')
    if np.isnan(scores).any():
        i = int(np.flatnonzero(np.isnan(scores))[0])
        raise ValueError(f'score {i} is NaN; drop the box or give it a '
                         'number')
    return bboxes, scores


@dataclass
class Proposals:
    """Person proposals for the pose model.

    Attributes:
        bboxes: (P, 4) boxes, x1, y1, x2, y2.
        scores: (P,) box scores.
        source: (P,) index of the detector box each came from, -1 if the
            filter made it (a recovered person).
        cue_points: optional, P arrays (M_p, 2) of cue points per box.
        keypoints, keypoint_scores: optional, (P, K, 2) and (P, K), the
            coarse pose that made each proposal (DetPoseNet's filter).
    """
    bboxes: np.ndarray
    scores: np.ndarray
    source: np.ndarray
    cue_points: Optional[List[np.ndarray]] = field(default=None)
    keypoints: Optional[np.ndarray] = field(default=None)
    keypoint_scores: Optional[np.ndarray] = field(default=None)

    def __len__(self) -> int:
        return len(self.bboxes)


class BaseProposalFilter:
    """Base of proposal filters: subclasses implement ``__call__``."""

    def __call__(self,
                 bboxes: np.ndarray,
                 scores: np.ndarray,
                 img: Optional[np.ndarray] = None) -> Proposals:
        raise NotImplementedError
