"""Necks."""
from .pyramid_sum_fusion import PyramidSumFusion

__all__ = ['PyramidSumFusion']
