"""Backbones conditioned on an instance selector (MIPNet)."""
from .mipnet_hrnet import MIPHRNet
from .mipnet_resnet import MIPResNet
from .multi_instance import MultiInstanceBackboneMixin, one_hot_selectors

__all__ = [
    'MIPHRNet', 'MIPResNet', 'MultiInstanceBackboneMixin', 'one_hot_selectors'
]
