"""Box geometry shared by the datasets, the proposal stage and the tools.

MMPose's ``mmpose.structures.bbox`` has the format conversions
(``bbox_xywh2xyxy``, ...) and a torch ``bbox_overlaps``; these are the numpy
IoUs the rest of the package needs.

Shapes: boxes (N, 4) / (M, 4) x1, y1, x2, y2, or one (4,) x, y, w, h box.
"""
import numpy as np

__all__ = ['iou_matrix', 'box_iou']


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, M) IoU of boxes a (N, 4) and b (M, 4), x1, y1, x2, y2."""
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(-1)
    area_a = (a[:, 2:] - a[:, :2]).prod(-1)
    area_b = (b[:, 2:] - b[:, :2]).prod(-1)
    return inter / np.maximum(area_a[:, None] + area_b[None] - inter, 1e-9)


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two xywh boxes."""
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2 = min(a[0] + a[2], b[0] + b[2])
    y2 = min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return float(inter / union) if union > 0 else 0.0
