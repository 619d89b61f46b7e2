"""HRNet with Multi-Instance Modulation Blocks (MIPNet §3.2, §4).

MIMBs sit at the end of the chosen stages, one per branch output of that
stage (the paper: stages 3 and 4). Module names of the stock ``HRNet`` are kept,
so its weights load unchanged; the MIMBs are the only new parameters.

Shapes: ``x`` (B, 3, H, W); ``lams`` (B, M, N): M instance selectors per image
over N instances (one-hot for λ = 0..N-1, soft for interpolation). Outputs are
ordered image-major: row ``b * M + m`` is image b under selector m.

Everything up to the end of the first MIMB stage (the trunk) runs once on B
images; the rest runs once on B * M rows.
"""
from typing import Sequence

import torch
import torch.nn as nn

from mmpose.models.backbones import HRNet
from mmpose.models.backbones.resnet import get_expansion
from mmpose.registry import MODELS
from ..utils.mimb import MIMB
from .hrnet_stages import run_hrnet_stage, run_hrnet_stem
from .multi_instance import MultiInstanceBackboneMixin

__all__ = ['MIPHRNet']


@MODELS.register_module()
class MIPHRNet(MultiInstanceBackboneMixin, HRNet):
    """HRNet conditioned on an instance selector λ.

    Args:
        num_instances (int): N. Defaults to 2.
        mimb_stages (Sequence[int]): HRNet stages (2, 3 or 4) whose branch
            outputs get a MIMB. Defaults to (3, 4).
        mimb_reduction (int): hidden-width divisor of each MIMB.
        **kwargs: the arguments of MMPose's ``HRNet``.
    """

    def __init__(self,
                 num_instances: int = 2,
                 mimb_stages: Sequence[int] = (3, 4),
                 mimb_reduction: int = 16,
                 **kwargs):
        super().__init__(**kwargs)
        mimb_stages = tuple(sorted(set(mimb_stages)))
        if not mimb_stages or not set(mimb_stages) <= {2, 3, 4}:
            raise ValueError('mimb_stages must be a non-empty subset of '
                             f'(2, 3, 4), got {mimb_stages}')
        self.num_instances = num_instances
        self.mimb_stages = mimb_stages
        self.mimb = nn.ModuleDict()
        for stage in mimb_stages:
            self.mimb[f'stage{stage}'] = nn.ModuleList([
                MIMB(c, num_instances, reduction=mimb_reduction)
                for c in self._stage_out_channels(stage)
            ])

    def _stage_out_channels(self, stage):
        cfg = getattr(self, f'stage{stage}_cfg')
        block = self.blocks_dict[cfg['block']]
        channels = [c * get_expansion(block) for c in cfg['num_channels']]
        multiscale = stage < 4 or cfg.get('multiscale_output', False)
        return channels if multiscale else channels[:1]

    def forward_trunk(self, x: torch.Tensor):
        """Stem to the end of the first MIMB stage (before its MIMBs)."""
        y_list = [self.layer1(run_hrnet_stem(self, x))]
        for stage in range(2, self.mimb_stages[0] + 1):
            y_list = run_hrnet_stage(self, stage, y_list)
        return y_list

    def forward_instances(self, trunk, lam: torch.Tensor):
        """The rest, on B * M rows; ``lam`` is (B * M, N)."""
        y_list = trunk
        for stage in range(self.mimb_stages[0], 5):
            if stage > self.mimb_stages[0]:
                y_list = run_hrnet_stage(self, stage, y_list)
            if stage in self.mimb_stages:
                y_list = [
                    m(y, lam)
                    for m, y in zip(self.mimb[f'stage{stage}'], y_list)
                ]
        return tuple(y_list)
