"""Visualizers."""
from .pose_visualizer import OcclusionPoseVisualizer

__all__ = ['OcclusionPoseVisualizer']
