"""The part localizer's multi-scale feature fusion (the sequential-decoder
paper, §4.1) as an MMPose neck: every pyramid level is reduced to a common
width by a 1x1 convolution, resized to the finest level's size and summed.

Shapes: L input levels finest first, level l (B, in_channels[l], H_l, W_l)
(e.g. MMPose's ``ResNet`` with ``out_indices=(0, 1, 2, 3)``: C1..C4, C1 at
output stride 4); the fused map is (B, out_channels, H_0, W_0).

Output: ``(fused, )``, so a stock head that reads the last feature (e.g.
``HeatmapHead``) takes the fused map; with ``keep_inputs=True``
``(level_0, ..., level_{L-1}, fused)``: the pyramid passes through for a head
that needs it as well (``SequentialDecoderHead``'s person decoder).
"""
from typing import Sequence, Tuple

import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from mmpose.utils.typing import OptConfigType
from torch import Tensor, nn

__all__ = ['PyramidSumFusion']


@MODELS.register_module()
class PyramidSumFusion(BaseModule):
    """Sum of 1x1-reduced pyramid levels at the finest level's size.

    Args:
        in_channels (Sequence[int]): channels of the input levels, finest
            first.
        out_channels (int): the common width (64 in the paper).
        keep_inputs (bool): also return the input levels, before the fused
            map. Defaults to False.
        align_corners (bool): for the bilinear resizing. Defaults to False.
        init_cfg (dict, optional): MMEngine init config; None keeps
            PyTorch's default initialisation of the 1x1 convolutions.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 out_channels: int = 64,
                 keep_inputs: bool = False,
                 align_corners: bool = False,
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg)
        if isinstance(in_channels, int) or not len(in_channels):
            raise ValueError('PyramidSumFusion: in_channels must list the '
                             'channels of every input level, finest first; '
                             f'got {in_channels!r}')
        self.in_channels = tuple(in_channels)
        self.out_channels = out_channels
        self.keep_inputs = keep_inputs
        self.align_corners = align_corners
        self.laterals = nn.ModuleList(
            nn.Conv2d(c, out_channels, 1) for c in self.in_channels)

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """``(fused, )``, or the inputs and then ``fused`` with
        ``keep_inputs``; ``fused`` is (B, out_channels, H_0, W_0)."""
        if isinstance(inputs, Tensor) or len(inputs) != len(self.laterals):
            got = 1 if isinstance(inputs, Tensor) else len(inputs)
            raise ValueError(
                f'PyramidSumFusion expects {len(self.laterals)} feature maps '
                f'(in_channels={self.in_channels}), got {got}: set the '
                'backbone\'s out_indices to give one map per in_channels '
                'entry (ResNet: out_indices=(0, 1, 2, 3))')
        size = inputs[0].shape[-2:]
        fused = 0
        for lateral, x in zip(self.laterals, inputs):
            y = lateral(x)
            if y.shape[-2:] != size:
                y = F.interpolate(
                    y,
                    size=size,
                    mode='bilinear',
                    align_corners=self.align_corners)
            fused = fused + y
        if self.keep_inputs:
            return tuple(inputs) + (fused, )
        return (fused, )
