"""HRNet with HintPose's instance cue and recurrent refinement.

``HintHRNet`` keeps every module of MMPose's ``HRNet`` (stock weights load
unchanged) and adds:

* ``cue_block`` (if ``use_cue``): the cue, rendered at the stem's resolution,
  is concatenated to the stem's output and two conv layers turn both into a
  residual added to it (§2.1);
* ``feedback`` (if ``num_hops > 1``): the previous hop's heatmaps are turned
  into a residual for the features after layer1 (§2.2).

The hop loop needs the head (its heatmaps are fed back), so the estimator
(``HintPoseEstimator``) owns it and calls the two halves:

* ``forward_stem(x, cues, counts)``: stem once per image (B rows), then the
  cue of every (image, cue) row and layer1 on R = Σ counts rows;
* ``forward_hop(f1, prev_heatmaps)``: transition1 to stage4 on the R rows,
  with the feedback of the previous hop added to ``f1``.

Shapes: x (B, 3, H, W); cues (R, 1, H/4, W/4); f1 (R, C_1, H/4, W/4);
heatmaps (R, K, H/4, W/4).
"""
from typing import Optional, Sequence

import torch

from mmpose.models.backbones import HRNet
from mmpose.registry import MODELS
from ..utils.hint_blocks import FeedbackBlock, InstanceCueBlock
from .hrnet_stages import run_hrnet_stage, run_hrnet_stem

__all__ = ['HintHRNet']


@MODELS.register_module()
class HintHRNet(HRNet):
    """HRNet for HintPose.

    Args:
        use_cue (bool): add the instance-cue input refinement block.
        num_hops (int): hops of recurrent refinement (1 = none). Defaults
            to 3 as in the report.
        num_keypoints (int): K, heatmap channels fed back.
        cue_channels (int): width of the cue block's first layer.
        hint_channels (int): width between the two feedback blocks.
        **kwargs: the arguments of MMPose's ``HRNet``.
    """

    def __init__(self,
                 use_cue: bool = True,
                 num_hops: int = 3,
                 num_keypoints: int = 17,
                 cue_channels: int = 64,
                 hint_channels: int = 64,
                 **kwargs):
        super().__init__(**kwargs)
        if num_hops < 1:
            raise ValueError(f'num_hops must be >= 1, got {num_hops}')
        self.use_cue = use_cue
        self.num_hops = num_hops
        if use_cue:
            self.cue_block = InstanceCueBlock(
                self.conv2.out_channels, cue_channels,
                norm_cfg=self.norm_cfg)
        if num_hops > 1:
            self.feedback = FeedbackBlock(num_keypoints,
                                          self.layer1[-1].out_channels,
                                          hint_channels,
                                          norm_cfg=self.norm_cfg)

    def init_weights(self):
        super().init_weights()
        # HRNet re-initialises every conv; keep the new blocks neutral.
        for name in ('cue_block', 'feedback'):
            if hasattr(self, name):
                getattr(self, name).init_weights()

    def forward_stem(self,
                     x: torch.Tensor,
                     cues: Optional[torch.Tensor] = None,
                     counts: Optional[Sequence[int]] = None) -> torch.Tensor:
        """Stem once per image; cue and layer1 on the R rows."""
        x = run_hrnet_stem(self, x)
        if counts is not None and any(c != 1 for c in counts):
            x = x.repeat_interleave(
                torch.as_tensor(list(counts), device=x.device), dim=0)
        if self.use_cue:
            if cues is None:
                raise ValueError('HintHRNet(use_cue=True) needs cues: add '
                                 'GenerateInstanceCue to the pipeline')
            x = self.cue_block(x, cues)
        return self.layer1(x)

    def forward_hop(self, f1: torch.Tensor,
                    prev_heatmaps: Optional[torch.Tensor] = None):
        """transition1 .. stage4, with feedback from the previous hop."""
        if prev_heatmaps is not None:
            f1 = f1 + self.feedback(prev_heatmaps)
        y_list = [f1]
        for stage in (2, 3, 4):
            y_list = run_hrnet_stage(self, stage, y_list)
        return tuple(y_list)

    def forward(self, x: torch.Tensor, cues: Optional[torch.Tensor] = None):
        """One hop (no feedback): a stock-shaped backbone call."""
        return self.forward_hop(self.forward_stem(x, cues))
