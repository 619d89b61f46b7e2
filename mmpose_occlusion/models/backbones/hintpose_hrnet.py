"""HRNet with HintPose's instance cue and recurrent refinement.

``HintHRNet`` keeps every module of MMPose's ``HRNet`` (stock weights load
unchanged) and adds:

* ``cue_block`` (if ``use_cue``): the cue, rendered at the stem's resolution,
  is concatenated to the stem's output and two conv layers turn both into a
  residual added to it (§2.1);
* ``stage_cue_blocks`` (if ``cue_stages``, ours): the same block at the
  input of every branch of the stages named (2, 3, 4), the cue max-pooled
  to that branch's resolution, so the deeper stages that decide whose
  keypoints to keep see the cue again instead of only its trace in the
  stem's features;
* ``feedback`` (if ``num_hops > 1``): the previous hop's heatmaps are turned
  into a residual for the features after layer1 (§2.2).

The hop loop needs the head (its heatmaps are fed back), so the estimator
(``HintPoseEstimator``) owns it and calls the two halves:

* ``forward_stem(x, cues, counts)``: stem once per image (B rows), then the
  cue of every (image, cue) row and layer1 on R = Σ counts rows;
* ``forward_hop(f1, prev_heatmaps, hop, cues)``: transition1 to stage4 on
  the R rows, with the feedback of the previous hop added to ``f1`` (and
  the cue at the stages in ``cue_stages``).

Normalisation over hops (``hop_norm``, ours): the hops share every weight,
and with ``'shared'`` (stock BatchNorm) also the running statistics, so at
test time each hop is normalised by statistics averaged over all hops. With
``'per_hop'`` every BatchNorm layer of the hop path (transition1 .. stage4
and the feedback block) keeps one set of running statistics per hop
(buffers ``hop_running_mean`` / ``hop_running_var``, (num_hops, C)) and
uses hop t's set at hop t. Training steps are the same either way (training
normalises by batch statistics); only the statistics used at test time
differ, so a model trained with ``'shared'`` can be given per-hop
statistics afterwards (``init_hop_stats`` and a pass over training data,
``tools/analysis/hintpose_hops.py``).

Shapes: x (B, 3, H, W); cues (R, 1, H/4, W/4); f1 (R, C_1, H/4, W/4);
heatmaps (R, K, H/4, W/4).
"""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpose.models.backbones import HRNet
from mmpose.registry import MODELS
from torch.nn.modules.batchnorm import _BatchNorm

from ..utils.hint_blocks import FeedbackBlock, InstanceCueBlock
from .hrnet_stages import run_hrnet_stem, run_hrnet_transition

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
        hop_norm (str): ``'shared'`` (one set of BatchNorm running
            statistics for all hops, stock) or ``'per_hop'`` (one per hop).
        cue_stages (Sequence[int]): HRNet stages (2, 3, 4) whose branch
            inputs get the cue again (ours; the report feeds it at the stem
            only). Defaults to none.
        **kwargs: the arguments of MMPose's ``HRNet``.
    """

    def __init__(self,
                 use_cue: bool = True,
                 num_hops: int = 3,
                 num_keypoints: int = 17,
                 cue_channels: int = 64,
                 hint_channels: int = 64,
                 hop_norm: str = 'shared',
                 cue_stages: Sequence[int] = (),
                 **kwargs):
        super().__init__(**kwargs)
        cue_stages = tuple(sorted(set(cue_stages)))
        if not set(cue_stages) <= {2, 3, 4}:
            raise ValueError('cue_stages must name HRNet stages among 2, 3 '
                             f'and 4, got {cue_stages}')
        if cue_stages and not use_cue:
            raise ValueError('cue_stages needs use_cue=True')
        if num_hops < 1:
            raise ValueError(f'num_hops must be >= 1, got {num_hops}')
        if hop_norm not in ('shared', 'per_hop'):
            raise ValueError("hop_norm must be 'shared' or 'per_hop', got "
                             f'{hop_norm!r}')
        self.use_cue = use_cue
        self.num_hops = num_hops
        self.hop_norm = hop_norm
        self.cue_stages = cue_stages
        if use_cue:
            self.cue_block = InstanceCueBlock(
                self.conv2.out_channels, cue_channels, norm_cfg=self.norm_cfg)
        if cue_stages:
            # one block per branch input of each stage named, keyed 's<stage>'
            self.stage_cue_blocks = nn.ModuleDict({
                f's{stage}':
                nn.ModuleList(
                    InstanceCueBlock(
                        c, min(cue_channels, c), norm_cfg=self.norm_cfg) for c
                    in getattr(self, f'stage{stage}_cfg')['num_channels'])
                for stage in cue_stages
            })
        if num_hops > 1:
            self.feedback = FeedbackBlock(
                num_keypoints,
                self.layer1[-1].out_channels,
                hint_channels,
                norm_cfg=self.norm_cfg)
        if hop_norm == 'per_hop' and num_hops > 1:
            self.init_hop_stats()

    def hop_norm_layers(self) -> List[_BatchNorm]:
        """The BatchNorm layers that run once per hop."""
        parts = [
            self.transition1, self.stage2, self.transition2, self.stage3,
            self.transition3, self.stage4
        ]
        for name in ('feedback', 'stage_cue_blocks'):
            if hasattr(self, name):
                parts.append(getattr(self, name))
        return [
            m for part in parts for m in part.modules()
            if isinstance(m, _BatchNorm) and m.track_running_stats
        ]

    def init_hop_stats(self) -> None:
        """Give every hop-path BatchNorm one set of running statistics per
        hop, each a copy of its current (shared) statistics."""
        self.hop_norm = 'per_hop'
        for bn in self.hop_norm_layers():
            self._add_hop_stats(bn)

    def _add_hop_stats(self, bn: _BatchNorm) -> None:
        """Register ``hop_running_mean`` / ``hop_running_var`` on ``bn``,
        ``num_hops`` copies of its current statistics."""
        for name in ('running_mean', 'running_var'):
            stats = getattr(bn, name).detach().clone()
            bn.register_buffer(f'hop_{name}',
                               stats[None].repeat(self.num_hops, 1))

    def use_hop_stats(self, hop: int) -> None:
        """Point the running statistics of the hop path at hop ``hop``'s
        set (0-based); BatchNorm updates and reads them in place."""
        if self.hop_norm != 'per_hop' or self.num_hops == 1:
            return
        for bn in self.hop_norm_layers():
            if not hasattr(bn, 'hop_running_mean'):
                # a layer replaced after construction (e.g. converted to
                # SyncBatchNorm) starts from its current statistics
                self._add_hop_stats(bn)
            bn.running_mean = bn.hop_running_mean[hop]
            bn.running_var = bn.hop_running_var[hop]

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        """A checkpoint without per-hop statistics (stock HRNet, or a
        ``'shared'`` HintPose) gives every hop its shared statistics."""
        if self.hop_norm == 'per_hop' and self.num_hops > 1:
            hop_layers = set(map(id, self.hop_norm_layers()))
            for name, bn in self.named_modules():
                if id(bn) not in hop_layers:
                    continue
                for stat in ('running_mean', 'running_var'):
                    src = f'{prefix}{name}.{stat}'
                    dst = f'{prefix}{name}.hop_{stat}'
                    if dst not in state_dict and src in state_dict:
                        state_dict[dst] = state_dict[src][None].repeat(
                            self.num_hops, 1)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def init_weights(self):
        super().init_weights()
        # HRNet re-initialises every conv; keep the new blocks neutral.
        for name in ('cue_block', 'feedback', 'stage_cue_blocks'):
            if hasattr(self, name):
                for m in getattr(self, name).modules():
                    if isinstance(m, (InstanceCueBlock, FeedbackBlock)):
                        m.init_weights()

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

    def forward_hop(self,
                    f1: torch.Tensor,
                    prev_heatmaps: Optional[torch.Tensor] = None,
                    hop: int = 0,
                    cues: Optional[torch.Tensor] = None):
        """transition1 .. stage4 (hop ``hop``, 0-based), with feedback from
        the previous hop; ``cues`` (R, 1, h, w) feed the stages in
        ``cue_stages``."""
        self.use_hop_stats(hop)
        if prev_heatmaps is not None:
            f1 = f1 + self.feedback(prev_heatmaps)
        if self.cue_stages and cues is None:
            raise ValueError(f'HintHRNet(cue_stages={self.cue_stages}) needs '
                             'the cues in forward_hop')
        y_list = [f1]
        for stage in (2, 3, 4):
            x_list = run_hrnet_transition(self, stage, y_list)
            if stage in self.cue_stages:
                x_list = [
                    block(x, self._pool_cue(cues, level))
                    for level, (block, x) in enumerate(
                        zip(self.stage_cue_blocks[f's{stage}'], x_list))
                ]
            y_list = getattr(self, f'stage{stage}')(x_list)
        return tuple(y_list)

    @staticmethod
    def _pool_cue(cues: torch.Tensor, level: int) -> torch.Tensor:
        """The cue (R, 1, h, w) at the resolution of HRNet's branch
        ``level`` (each branch halves the previous one with a stride-2 conv,
        so ceil(h / 2^level)); max-pooled, so a peak keeps its height."""
        if level == 0:
            return cues
        size = 2**level
        return F.max_pool2d(cues, size, size, ceil_mode=True)

    def forward(self, x: torch.Tensor, cues: Optional[torch.Tensor] = None):
        """One hop (no feedback): a stock-shaped backbone call."""
        return self.forward_hop(self.forward_stem(x, cues), cues=cues)
