"""Keypoint geometry shared by the proposal stage, the cue sources and the
tools: a person box around a pose (``kpt2box``), the joint that stands for a
pose (``central_joint``), and the OKS between coarse poses (``oks_matrix``,
``pose_oks``).

``kpt2box`` (DetPoseNet, Algorithm 1, line 9): a coarse pose found inside a
box that another pose already claimed is a person the detector missed; it
gets a box of its own from its keypoints. The keypoints' extent is smaller
than a person box (the head top is above the eyes, the feet below the
ankles), so it is enlarged by ``margin`` on each side; top-down pipelines then
add their own padding (``GetBBoxCenterScale(padding=1.25)``) and aspect
ratio. With one or two confident keypoints the extent says little about the
size: each side is at least ``min_size`` (e.g. the size of the box the pose
was found in).

Shapes: one pose's keypoints (K, 2) and scores (K,); P poses (P, K, 2) and
(P, K); a box (4,) x1, y1, x2, y2.
"""
from typing import Optional, Sequence, Union

import numpy as np

__all__ = ['kpt2box', 'central_joint', 'oks_matrix', 'pose_oks']


def kpt2box(keypoints,
            scores,
            score_thr: float = 0.3,
            margin: float = 0.15,
            min_size: Union[float, Sequence[float]] = 16.0,
            img_shape: Optional[Sequence[int]] = None) -> Optional[np.ndarray]:
    """A box around the confident keypoints of one pose.

    Args:
        keypoints: (K, 2) in image pixels.
        scores: (K,) keypoint scores; those above ``score_thr`` count.
        score_thr: confidence threshold.
        margin: each side grows by this fraction of the extent.
        min_size: the least width and height, one value or (w, h).
        img_shape: (h, w) to clip the box to, optional.

    Returns:
        (4,) float32 box, or None when no keypoint is confident.
    """
    kpts = np.asarray(keypoints, np.float32).reshape(-1, 2)
    scores = np.asarray(scores, np.float32).reshape(-1)
    if len(scores) != len(kpts):
        raise ValueError(f'{len(kpts)} keypoints but {len(scores)} scores')
    good = (scores > score_thr) & np.isfinite(kpts).all(1)
    if not good.any():
        return None
    pts = kpts[good]
    lo, hi = pts.min(0), pts.max(0)
    centre = (lo + hi) / 2
    size = (hi - lo) * (1 + 2 * margin)
    size = np.maximum(size,
                      np.broadcast_to(np.asarray(min_size, np.float32), (2, )))
    box = np.concatenate([centre - size / 2, centre + size / 2])
    if img_shape is not None:
        h, w = img_shape[:2]
        box = np.clip(box, 0, [w, h, w, h])
    return box.astype(np.float32)


def central_joint(joints: np.ndarray) -> np.ndarray:
    """The joint (2,) of (J, 2) joints nearest their mean: one point that
    lies on the person (a pose's cue)."""
    joints = np.asarray(joints)
    return joints[np.argmin(((joints - joints.mean(0))**2).sum(1))]


def oks_matrix(keypoints: np.ndarray, conf: np.ndarray, areas: np.ndarray,
               sigmas) -> np.ndarray:
    """(P, P) OKS of pose p against pose q (q's area), over the keypoints
    confident in both; 0 where they share none."""
    with np.errstate(invalid='ignore', over='ignore'):  # masked below
        d2 = ((keypoints[:, None] - keypoints[None])**2).sum(-1)  # (P, P, K)
        var = (2 * np.asarray(sigmas, np.float32))**2
        e = d2 / var / (areas[None, :, None] + np.spacing(1)) / 2
    both = conf[:, None] & conf[None]
    # where(), not a product: a keypoint that is not confident may be NaN
    return np.where(both, np.exp(-e), 0).sum(-1) / np.maximum(both.sum(-1), 1)


def pose_oks(a, a_scores, b, b_scores, area: float, sigmas,
             score_thr: float) -> float:
    """COCO OKS between two poses (K, 2) over the keypoints confident in
    both (score above ``score_thr``; 0 when they share none), with ``area``
    as the scale: ``oks_matrix`` of the pair."""
    kpts = np.stack([np.asarray(a, np.float64), np.asarray(b, np.float64)])
    conf = np.stack(
        [np.asarray(a_scores) > score_thr,
         np.asarray(b_scores) > score_thr])
    return float(
        oks_matrix(kpts, conf, np.full(2, area, np.float64), sigmas)[0, 1])
