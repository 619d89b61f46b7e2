"""Proposal filters of the crowd chain (registered in ``PROPOSAL_FILTERS``).
Their box and pose geometry (``iou_matrix``, ``kpt2box``, ``oks_matrix``) is
in :mod:`mmpose_occlusion.structures`."""
from .base import BaseProposalFilter, Proposals, as_boxes
from .box_nms import BoxNMS, KeepAllBoxes
from .coarse_pose_filter import CoarsePoseFilter, pair_boxes_with_poses

__all__ = [
    'BaseProposalFilter', 'Proposals', 'as_boxes', 'BoxNMS', 'KeepAllBoxes',
    'CoarsePoseFilter', 'pair_boxes_with_poses'
]
