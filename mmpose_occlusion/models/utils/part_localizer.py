"""Part localizer of the sequential person decoder (the sequential-decoder
paper, §4.1): the prediction of identity-free part heatmaps from the fused
pyramid features.

Shapes: the fused features (B, in_channels, H, W) at output stride 4; output
K part logits (B, K, H, W). A sigmoid turns them into heatmaps; the loss
takes the logits.

The paper reduces every level C1..C4 to 64 channels by a 1x1 convolution,
resizes them to C1's size and sums them: that fusion is the neck
``PyramidSumFusion`` (``models/necks``). The paper then applies the sigmoid
to the summed map but does not say how 64 channels become K; this module
adds one 3x3 conv block (BN, ReLU) and a 1x1 projection to K.
"""
from mmcv.cnn import ConvModule
from torch import Tensor, nn

__all__ = ['PartLocalizer']


class PartLocalizer(nn.Module):
    """K part logits from the fused pyramid features.

    Args:
        in_channels (int): channels of the fused features (64).
        out_channels (int): K, the number of keypoint types.
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.fuse = ConvModule(
            in_channels, in_channels, 3, padding=1, norm_cfg=dict(type='BN'))
        self.final = nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, fused: Tensor) -> Tensor:
        """Part logits (B, K, H, W) at the size of ``fused``."""
        return self.final(self.fuse(fused))
