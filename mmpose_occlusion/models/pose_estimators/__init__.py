"""Pose estimators that own a loop over instances."""
from .mipnet import MIPNetPoseEstimator, soft_selectors

__all__ = ['MIPNetPoseEstimator', 'soft_selectors']
