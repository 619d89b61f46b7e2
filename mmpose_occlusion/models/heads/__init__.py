"""Heads."""
from .multi_scale_head import MultiScaleHeatmapHead, downsample_target
from .sequential_decoder_head import (SequentialDecoderHead, locate_on_parts,
                                      merge_flipped_steps)

__all__ = [
    'MultiScaleHeatmapHead', 'downsample_target', 'SequentialDecoderHead',
    'locate_on_parts', 'merge_flipped_steps'
]
