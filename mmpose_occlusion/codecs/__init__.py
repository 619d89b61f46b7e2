"""Keypoint codecs."""
from .sequential_disk_heatmap import SequentialDiskHeatmap, render_disks

__all__ = ['SequentialDiskHeatmap', 'render_disks']
