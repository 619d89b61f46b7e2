"""Geometry of boxes and poses: the package's bottom layer (numpy only),
imported by models, datasets, proposals, apis and tools alike."""
from .bbox import box_iou, iou_matrix
from .keypoint import central_joint, kpt2box, oks_matrix, pose_oks

__all__ = [
    'box_iou', 'iou_matrix', 'central_joint', 'kpt2box', 'oks_matrix',
    'pose_oks'
]
