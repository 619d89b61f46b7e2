"""Proposal filters of the crowd chain (registered in ``PROPOSAL_FILTERS``)."""
from .base import BaseProposalFilter, Proposals, as_boxes
from .box_nms import BoxNMS, KeepAllBoxes

__all__ = [
    'BaseProposalFilter', 'Proposals', 'as_boxes', 'BoxNMS', 'KeepAllBoxes'
]
