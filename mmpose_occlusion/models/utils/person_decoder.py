"""Person decoder of the sequential model (the sequential-decoder paper, §4.2):
a chain of ConvLSTMs at every scale that emits one person's K heatmaps per
step.

Shapes: backbone features C1..C4 finest first, Cs (B, in_channels[s],
H / 2^s, W / 2^s), C1 at output stride 4; one step gives K person logits
(B, K, H, W) at C1's size; ``hidden_channels[s]`` is the width of both
ConvLSTMs at scale s.

Per step, from the coarsest scale to the finest::

    x_s = [ up2(h_{s+1}), half(C_s) ]     (x_coarsest = half(C_coarsest))
    h_s = LSTM_s,2( LSTM_s,1( x_s ) )     two stacked ConvLSTMs, 3x3 kernels
    logits = conv1x1( h_finest )          sigmoid -> K heatmaps, stride 4

``half(C_s)`` is one ResNet bottleneck block that halves the channels of the
part features; it is computed once per image (``prepare``) and concatenated to
the ConvLSTM input at every step, so the decoder never loses the keypoint
evidence. The ConvLSTM states carry what was already emitted from step to
step; they are the only memory of the decoder. The cells are
layer-normalised (``norm_cfg=dict(type='GN')``) by default: through eight
plain cells the coarse scales' signal vanishes before the output.
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmpose.models.backbones.resnet import Bottleneck
from torch import Tensor, nn

from .conv_lstm import ConvLSTMCell

__all__ = ['PersonDecoder']

# per scale, the (h, c) of each stacked layer
States = List[List[Optional[Tuple[Tensor, Tensor]]]]


def _halving_block(channels: int) -> nn.Module:
    """One ResNet bottleneck block from ``channels`` to ``channels // 2``."""
    out = channels // 2
    downsample = ConvModule(
        channels, out, 1, norm_cfg=dict(type='BN'), act_cfg=None)
    return Bottleneck(
        channels, out, expansion=4 if out >= 4 else 1, downsample=downsample)


class PersonDecoder(nn.Module):
    """Multi-scale ConvLSTM decoder, stepped one person at a time.

    Args:
        in_channels (Sequence[int]): channels of C1..C4 (finest first).
        out_channels (int): K, heatmaps per person.
        hidden_channels (Sequence[int]): ConvLSTM width at each scale,
            finest first.
        num_layers (int): stacked ConvLSTMs per scale (2 in the paper).
        kernel_size (int): ConvLSTM kernel (3 in the paper).
        norm_cfg (dict, optional): the ConvLSTMs' gate/cell normalisation
            (``ConvLSTMCell``; GroupNorm by default, see the head); None:
            plain cells.
        align_corners (bool): for the bilinear upsampling between scales.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 out_channels: int,
                 hidden_channels: Sequence[int],
                 num_layers: int = 2,
                 kernel_size: int = 3,
                 norm_cfg: Optional[dict] = dict(type='GN'),
                 align_corners: bool = False):
        super().__init__()
        if len(hidden_channels) != len(in_channels):
            raise ValueError(
                f'hidden_channels {tuple(hidden_channels)} needs one width '
                f'per pyramid level ({len(in_channels)} levels)')
        if num_layers < 1:
            raise ValueError(f'num_layers must be >= 1, got {num_layers}')
        self.align_corners = align_corners
        self.halve = nn.ModuleList(_halving_block(c) for c in in_channels)
        self.cells = nn.ModuleList()
        n = len(in_channels)
        for s in range(n):
            coarser = hidden_channels[s + 1] if s + 1 < n else 0
            layers = [
                ConvLSTMCell(in_channels[s] // 2 + coarser, hidden_channels[s],
                             kernel_size, norm_cfg)
            ]
            layers += [
                ConvLSTMCell(hidden_channels[s], hidden_channels[s],
                             kernel_size, norm_cfg)
                for _ in range(num_layers - 1)
            ]
            self.cells.append(nn.ModuleList(layers))
        self.final = nn.Conv2d(hidden_channels[0], out_channels, 1)

    def prepare(self, feats: Sequence[Tensor]) -> List[Tensor]:
        """The halved part features, once per image."""
        if len(feats) != len(self.halve):
            raise ValueError(f'PersonDecoder expects {len(self.halve)} '
                             f'pyramid features, got {len(feats)}')
        return [block(f) for block, f in zip(self.halve, feats)]

    def init_states(self) -> States:
        """Empty states (zeros on the first step)."""
        return [[None] * len(layers) for layers in self.cells]

    def step(self, context: List[Tensor],
             states: States) -> Tuple[Tensor, States]:
        """One person: logits (B, K, H, W) and the new states."""
        new_states = [list(s) for s in states]
        h = None
        for s in reversed(range(len(self.cells))):
            x = context[s]
            if h is not None:
                h = F.interpolate(
                    h,
                    size=x.shape[-2:],
                    mode='bilinear',
                    align_corners=self.align_corners)
                x = torch.cat([h, x], 1)
            for i, cell in enumerate(self.cells[s]):
                new_states[s][i] = cell(x, states[s][i])
                x = new_states[s][i][0]
            h = x
        return self.final(h), new_states

    def forward(self, feats: Sequence[Tensor], num_steps: int) -> Tensor:
        """``num_steps`` steps without stopping: (B, T, K, H, W) logits."""
        context, states = self.prepare(feats), self.init_states()
        outs = []
        for _ in range(num_steps):
            logits, states = self.step(context, states)
            outs.append(logits)
        if not outs:
            b, _, hh, ww = context[0].shape
            return context[0].new_zeros(b, 0, self.final.out_channels, hh, ww)
        return torch.stack(outs, 1)
