"""Losses."""
from .structure_aware_loss import StructureAwareLoss, skeleton_neighbours

__all__ = ['StructureAwareLoss', 'skeleton_neighbours']
