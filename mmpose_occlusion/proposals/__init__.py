"""Proposal filters of the crowd chain (registered in ``PROPOSAL_FILTERS``)."""
from .base import BaseProposalFilter, Proposals, as_boxes, iou_matrix
from .box_nms import BoxNMS, KeepAllBoxes
from .coarse_pose_filter import (CoarsePoseFilter, oks_matrix,
                                 pair_boxes_with_poses, pose_oks)
from .kpt2box import kpt2box

__all__ = [
    'BaseProposalFilter', 'Proposals', 'as_boxes', 'iou_matrix', 'BoxNMS',
    'KeepAllBoxes', 'CoarsePoseFilter', 'oks_matrix', 'pair_boxes_with_poses',
    'pose_oks', 'kpt2box'
]
