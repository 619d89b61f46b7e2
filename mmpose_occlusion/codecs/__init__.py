"""Keypoint codecs."""
from .associative_embedding import PackedAssociativeEmbedding
from .sequential_disk_heatmap import SequentialDiskHeatmap, render_disks

__all__ = [
    'PackedAssociativeEmbedding', 'SequentialDiskHeatmap', 'render_disks'
]
