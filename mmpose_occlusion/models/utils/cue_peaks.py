"""Instance cues from image-level joint heatmaps (HintPose §3.1, evaluation).

A bottom-up model gives K identity-free joint heatmaps for the whole image;
their local peaks inside a person box are the cues for that box, one forward
pass per cue.

Cues may also come from given poses (another model's predictions, or ground
truth for an upper-bound evaluation): ``pose_cue_points`` gives each pose one
cue, its confident joint nearest the mean of its confident joints (the rule
of ``GenerateInstanceCue(gt='nearest_centroid')``).

Shapes: heatmaps (K, h, w), a heatmap pixel (x, y) lying at image pixel
(x, y) * stride + offset; poses (P, K, 2) with scores (P, K); boxes (N, 4)
x1, y1, x2, y2 in image pixels; output per box (M_i, 2) cue points in image
pixels and (M_i,) scores, best first.
"""
from typing import List, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F

from mmpose_occlusion.structures import central_joint

__all__ = ['extract_cue_points', 'pose_cue_points']


def extract_cue_points(
    heatmaps,
    boxes,
    threshold: float = 0.1,
    max_per_box: int = 3,
    min_distance: float = 8.0,
    stride: Union[float, Sequence[float]] = 1.0,
    kernel: int = 3,
    offset: Sequence[float] = (0.0, 0.0)
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
        stride: image pixels per heatmap pixel, one value or (sx, sy).
        kernel: size of the local-maximum window (odd).
        offset: image position (x, y) of heatmap pixel (0, 0), e.g. for the
            heatmaps of a bottom-up model whose input is a warped image.

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
    xy = torch.stack([xs, ys], 1).float().numpy() * np.asarray(
        stride, np.float32) + np.asarray(offset, np.float32)
    order = np.argsort(-scores, kind='stable')
    return _select_in_boxes(xy[order], scores[order], boxes, max_per_box,
                            min_distance)


def pose_cue_points(keypoints,
                    keypoint_scores,
                    boxes,
                    score_thr: float = 0.3,
                    max_per_box: int = 3,
                    min_distance: float = 8.0
                    ) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """One cue per given pose, then the cues inside each box.

    Args:
        keypoints: (P, K, 2) poses in image pixels.
        keypoint_scores: (P, K) scores or visibilities; joints above
            ``score_thr`` are confident.
        boxes: (N, 4) boxes in image pixels.
        score_thr: confidence threshold of a joint; a joint with NaN or
            infinite coordinates is never confident.
        max_per_box, min_distance: as in ``extract_cue_points``.

    Returns:
        (points, scores): N arrays of shape (M_i, 2) and (M_i,), the score
        of a cue being its pose's mean confident-joint score; poses with no
        confident joint give no cue.
    """
    kpts = np.asarray(keypoints, np.float32)
    conf = np.asarray(keypoint_scores, np.float32)
    if kpts.ndim != 3 or kpts.shape[-1] < 2 or conf.shape != kpts.shape[:2]:
        raise ValueError('keypoints must be (P, K, 2) with keypoint_scores '
                         f'(P, K), got {kpts.shape} and {conf.shape}')
    kpts = kpts[..., :2]
    xy, scores = [], []
    for pose, sc in zip(kpts, conf):
        good = (sc > score_thr) & np.isfinite(pose).all(-1)
        if not good.any():
            continue
        xy.append(central_joint(pose[good]))
        scores.append(sc[good].mean())
    xy = np.asarray(xy, np.float32).reshape(-1, 2)
    scores = np.asarray(scores, np.float32)
    order = np.argsort(-scores, kind='stable')
    return _select_in_boxes(xy[order], scores[order], boxes, max_per_box,
                            min_distance)


def _select_in_boxes(xy: np.ndarray, scores: np.ndarray, boxes,
                     max_per_box: int, min_distance: float):
    """Per box, the points (sorted best first) inside it, at most
    ``max_per_box``, none within ``min_distance`` of a better one."""
    points, point_scores = [], []
    for x1, y1, x2, y2 in np.asarray(boxes, np.float32).reshape(-1, 4):
        inside = ((xy[:, 0] >= x1) & (xy[:, 0] <= x2) & (xy[:, 1] >= y1) &
                  (xy[:, 1] <= y2))
        kept: List[int] = []
        for i in np.flatnonzero(inside):
            if len(kept) == max_per_box:
                break
            if all(
                    np.linalg.norm(xy[i] - xy[j]) >= min_distance
                    for j in kept):
                kept.append(i)
        points.append(xy[kept].reshape(-1, 2))
        point_scores.append(scores[kept])
    return points, point_scores
