"""``kpt2box``: a person box around a pose (DetPoseNet, Algorithm 1, line 9).

A coarse pose found inside a box that another pose already claimed is a
person the detector missed; it gets a box of its own from its keypoints.
The keypoints' extent is smaller than a person box (the head top is above
the eyes, the feet below the ankles), so it is enlarged by ``margin`` on each
side; top-down pipelines then add their own padding
(``GetBBoxCenterScale(padding=1.25)``) and aspect ratio. With one or two
confident keypoints the extent says little about the size: each side is at
least ``min_size`` (e.g. the size of the box the pose was found in).

Shapes: keypoints (K, 2), scores (K,), box (4,) x1, y1, x2, y2.
"""
from typing import Optional, Sequence, Union

import numpy as np

__all__ = ['kpt2box']


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
