"""Backbones conditioned on an instance selector (MIPNet) or an instance
cue and their own previous output (HintPose)."""
from .hintpose_hrnet import HintHRNet
from .mipnet_hrnet import MIPHRNet
from .mipnet_resnet import MIPResNet
from .multi_instance import MultiInstanceBackboneMixin, one_hot_selectors

__all__ = [
    'HintHRNet', 'MIPHRNet', 'MIPResNet', 'MultiInstanceBackboneMixin',
    'one_hot_selectors'
]
