"""HintPose's two additions to HRNet (§2.1, §2.2).

Both end in a zero-initialised layer and are added to existing features, so a
new block changes nothing until it is trained: weights of the stock baseline
load unchanged and give the baseline's output.

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
    """Input refinement block: two 3x3 conv layers embed the single-channel
    cue; the result is added to the image features by the caller.

    Args:
        out_channels (int): channels of the features the cue is added to.
        mid_channels (int): channels of the first conv layer.
        norm_cfg (dict): norm of the first layer (conv-norm-ReLU); the second
            is a plain conv, zero-initialised.
    """

    def __init__(self,
                 out_channels: int,
                 mid_channels: int = 64,
                 norm_cfg: dict = dict(type='BN'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.embed = ConvModule(1, mid_channels, 3, padding=1,
                                norm_cfg=norm_cfg)
        self.proj = nn.Conv2d(mid_channels, out_channels, 3, padding=1)

    def init_weights(self):
        super().init_weights()
        constant_init(self.proj, 0)

    def forward(self, cue: torch.Tensor) -> torch.Tensor:
        return self.proj(self.embed(cue))


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
        self.extract = ConvModule(in_channels, hint_channels, 1,
                                  norm_cfg=norm_cfg)
        self.update = nn.Conv2d(hint_channels, out_channels, 1)

    def init_weights(self):
        super().init_weights()
        constant_init(self.update, 0)

    def forward(self, heatmaps: torch.Tensor) -> torch.Tensor:
        return self.update(self.extract(heatmaps))
