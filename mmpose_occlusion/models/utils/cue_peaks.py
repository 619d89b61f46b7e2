"""Instance cues from image-level joint heatmaps (HintPose §3.1, evaluation).

A bottom-up model gives K identity-free joint heatmaps for the whole image;
their local peaks inside a person box are the cues for that box, one forward
pass per cue.

Shapes: heatmaps (K, h, w) covering the image at ``stride`` image pixels per
heatmap pixel; boxes (N, 4) x1, y1, x2, y2 in image pixels; output per box
(M_i, 2) cue points in image pixels and (M_i,) scores, best first.
"""
from typing import List, Tuple

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ['extract_cue_points']


def extract_cue_points(heatmaps,
                       boxes,
                       threshold: float = 0.1,
                       max_per_box: int = 3,
                       min_distance: float = 8.0,
                       stride: float = 1.0,
                       kernel: int = 3
                       ) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """Local peaks of any joint channel inside each box.

    Args:
        heatmaps: (K, h, w) array or tensor.
        boxes: (N, 4) boxes in image pixels.
        threshold: a peak must exceed this value.
        max_per_box: keep at most this many cues per box (highest first).
        min_distance: cues of one box closer than this (image pixels) to a
            higher one are dropped (joints of one person are near each
            other; one cue per person is enough).
        stride: image pixels per heatmap pixel.
        kernel: size of the local-maximum window (odd).

    Returns:
        (points, scores): N arrays of shape (M_i, 2) and (M_i,).
    """
    hm = torch.as_tensor(np.asarray(heatmaps), dtype=torch.float32)
    if hm.dim() != 3:
        raise ValueError(f'heatmaps must be (K, h, w), got {tuple(hm.shape)}')
    pooled = F.max_pool2d(hm[None], kernel, stride=1, padding=kernel // 2)[0]
    is_peak = (hm == pooled) & (hm > threshold)
    k, ys, xs = torch.nonzero(is_peak, as_tuple=True)
    scores = hm[k, ys, xs].numpy()
    xy = torch.stack([xs, ys], 1).float().numpy() * stride
    order = np.argsort(-scores, kind='stable')
    xy, scores = xy[order], scores[order]

    points, point_scores = [], []
    for x1, y1, x2, y2 in np.asarray(boxes, np.float32).reshape(-1, 4):
        inside = ((xy[:, 0] >= x1) & (xy[:, 0] <= x2) & (xy[:, 1] >= y1) &
                  (xy[:, 1] <= y2))
        kept: List[int] = []
        for i in np.flatnonzero(inside):
            if len(kept) == max_per_box:
                break
            if all(np.linalg.norm(xy[i] - xy[j]) >= min_distance
                   for j in kept):
                kept.append(i)
        points.append(xy[kept].reshape(-1, 2))
        point_scores.append(scores[kept])
    return points, point_scores
