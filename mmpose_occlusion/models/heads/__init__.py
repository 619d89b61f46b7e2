"""Heads."""
from .ae_head import TrainableAssociativeEmbeddingHead
from .multi_scale_head import MultiScaleHeatmapHead, downsample_target

__all__ = [
    'TrainableAssociativeEmbeddingHead', 'MultiScaleHeatmapHead',
    'downsample_target'
]
