"""ResNet with Multi-Instance Modulation Blocks (MIPNet with SimpleBaseline).

The paper adds MIMBs to the last two ResNet blocks of the encoder; the
official code (``SE_MODULES [False, False, True, True]``) gates the inputs of
``layer3`` and ``layer4``. Here a MIMB sits on the output of each chosen
residual stage (1-based), so the official placement is the default (2, 3):
after ``layer2`` (512 channels for ResNet-50) and ``layer3`` (1024), which
with the official reduction 4 adds 0.99 M parameters to ResNet-50, the
paper's +1.0 M. Module names of MMPose's ``ResNet`` are kept, so its weights
load unchanged.

Shapes: as in :mod:`.multi_instance`: ``x`` (B, 3, H, W), ``selectors``
(B, M, N), outputs (B * M, C, h, w), image-major.
"""
from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmpose.models.backbones import ResNet
from mmpose.registry import MODELS

from ..utils.mimb import MIMB
from .multi_instance import MultiInstanceBackboneMixin

__all__ = ['MIPResNet']


@MODELS.register_module()
class MIPResNet(MultiInstanceBackboneMixin, ResNet):
    """ResNet conditioned on an instance selector λ.

    Args:
        num_instances (int): N. Defaults to 2.
        mimb_stages (Sequence[int]): residual stages (1..num_stages) whose
            outputs get a MIMB. Defaults to (2, 3), the official placement.
        mimb_cfg (dict, optional): arguments of every ``MIMB`` (reduction,
            init, ...).
        **kwargs: the arguments of MMPose's ``ResNet``.
    """

    def __init__(self,
                 num_instances: int = 2,
                 mimb_stages: Sequence[int] = (2, 3),
                 mimb_cfg: Optional[dict] = None,
                 **kwargs):
        super().__init__(**kwargs)
        mimb_stages = tuple(sorted(set(mimb_stages)))
        if not mimb_stages or not set(mimb_stages) <= set(
                range(1, self.num_stages + 1)):
            raise ValueError('mimb_stages must be a non-empty subset of '
                             f'1..{self.num_stages}, got {mimb_stages}')
        self.num_instances = num_instances
        self.mimb_stages = mimb_stages
        self.mimb = nn.ModuleDict({
            f'stage{s}':
            MIMB(
                getattr(self, self.res_layers[s - 1])[-1].out_channels,
                num_instances, **(mimb_cfg or {}))
            for s in mimb_stages
        })

    def _run(self, x, outs, stages, selector=None):
        for s in stages:
            x = getattr(self, self.res_layers[s - 1])(x)
            if selector is not None and s in self.mimb_stages:
                x = self.mimb[f'stage{s}'](x, selector)
            if s - 1 in self.out_indices:
                outs.append(x)
        return x, outs

    def forward_trunk(self, x: torch.Tensor):
        """Stem and the residual stages before the first MIMB stage, plus
        that stage itself (its MIMB is the first conditioned op)."""
        if self.deep_stem:
            x = self.stem(x)
        else:
            x = self.relu(self.norm1(self.conv1(x)))
        x = self.maxpool(x)
        first = self.mimb_stages[0]
        x, outs = self._run(x, [], range(1, first))
        x = getattr(self, self.res_layers[first - 1])(x)
        return [x, outs]

    def forward_instances(self, trunk, selector: torch.Tensor):
        """The first MIMB and everything after it, on B * M rows."""
        x, outs = trunk
        first = self.mimb_stages[0]
        x = self.mimb[f'stage{first}'](x, selector)
        if first - 1 in self.out_indices:
            outs = list(outs) + [x]
        x, outs = self._run(x, list(outs),
                            range(first + 1, self.num_stages + 1), selector)
        return tuple(outs)
