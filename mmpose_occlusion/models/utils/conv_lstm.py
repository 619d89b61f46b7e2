"""Convolutional LSTM (Shi et al., NeurIPS 2015), the recurrent unit of the
sequential person decoder.

Shapes: input x (B, C_in, H, W); state (h, c), each (B, C_hidden, H, W).
One call is one time step::

    i, f, o = σ(W_i * [x, h]), σ(W_f * [x, h]), σ(W_o * [x, h])
    g = tanh(W_g * [x, h])
    c' = f ⊙ c + i ⊙ g
    h' = o ⊙ tanh(c')

with * a k x k convolution (one conv gives all four gates). The forget gate's
bias starts at 1, the usual LSTM initialisation, so the cell keeps its memory
at the start of training.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor, nn

__all__ = ['ConvLSTMCell']

State = Tuple[Tensor, Tensor]


class ConvLSTMCell(nn.Module):
    """One ConvLSTM layer, stepped by the caller.

    Args:
        in_channels (int): channels of the input x.
        hidden_channels (int): channels of h and c.
        kernel_size (int): gate convolution kernel (odd; 3 in the paper).
    """

    def __init__(self, in_channels: int, hidden_channels: int,
                 kernel_size: int = 3):
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f'kernel_size must be odd to keep the spatial '
                             f'size, got {kernel_size}')
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        self.gates = nn.Conv2d(in_channels + hidden_channels,
                               4 * hidden_channels, kernel_size,
                               padding=kernel_size // 2)
        with torch.no_grad():
            self.gates.bias.zero_()
            self.gates.bias[hidden_channels:2 * hidden_channels].fill_(1.0)

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
        i, f, o, g = self.gates(torch.cat([x, h], 1)).chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c
