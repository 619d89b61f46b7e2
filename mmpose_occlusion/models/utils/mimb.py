"""Multi-Instance Modulation Block (MIPNet, Khirodkar et al., ICCV 2021, §3.2).

Shapes: ``x`` (B, C, H, W) features; ``lam`` (B, N) instance selector, one-hot
for λ = i during training, soft (e.g. [1 - t, t]) for interpolation.

For channel c::

    s   = F_sq(x)    global average pooling,            (B, C)      eq. (2)
    e   = F_ex(s)    FC-ReLU-FC-sigmoid,                 (B, C)      eq. (3)
    v   = F_em(lam)  FC-ReLU-FC-sigmoid, same shape,     (B, C)      eq. (4)
    x'_c = v_c * e_c * x_c                                           eq. (5)
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmpose.registry import MODELS

__all__ = ['MIMB', 'one_hot_lambda']


def one_hot_lambda(index: torch.Tensor, num_instances: int) -> torch.Tensor:
    """λ indices (B,) -> one-hot selectors (B, N) as float."""
    return F.one_hot(index.long(), num_instances).float()


@MODELS.register_module()
class MIMB(BaseModule):
    """Multi-Instance Modulation Block.

    Args:
        channels (int): C, channels of the modulated features.
        num_instances (int): N, length of the instance selector λ.
        reduction (int): hidden width of the excite and embed networks is
            ``max(channels // reduction, min_hidden)``. 16 as in the
            squeeze-and-excitation block MIMB derives from.
        min_hidden (int): lower bound of the hidden width (narrow HRNet
            branches have only 32 channels).
    """

    def __init__(self,
                 channels: int,
                 num_instances: int = 2,
                 reduction: int = 16,
                 min_hidden: int = 8,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if num_instances < 1:
            raise ValueError(f'num_instances must be >= 1, got {num_instances}')
        hidden = max(channels // reduction, min_hidden)
        self.channels = channels
        self.num_instances = num_instances
        self.excite = nn.Sequential(
            nn.Linear(channels, hidden), nn.ReLU(inplace=True),
            nn.Linear(hidden, channels), nn.Sigmoid())
        self.embed = nn.Sequential(
            nn.Linear(num_instances, hidden), nn.ReLU(inplace=True),
            nn.Linear(hidden, channels), nn.Sigmoid())

    def forward(self, x: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
        if lam.shape != (x.shape[0], self.num_instances):
            raise ValueError(
                f'MIMB expects lam of shape (B, N) = ({x.shape[0]}, '
                f'{self.num_instances}), got {tuple(lam.shape)}')
        s = x.mean(dim=(2, 3))  # squeeze, eq. (2)
        e = self.excite(s)  # eq. (3)
        v = self.embed(lam.to(x.dtype))  # eq. (4)
        return x * (v * e)[:, :, None, None]  # eq. (5)
