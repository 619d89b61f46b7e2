"""Part localizer of the sequential person decoder (paper 004, §4.1):
identity-free part heatmaps from a feature pyramid.

Shapes: backbone features C1..C4 finest first, Cs (B, in_channels[s],
H / 2^s, W / 2^s) with C1 at output stride 4 (MMPose's ResNet with
``out_indices=(0, 1, 2, 3)``); output K part logits (B, K, H, W) at C1's size
(stride 4). A sigmoid turns them into heatmaps; the loss takes the logits.

As in the paper, every Cs is reduced to ``mid_channels`` (64) by a 1x1
convolution, resized to C1's size and summed. The paper then applies the
sigmoid to the summed map but does not say how 64 channels become K; we add
one 3x3 conv block (BN, ReLU) and a 1x1 projection to K.
"""
from typing import Sequence

import torch.nn.functional as F
from mmcv.cnn import ConvModule
from torch import Tensor, nn

__all__ = ['PartLocalizer']


class PartLocalizer(nn.Module):
    """FPN-like sum of 1x1-reduced pyramid features, then K part logits.

    Args:
        in_channels (Sequence[int]): channels of C1..C4 (finest first).
        out_channels (int): K, the number of keypoint types.
        mid_channels (int): the common width of the reduced features (64).
        align_corners (bool): for the bilinear resizing.
    """

    def __init__(self, in_channels: Sequence[int], out_channels: int,
                 mid_channels: int = 64, align_corners: bool = False):
        super().__init__()
        self.align_corners = align_corners
        self.laterals = nn.ModuleList(
            nn.Conv2d(c, mid_channels, 1) for c in in_channels)
        self.fuse = ConvModule(mid_channels, mid_channels, 3, padding=1,
                               norm_cfg=dict(type='BN'))
        self.final = nn.Conv2d(mid_channels, out_channels, 1)

    def forward(self, feats: Sequence[Tensor]) -> Tensor:
        """Part logits (B, K, H, W) at the size of ``feats[0]``."""
        if len(feats) != len(self.laterals):
            raise ValueError(f'PartLocalizer expects {len(self.laterals)} '
                             f'pyramid features, got {len(feats)}')
        size = feats[0].shape[-2:]
        x = 0
        for lateral, f in zip(self.laterals, feats):
            y = lateral(f)
            if y.shape[-2:] != size:
                y = F.interpolate(y, size=size, mode='bilinear',
                                  align_corners=self.align_corners)
            x = x + y
        return self.final(self.fuse(x))
