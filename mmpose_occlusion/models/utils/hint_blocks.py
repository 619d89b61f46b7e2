"""HintPose's two additions to HRNet (§2.1, §2.2).

Both end in a zero-initialised layer whose output is added to existing
features, so a new block changes nothing until it is trained: weights of the
stock baseline load unchanged and give the baseline's output.

Shapes: cue (R, 1, h, w) at the stem's resolution (1/4 of the input); stem
features (R, C_stem, h, w); heatmaps (R, K, h, w); layer1 features
(R, C_1, h, w).
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmengine.model.weight_init import constant_init
from mmpose.registry import MODELS

__all__ = ['InstanceCueBlock', 'FeedbackBlock']


@MODELS.register_module()
class InstanceCueBlock(BaseModule):
    """Input refinement block (§2.1): "aggregates image features and
    instance cue embedding and updates feature maps with element-wise
    summation", with two conv layers and a residual connection (§2).

    The cue map is concatenated to the features; a 3x3 conv-norm-ReLU and a
    zero-initialised 3x3 conv turn both into a residual that is added to the
    features. The block thus sees what lies under the cue, not the cue
    alone: a cue-only embedding would add the same bias whatever the image.

    Args:
        in_channels (int): channels of the features it refines (the
            stem's).
        mid_channels (int): channels of the first conv layer.
        norm_cfg (dict): norm of the first layer.
    """

    def __init__(self,
                 in_channels: int,
                 mid_channels: int = 64,
                 norm_cfg: dict = dict(type='BN'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.fuse = ConvModule(
            in_channels + 1, mid_channels, 3, padding=1, norm_cfg=norm_cfg)
        self.proj = nn.Conv2d(mid_channels, in_channels, 3, padding=1)

    def init_weights(self):
        super().init_weights()
        constant_init(self.proj, 0)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        """Checkpoints of the earlier block (``embed``: conv-norm-ReLU of the
        cue alone, then ``proj``) load as the same function: ``fuse`` gets
        zero weights on the feature channels and the old weights on the cue
        channel."""
        old = f'{prefix}embed.conv.weight'
        if old in state_dict and f'{prefix}fuse.conv.weight' not in \
                state_dict:
            w = state_dict.pop(old)
            c = self.fuse.conv.in_channels - 1
            state_dict[f'{prefix}fuse.conv.weight'] = torch.cat(
                [w.new_zeros(w.shape[0], c, *w.shape[2:]), w], 1)
            for key in list(state_dict):
                if key.startswith(f'{prefix}embed.'):
                    state_dict[key.replace(f'{prefix}embed.',
                                           f'{prefix}fuse.', 1)] = \
                        state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def forward(self, x: torch.Tensor, cue: torch.Tensor) -> torch.Tensor:
        """Features (R, C, h, w) and cue (R, 1, h, w) -> refined features
        (R, C, h, w)."""
        if cue.shape[0] != x.shape[0] or cue.shape[-2:] != x.shape[-2:]:
            raise ValueError(
                f'InstanceCueBlock: cue {tuple(cue.shape)} does not match '
                f'the features {tuple(x.shape)} (one cue map per row, at the '
                'features\' resolution)')
        return x + self.proj(self.fuse(torch.cat([x, cue.to(x.dtype)], 1)))


@MODELS.register_module()
class FeedbackBlock(BaseModule):
    """Recurrent refinement: two 1x1 conv blocks. ``extract`` turns the
    previous hop's heatmaps into what the next hop needs; ``update`` turns
    that into a residual for the features after HRNet's layer1.

    Args:
        in_channels (int): K, heatmap channels fed back.
        out_channels (int): channels of the features updated (layer1's).
        hint_channels (int): channels between the two blocks.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 hint_channels: int = 64,
                 norm_cfg: dict = dict(type='BN'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.extract = ConvModule(
            in_channels, hint_channels, 1, norm_cfg=norm_cfg)
        self.update = nn.Conv2d(hint_channels, out_channels, 1)

    def init_weights(self):
        super().init_weights()
        constant_init(self.update, 0)

    def forward(self, heatmaps: torch.Tensor) -> torch.Tensor:
        return self.update(self.extract(heatmaps))
