"""DetPoseNet's pose refinement head (§III-C1-3): multi-scale supervision
(MSS), multi-scale regression (MSR) and the structure-aware loss, on top of
MMPose backbones.

Shapes: B crops, K keypoints, S = ``num_scales``; the final heatmaps are
(B, K, H, W) at the codec's heatmap size; the MSS heatmaps of scale s
(s = 0 coarsest .. S-1 finest) are (B, K, H / 2^(S-1-s), W / 2^(S-1-s)).

- **MSS**: a deconvolution path from coarse to fine (4x4 transposed conv,
  x2 per step, plus a lateral 1x1 conv of the backbone feature at that
  scale); after every deconvolution a 1x1 conv gives K heatmaps, supervised
  against the ground truth at that scale (the full-size target max-pooled
  down, so every peak stays 1).
- **MSR**: fully convolutional; takes the S heatmap sets resized to H x W and
  concatenated (S*K channels), and regresses the final K heatmaps (added to
  the finest MSS heatmaps, a residual, so it starts from them).
- **Loss**: ``loss_mss`` = 1/S Σ_s L_SA(MSS_s, GT_s) (eq. 1) and
  ``loss_msr`` = L_SA(final, GT), with L_SA the structure-aware loss (eq. 2,
  ``StructureAwareLoss``); with ``input_mode='stacks'`` (MMPose's
  multi-stack hourglass) the earlier stacks get intermediate supervision
  with L_SA too (``loss_stacks``).

Backbone features (``input_mode``):

- ``'single'``: the last feature (HRNet, a hourglass's last stack), at the
  heatmap size; the coarser scales are made by stride-2 conv blocks (an
  hourglass-like MSS module on top);
- ``'pyramid'``: multi-resolution features finest first (HRNet with
  ``multiscale_output=True``), the S finest used as the laterals;
- ``'stacks'``: one feature per hourglass stack, all at the heatmap size.

Prediction decodes the final heatmaps with the stock ``HeatmapHead.predict``
(flip test included).
"""
from typing import List, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmpose.evaluation.functional import pose_pck_accuracy
from mmpose.models.heads import HeatmapHead
from mmpose.models.heads.base_head import BaseHead
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.utils.tensor_utils import to_numpy
from mmpose.utils.typing import ConfigType, OptConfigType, OptSampleList
from torch import Tensor, nn

__all__ = ['MultiScaleHeatmapHead', 'downsample_target']


def downsample_target(target: Tensor, size: Tuple[int, int]) -> Tensor:
    """Ground-truth heatmaps at a coarser scale (max-pooled: peaks stay 1)."""
    if tuple(target.shape[-2:]) == tuple(size):
        return target
    return F.adaptive_max_pool2d(target, size)


@MODELS.register_module()
class MultiScaleHeatmapHead(BaseHead):
    """MSS + MSR head with the structure-aware loss.

    Args:
        in_channels (int | Sequence[int]): backbone channels; a sequence
            (finest first) with ``input_mode='pyramid'``.
        out_channels (int): K.
        num_scales (int): S, MSS scales. Defaults to 3 (1/4, 1/2, 1 of the
            heatmap size: the paper's 1/8, 1/4, 1/2 of its hourglass input).
        channels (int): width of the deconvolution path. Defaults to 128.
        msr_channels (int): width of the MSR convs. Defaults to 64.
        input_mode (str): ``'single'``, ``'pyramid'`` or ``'stacks'``.
        loss (dict): the heatmap loss of every term. Defaults to
            ``StructureAwareLoss`` (COCO skeleton; set ``metainfo`` for
            another dataset).
        decoder (dict, optional): the codec for prediction.
        init_cfg: MMEngine init config.
    """

    _version = 2
    # the stock top-down prediction: forward() gives the final heatmaps
    predict = HeatmapHead.predict

    def __init__(self,
                 in_channels: Union[int, Sequence[int]],
                 out_channels: int,
                 num_scales: int = 3,
                 channels: int = 128,
                 msr_channels: int = 64,
                 input_mode: str = 'single',
                 loss: ConfigType = dict(type='StructureAwareLoss'),
                 decoder: OptConfigType = None,
                 init_cfg: OptConfigType = None):
        if init_cfg is None:
            init_cfg = [
                dict(
                    type='Normal',
                    layer=['Conv2d', 'ConvTranspose2d'],
                    std=0.001),
                dict(type='Constant', layer='BatchNorm2d', val=1)
            ]
        super().__init__(init_cfg)
        if input_mode not in ('single', 'pyramid', 'stacks'):
            raise ValueError("input_mode must be 'single', 'pyramid' or "
                             f"'stacks', got {input_mode!r}")
        if num_scales < 1:
            raise ValueError(f'num_scales must be >= 1, got {num_scales}')
        if input_mode == 'pyramid':
            if isinstance(in_channels, int) or len(in_channels) < num_scales:
                raise ValueError(
                    "input_mode='pyramid' needs in_channels of at least "
                    f'num_scales={num_scales} features, got {in_channels}')
            lateral_in = list(in_channels[:num_scales])
        else:
            if not isinstance(in_channels, int):
                raise ValueError(f"input_mode={input_mode!r} takes one "
                                 f'in_channels value, got {in_channels}')
            lateral_in = [in_channels] + [channels] * (num_scales - 1)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_scales = num_scales
        self.input_mode = input_mode
        self.loss_module = MODELS.build(loss)
        self.decoder = KEYPOINT_CODECS.build(decoder) if decoder else None

        if input_mode != 'pyramid':  # coarser scales by stride-2 convs
            self.down = nn.ModuleList(
                ConvModule(
                    in_channels if s == 0 else channels,
                    channels,
                    3,
                    stride=2,
                    padding=1,
                    norm_cfg=dict(type='BN')) for s in range(num_scales - 1))
        self.lateral = nn.ModuleList(
            ConvModule(c, channels, 1, norm_cfg=dict(type='BN'))
            for c in lateral_in)
        self.deconv = nn.ModuleList(
            nn.Sequential(
                nn.ConvTranspose2d(
                    channels, channels, 4, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(channels), nn.ReLU(inplace=True))
            for _ in range(num_scales - 1))
        self.side = nn.ModuleList(
            nn.Conv2d(channels, out_channels, 1) for _ in range(num_scales))
        self.msr = nn.Sequential(
            ConvModule(
                num_scales * out_channels,
                msr_channels,
                3,
                padding=1,
                norm_cfg=dict(type='BN')),
            ConvModule(
                msr_channels,
                msr_channels,
                3,
                padding=1,
                norm_cfg=dict(type='BN')),
            nn.Conv2d(msr_channels, out_channels, 1))
        if input_mode == 'stacks':
            self.stack_side = nn.Conv2d(in_channels, out_channels, 1)

    def _laterals(self, feats: Sequence[Tensor]) -> List[Tensor]:
        """Backbone features of the S scales, finest first."""
        if self.input_mode == 'pyramid':
            if len(feats) < self.num_scales:
                raise ValueError(f'{len(feats)} features for '
                                 f'{self.num_scales} scales')
            return list(feats[:self.num_scales])
        x = feats[-1]
        out = [x]
        for down in self.down:
            x = down(x)
            out.append(x)
        return out

    def forward_all(self,
                    feats: Sequence[Tensor]) -> Tuple[List[Tensor], Tensor]:
        """MSS heatmaps (coarsest first) and the final heatmaps."""
        lats = [lat(f) for lat, f in zip(self.lateral, self._laterals(feats))]
        x = lats[-1]  # coarsest
        sides = [self.side[0](x)]
        for s in range(1, self.num_scales):
            x = self.deconv[s - 1](x)
            finer = lats[-1 - s]
            if x.shape[-2:] != finer.shape[-2:]:
                x = F.interpolate(
                    x,
                    size=finer.shape[-2:],
                    mode='bilinear',
                    align_corners=False)
            x = x + finer
            sides.append(self.side[s](x))
        size = sides[-1].shape[-2:]
        stacked = torch.cat([
            F.interpolate(h, size=size, mode='bilinear', align_corners=False)
            if h.shape[-2:] != size else h for h in sides
        ], 1)
        return sides, sides[-1] + self.msr(stacked)

    def forward(self, feats: Sequence[Tensor]) -> Tensor:
        """The final (MSR) heatmaps, (B, K, H, W)."""
        return self.forward_all(feats)[1]

    def loss(self,
             feats: Sequence[Tensor],
             batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> dict:
        """``loss_mss`` (eq. 1), ``loss_msr`` and, for stacks,
        ``loss_stacks``, all with the structure-aware loss."""
        sides, final = self.forward_all(feats)
        # losses and the numpy accuracy in float32, also under autocast
        sides, final = [h.float() for h in sides], final.float()
        gt = torch.stack([d.gt_fields.heatmaps for d in batch_data_samples])
        weights = torch.cat([
            d.gt_instance_labels.keypoint_weights for d in batch_data_samples
        ])
        if gt.shape[-2:] != final.shape[-2:]:
            raise ValueError(
                f'target heatmaps {tuple(gt.shape[-2:])} and head output '
                f'{tuple(final.shape[-2:])} differ: set the codec\'s '
                'heatmap_size to the backbone feature size')
        losses = dict(
            loss_mss=sum(
                self.loss_module(h, downsample_target(gt, h.shape[-2:]),
                                 weights) for h in sides) / len(sides),
            loss_msr=self.loss_module(final, gt, weights))
        if self.input_mode == 'stacks' and len(feats) > 1:
            losses['loss_stacks'] = sum(
                self.loss_module(self.stack_side(f), gt, weights)
                for f in feats[:-1]) / (
                    len(feats) - 1)
        if train_cfg.get('compute_acc', True):
            _, acc, _ = pose_pck_accuracy(
                output=to_numpy(final),
                target=to_numpy(gt),
                mask=to_numpy(weights) > 0)
            losses['acc_pose'] = torch.tensor(acc, device=gt.device)
        return losses
