"""Multi-Instance Modulation Block (MIPNet, Khirodkar et al., ICCV 2021, §3.2).

Shapes: ``x`` (B, C, H, W) features; ``selector`` (B, N) instance selector,
one-hot for λ = i during training, soft (e.g. [1 - t, t]) for interpolation.

For channel c::

    s   = F_sq(x)    global average pooling,                  (B, C)  eq. (2)
    e   = F_ex(s)    FC-ReLU-FC-sigmoid,                       (B, C)  eq. (3)
    v   = F_em(λ)    FC-BN-ReLU-FC-sigmoid,                    (B, C)  eq. (4)
    x'_c = g * v_c * e_c * x_c                                         eq. (5)

As the official code (``SELambdaLayer``): hidden width C / 4, no biases in
F_ex, a BatchNorm1d in F_em, Linear weights drawn from N(0, 0.001²) and
biases 0 (``init='official'``; both gates then start near 0.5), g = 1.

``init='neutral'`` (ours, for fine-tuning a trained stock model): the last
Linear layers of F_ex and F_em start at zero, so both gates are exactly 0.5
for every input and selector, and g = 4: the block is the identity at step 0
and a stock checkpoint gives the stock output for every λ; the gates still
receive gradients from the first step (through the last layers' weights).
g is a buffer saved in checkpoints, so a model fine-tuned this way gives
the same output whatever ``init`` the config that loads it names.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpose.registry import MODELS

__all__ = ['MIMB', 'one_hot_selector']


def one_hot_selector(index: torch.Tensor, num_instances: int) -> torch.Tensor:
    """λ indices (B,) -> one-hot selectors (B, N) as float."""
    return F.one_hot(index.long(), num_instances).float()


@MODELS.register_module()
class MIMB(BaseModule):
    """Multi-Instance Modulation Block.

    Args:
        channels (int): C, channels of the modulated features.
        num_instances (int): N, length of the instance selector λ.
        reduction (int): hidden width of F_ex and F_em is
            ``max(channels // reduction, min_hidden)``. Defaults to 4, as
            the official code.
        min_hidden (int): lower bound of the hidden width.
        embed_norm (bool): BatchNorm1d after F_em's first layer (official).
        init (str): ``'official'`` or ``'neutral'`` (see the module doc).
    """

    def __init__(self,
                 channels: int,
                 num_instances: int = 2,
                 reduction: int = 4,
                 min_hidden: int = 1,
                 embed_norm: bool = True,
                 init: str = 'official',
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if num_instances < 1:
            raise ValueError(
                f'num_instances must be >= 1, got {num_instances}')
        if init not in ('official', 'neutral'):
            raise ValueError("init must be 'official' or 'neutral', got "
                             f'{init!r}')
        hidden = max(channels // reduction, min_hidden)
        self.channels = channels
        self.num_instances = num_instances
        self.init = init
        # g is saved with the weights: a checkpoint fine-tuned from the
        # neutral init (g = 4) keeps its output when loaded into a model
        # built with another init (a checkpoint without it keeps this one)
        self.register_buffer('gain',
                             torch.tensor(4.0 if init == 'neutral' else 1.0))
        self.excite = nn.Sequential(
            nn.Linear(channels, hidden, bias=False), nn.ReLU(inplace=True),
            nn.Linear(hidden, channels, bias=False), nn.Sigmoid())
        embed = [nn.Linear(num_instances, hidden)]
        if embed_norm:
            embed.append(nn.BatchNorm1d(hidden))
        embed += [
            nn.ReLU(inplace=True),
            nn.Linear(hidden, channels),
            nn.Sigmoid()
        ]
        self.embed = nn.Sequential(*embed)
        self._init_gates()

    def _init_gates(self) -> None:
        for seq in (self.excite, self.embed):
            for m in seq:
                if isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, std=0.001)
                    if m.bias is not None:
                        nn.init.zeros_(m.bias)
            if self.init == 'neutral':
                last = seq[-2]
                nn.init.zeros_(last.weight)
                if last.bias is not None:
                    nn.init.zeros_(last.bias)

    def init_weights(self):
        super().init_weights()
        self._init_gates()

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict,
                              missing_keys, unexpected_keys, error_msgs):
        # checkpoints written before g was a buffer have no such key: they
        # keep the model's g (the init they were trained with is the
        # config's) instead of failing a strict load
        key = prefix + 'gain'
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)
        if key not in state_dict and key in missing_keys:
            missing_keys.remove(key)

    def forward(self, x: torch.Tensor, selector: torch.Tensor) -> torch.Tensor:
        if selector.shape != (x.shape[0], self.num_instances):
            raise ValueError(
                f'MIMB expects selector of shape (B, N) = ({x.shape[0]}, '
                f'{self.num_instances}), got {tuple(selector.shape)}')
        s = x.mean(dim=(2, 3))  # squeeze, eq. (2)
        e = self.excite(s)  # eq. (3)
        v = self._embed(selector.to(x.dtype))  # eq. (4)
        return x * (self.gain * v * e)[:, :, None, None]  # eq. (5)

    def _embed(self, selector: torch.Tensor) -> torch.Tensor:
        """F_em; a single row in training is normalised with the running
        statistics (batch statistics of one row do not exist)."""
        v = selector
        for m in self.embed:
            if isinstance(m, nn.BatchNorm1d) and m.training and \
                    v.shape[0] == 1:
                v = F.batch_norm(v, m.running_mean, m.running_var, m.weight,
                                 m.bias, False, 0.0, m.eps)
            else:
                v = m(v)
        return v
