"""Losses."""
from .hungarian_bce_loss import HungarianBCELoss, bce_cost_matrix, steps_needed
from .structure_aware_loss import StructureAwareLoss, skeleton_neighbours

__all__ = [
    'StructureAwareLoss', 'skeleton_neighbours', 'HungarianBCELoss',
    'bce_cost_matrix', 'steps_needed'
]
