"""Convolutional LSTM (Shi et al., NeurIPS 2015), the recurrent unit of the
sequential person decoder.

Shapes: input x (B, C_in, H, W); state (h, c), each (B, C_hidden, H, W).
One call is one time step::

    i, f, o = σ(N(W_i * [x, h])), σ(N(W_f * [x, h])), σ(N(W_o * [x, h]))
    g = tanh(N(W_g * [x, h]))
    c' = f ⊙ c + i ⊙ g
    h' = o ⊙ tanh(N_c(c'))

with * a k x k convolution (one conv gives all four gates). Without
``norm_cfg`` the N are identities (Shi et al.'s cell). With ``norm_cfg``
(e.g. ``dict(type='GN')``) each gate's pre-activation and the cell state are
normalised over channels and space, the convolutional form of the
layer-normalised LSTM (Ba et al., 2016): every layer then passes on a signal
of unit scale, which a chain of plain ConvLSTMs does not (the signal and its
gradient shrink ~50x per scale of two stacked cells at PyTorch's default
init; docs/seqdecoder.md). The forget gate's bias starts at 1, the usual
LSTM initialisation, so the cell keeps its memory at the start of training.
"""
from typing import Optional, Tuple

import torch
from mmcv.cnn import build_norm_layer
from torch import Tensor, nn

__all__ = ['ConvLSTMCell']

State = Tuple[Tensor, Tensor]


def _group_norm(cfg: dict, num_groups: int, channels: int) -> nn.Module:
    """A norm layer from ``cfg``; GroupNorm gets ``num_groups`` groups
    (one per gate) unless ``cfg`` sets them."""
    cfg = dict(cfg)
    if cfg['type'] == 'GN':
        cfg.setdefault('num_groups', num_groups)
    return build_norm_layer(cfg, channels)[1]


class ConvLSTMCell(nn.Module):
    """One ConvLSTM layer, stepped by the caller.

    Args:
        in_channels (int): channels of the input x.
        hidden_channels (int): channels of h and c.
        kernel_size (int): gate convolution kernel (odd; 3 in the paper).
        norm_cfg (dict, optional): normalise the gate pre-activations and the
            cell state (``dict(type='GN')``: one group per gate, and one
            group for c). None: the plain cell.
    """

    def __init__(self,
                 in_channels: int,
                 hidden_channels: int,
                 kernel_size: int = 3,
                 norm_cfg: Optional[dict] = None):
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f'kernel_size must be odd to keep the spatial '
                             f'size, got {kernel_size}')
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        self.gates = nn.Conv2d(
            in_channels + hidden_channels,
            4 * hidden_channels,
            kernel_size,
            padding=kernel_size // 2,
            bias=norm_cfg is None)
        if norm_cfg is None:
            self.gate_norm = self.cell_norm = None
            forget_bias = self.gates.bias
        else:
            self.gate_norm = _group_norm(norm_cfg, 4, 4 * hidden_channels)
            self.cell_norm = _group_norm(norm_cfg, 1, hidden_channels)
            forget_bias = self.gate_norm.bias
        with torch.no_grad():
            forget_bias.zero_()
            forget_bias[hidden_channels:2 * hidden_channels].fill_(1.0)

    def init_state(self, x: Tensor) -> State:
        """Zero (h, c) for an input like ``x``."""
        b, _, h, w = x.shape
        zeros = x.new_zeros(b, self.hidden_channels, h, w)
        return zeros, zeros.clone()

    def forward(self, x: Tensor, state: Optional[State] = None) -> State:
        """One step: returns the new (h, c); ``state=None`` starts from
        zeros."""
        if x.shape[1] != self.in_channels:
            raise ValueError(f'ConvLSTMCell expects {self.in_channels} input '
                             f'channels, got {x.shape[1]}')
        h, c = self.init_state(x) if state is None else state
        gates = self.gates(torch.cat([x, h], 1))
        if self.gate_norm is not None:
            gates = self.gate_norm(gates)
        i, f, o, g = gates.chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        c_out = c if self.cell_norm is None else self.cell_norm(c)
        h = torch.sigmoid(o) * torch.tanh(c_out)
        return h, c
