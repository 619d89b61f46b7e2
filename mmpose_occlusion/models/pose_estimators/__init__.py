"""Pose estimators that own a loop over instances or hops."""
from .hintpose import HintPoseEstimator
from .mipnet import MIPNetPoseEstimator, soft_selectors
from .multi_instance import MultiInstanceTopdownMixin

__all__ = [
    'HintPoseEstimator', 'MIPNetPoseEstimator', 'MultiInstanceTopdownMixin',
    'soft_selectors'
]
