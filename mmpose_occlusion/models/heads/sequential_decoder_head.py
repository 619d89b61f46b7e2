"""The sequential ConvLSTM person decoder as an MMPose bottom-up head
(the sequential-decoder paper, §4): part localizer, person decoder, eq. 3 loss,
stepwise decoding with a stop threshold.

Input: the neck's output ``(C1, C2, C3, C4, fused)``: the backbone features
C1..C4 finest first (MMPose ``ResNet`` with ``out_indices=(0, 1, 2, 3)``), C1
at output stride 4, and the fused part features (B, part_channels, H, W) of
the part localizer's feature fusion, the neck ``PyramidSumFusion`` with
``keep_inputs=True`` (any neck that appends a map of ``part_channels`` at C1's
size to the pyramid will do). The fused map gives the part heatmaps, the
pyramid feeds the person decoder. Shapes: B images, K keypoints, heatmaps
(H, W) at C1's size; T decoder steps, one person each.

Checkpoints written before the fusion became a neck hold it under
``head.part_localizer.laterals.*``; MMEngine's loading (Runner, ``init_model``,
``load_checkpoint``) reads them as ``neck.laterals.*`` through
``mmpose_occlusion.upstream.upgrade_state_dict`` (docs/seqdecoder.md).

Training (``loss``): the part localizer's logits against the identity-free
disk targets (eq. 1, ``loss_part``: MMPose's ``BCELoss`` on logits, weighted
by ``heatmap_mask``; its ``loss_weight`` is λ0 = 0.5 of eq. 3), and the
decoder's steps against the people by Hungarian matching with two all-zero
stop steps (eq. 2, ``loss_person``: ``HungarianBCELoss``). The decoder runs
as many steps as the image of the batch that needs the most; the curriculum
(``PersonCurriculumHook``) sets ``max_train_people``, the most people one
image is taught (None: all).

Inference (``predict``): steps until the maximum of a step's heatmaps falls
below ``test_cfg.stop_thr`` (0.05; that step is not emitted) or
``test_cfg.max_steps``; each emitted step is one person, decoded by the
codec (``SequentialDiskHeatmap``). Flip test runs the flipped image as well,
flips its part heatmaps and steps back (MMPose's ``flip_heatmaps``), pairs
flipped steps with original ones by the Hungarian algorithm on their mean
absolute difference and averages each pair (people the flipped run did not
find keep their original heatmaps; the original run decides the count).
With ``test_cfg.locate_by_parts`` (not in the paper, which decodes the
steps themselves; off by default) each person's keypoints are located on
sqrt(part heatmap x step heatmap): the step says which person, the
identity-free part heatmap, trained on every person at once, says where
(docs/seqdecoder.md measures both). The stop rule and the returned step
heatmaps do not change.
With ``test_cfg.output_heatmaps`` the part heatmaps are returned as
``pred_fields.heatmaps`` (for HintPose's cue extraction) and each person's
step heatmaps as ``pred_instances.heatmaps`` (S, K, H, W).
"""
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.models.heads.base_head import BaseHead
from mmpose.models.utils.tta import flip_heatmaps
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.utils.typing import ConfigType, OptConfigType, OptSampleList
from scipy.optimize import linear_sum_assignment
from torch import Tensor

from ..utils.part_localizer import PartLocalizer
from ..utils.person_decoder import PersonDecoder

__all__ = [
    'SequentialDecoderHead', 'emit_until_stop', 'locate_on_parts',
    'merge_flipped_steps'
]


def emit_until_stop(step: Callable[[], Tuple[Sequence, Sequence[float]]],
                    batch: int, max_steps: int, stop_thr: float) -> List[list]:
    """The stop rule of the decoder's inference: call ``step()`` (the next
    step's heatmaps per image, and each image's maximum) until every image
    has had a step whose maximum is below ``stop_thr``, at most
    ``max_steps`` times; per image, the heatmaps of its steps before that
    one. Shared by ``run_steps`` and the ONNX Runtime loop."""
    active = [True] * batch
    steps: List[list] = [[] for _ in range(batch)]
    for _ in range(max_steps):
        heatmaps, peaks = step()
        for i in range(batch):
            if not active[i]:
                continue
            if peaks[i] < stop_thr:
                active[i] = False
            else:
                steps[i].append(heatmaps[i])
        if not any(active):
            break
    return steps


@MODELS.register_module()
class SequentialDecoderHead(BaseHead):
    """Part heatmaps, then one person per ConvLSTM step.

    Args:
        in_channels (Sequence[int]): channels of C1..C4, finest first.
        num_keypoints (int): K.
        part_channels (int): channels of the fused part features, the neck's
            ``out_channels`` (64).
        hidden_channels (Sequence[int]): ConvLSTM width per scale, finest
            first.
        num_lstm_layers (int): stacked ConvLSTMs per scale (2).
        lstm_norm_cfg (dict, optional): normalisation inside the ConvLSTMs,
            ``dict(type='GN')`` by default: layer-normalised gates and cell
            state, without which the signal of the coarse scales vanishes
            through the eight stacked cells and the decoder's output does
            not depend on the image (docs/seqdecoder.md, "Why the cells are
            normalised"). None: Shi et al.'s plain cells.
        loss_part (dict): eq. 1 loss config; its ``loss_weight`` is λ0.
        loss_person (dict): eq. 2 loss config.
        max_train_people (int, optional): the curriculum limit M at the
            start (the hook changes it); None teaches every person.
        decoder (dict, optional): the codec config (for ``predict``).
        init_cfg (dict, optional): MMEngine init config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 num_keypoints: int,
                 part_channels: int = 64,
                 hidden_channels: Sequence[int] = (64, 64, 128, 128),
                 num_lstm_layers: int = 2,
                 lstm_norm_cfg: OptConfigType = dict(type='GN'),
                 loss_part: ConfigType = dict(
                     type='BCELoss', use_target_weight=True, loss_weight=0.5),
                 loss_person: ConfigType = dict(
                     type='HungarianBCELoss', stop_steps=2),
                 max_train_people: Optional[int] = None,
                 decoder: OptConfigType = None,
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg)
        self.in_channels = tuple(in_channels)
        self.num_keypoints = num_keypoints
        self.part_channels = part_channels
        self.part_localizer = PartLocalizer(part_channels, num_keypoints)
        self.person_decoder = PersonDecoder(
            in_channels,
            num_keypoints,
            hidden_channels,
            num_layers=num_lstm_layers,
            norm_cfg=lstm_norm_cfg)
        self.loss_part = MODELS.build(loss_part)
        self.loss_person = MODELS.build(loss_person)
        self.max_train_people = max_train_people
        self.decoder = (
            KEYPOINT_CODECS.build(decoder) if decoder is not None else None)
        self._register_load_state_dict_pre_hook(self._refuse_pre_neck_keys)

    def _refuse_pre_neck_keys(self, state_dict, prefix, local_metadata, strict,
                              missing_keys, unexpected_keys,
                              error_msgs) -> None:
        """A state dict of the pre-neck layout that bypassed MMEngine's
        loading (``model.load_state_dict(torch.load(...))``) is an error
        that says how to upgrade it, not a half-loaded model."""
        old = prefix + 'part_localizer.laterals.'
        if any(k.startswith(old) for k in state_dict):
            error_msgs.append(
                f'{old}* are the part-feature fusion of a checkpoint written '
                'before it became the neck PyramidSumFusion: load it with '
                "MMEngine (load_checkpoint, the Runner's load_from/resume, "
                'mmpose.apis.init_model), or upgrade the state dict first '
                'with mmpose_occlusion.upstream.upgrade_state_dict')

    # ------------------------------------------------------------ forward
    def forward(self,
                feats: Sequence[Tensor],
                num_steps: int = 1) -> Tuple[Tensor, Tensor]:
        """Part heatmaps (B, K, H, W) and ``num_steps`` person heatmaps
        (B, T, K, H, W), sigmoid applied, no stopping."""
        pyramid, fused = self._split_feats(feats)
        return (self.part_localizer(fused).sigmoid(),
                self.person_decoder(pyramid, num_steps).sigmoid())

    def _split_feats(self, feats: Sequence[Tensor]
                     ) -> Tuple[Sequence[Tensor], Tensor]:
        """The pyramid C1..C4 and the fused part features."""
        n = len(self.in_channels)
        if isinstance(feats, Tensor) or len(feats) != n + 1:
            got = 1 if isinstance(feats, Tensor) else len(feats)
            raise ValueError(
                f'SequentialDecoderHead needs {n} pyramid features (C1..C4) '
                f'and the fused part features, {n + 1} maps; got {got}. Set '
                "the backbone's out_indices=(0, 1, 2, 3) and the neck "
                f'dict(type=\'PyramidSumFusion\', in_channels='
                f'{self.in_channels}, out_channels={self.part_channels}, '
                'keep_inputs=True)')
        fused = feats[n]
        if fused.shape[1] != self.part_channels:
            raise ValueError(
                f'SequentialDecoderHead: the fused part features have '
                f'{fused.shape[1]} channels, part_channels is '
                f'{self.part_channels}; set the neck\'s out_channels to '
                'part_channels')
        return feats[:n], fused

    # --------------------------------------------------------------- loss
    def loss(self,
             feats: Sequence[Tensor],
             batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> dict:
        """eq. 3: λ0 L_part (``loss_part``) + L_person (``loss_person``)."""
        pyramid, fused = self._split_feats(feats)
        # losses and matching costs in float32, also under autocast
        part_logits = self.part_localizer(fused).float()
        gt_parts = torch.stack(
            [d.gt_fields.heatmaps for d in batch_data_samples]).to(part_logits)
        masks = self._masks(batch_data_samples, part_logits)

        targets, weights = [], []
        for d in batch_data_samples:
            labels = d.gt_instance_labels
            w = labels.keypoint_weights.to(part_logits)
            keep = w.sum(-1) > 0  # people with no keypoint in view: none
            targets.append(labels.instance_heatmaps[keep].to(part_logits))
            weights.append(w[keep])
        num_steps = self.loss_person.num_steps([len(t) for t in targets],
                                               self.max_train_people)
        step_logits = self.person_decoder(pyramid, num_steps).float()

        loss_part = self.loss_part(part_logits, gt_parts, masks[:, None])
        loss_person = self.loss_person(step_logits, targets, weights, masks,
                                       self.max_train_people)
        return dict(loss_part=loss_part, loss_person=loss_person)

    @staticmethod
    def _masks(batch_data_samples, like: Tensor) -> Tensor:
        """(B, H, W) pixel masks: MMPose's ``heatmap_mask`` (0 on people
        without annotation) or ones."""
        b, _, h, w = like.shape
        masks = like.new_ones(b, h, w)
        for i, d in enumerate(batch_data_samples):
            if 'heatmap_mask' in d.gt_fields:
                masks[i] = d.gt_fields.heatmap_mask.reshape(h, w).to(like)
        return masks

    # ---------------------------------------------------------- inference
    def run_steps(self,
                  feats: Sequence[Tensor],
                  max_steps: int = 30,
                  stop_thr: float = 0.05) -> Tuple[Tensor, List[Tensor]]:
        """Part heatmaps (B, K, H, W) and, per image, the emitted person
        heatmaps (S_b, K, H, W): steps until a step's maximum is below
        ``stop_thr`` or ``max_steps``."""
        pyramid, fused = self._split_feats(feats)
        parts = self.part_localizer(fused).sigmoid()
        context = self.person_decoder.prepare(pyramid)
        states = self.person_decoder.init_states()
        state = [states]

        def step():
            logits, state[0] = self.person_decoder.step(context, state[0])
            heatmaps = logits.sigmoid()
            return heatmaps, heatmaps.flatten(1).max(1).values.tolist()

        steps = emit_until_stop(step, parts.shape[0], max_steps, stop_thr)
        empty = parts.new_zeros((0, ) + tuple(parts.shape[1:]))
        return parts, [torch.stack(s) if s else empty for s in steps]

    def predict(
        self,
        feats: Union[Sequence[Tensor], List[Sequence[Tensor]]],
        batch_data_samples: OptSampleList,
        test_cfg: ConfigType = {}
    ) -> Union[List[InstanceData], Tuple[List[InstanceData], List[PixelData]]]:
        """One ``InstanceData`` per image: ``keypoints`` (S, K, 2) in input
        pixels, ``keypoint_scores`` (S, K), ``bbox_scores`` (S,) (the mean
        keypoint score, the instance score ``CocoMetric`` ranks by with
        ``score_mode='bbox'``), ``step_index`` (S,) (the order the decoder
        emitted them)."""
        if self.decoder is None:
            raise ValueError('SequentialDecoderHead.predict needs a codec: '
                             'set head.decoder=codec in the config')
        if test_cfg.get('multiscale_test', False):
            raise NotImplementedError(
                'SequentialDecoderHead: multi-scale test is not supported '
                '(the paper tests at a single scale); set '
                'test_cfg.multiscale_test=False')
        max_steps = test_cfg.get('max_steps', 30)
        stop_thr = test_cfg.get('stop_thr', 0.05)
        if test_cfg.get('flip_test', False):
            feats_orig, feats_flip = feats
            parts, steps = self.run_steps(feats_orig, max_steps, stop_thr)
            parts_f, steps_f = self.run_steps(feats_flip, max_steps, stop_thr)
            flip_indices = batch_data_samples[0].metainfo['flip_indices']
            shift = test_cfg.get('shift_heatmap', False)
            parts = (parts + flip_heatmaps(
                parts_f, flip_indices, shift_heatmap=shift)) / 2
            steps = [
                merge_flipped_steps(
                    s,
                    flip_heatmaps(sf, flip_indices, shift_heatmap=shift)
                    if len(sf) else sf) for s, sf in zip(steps, steps_f)
            ]
        else:
            parts, steps = self.run_steps(feats, max_steps, stop_thr)

        output_heatmaps = test_cfg.get('output_heatmaps', False)
        locate_by_parts = test_cfg.get('locate_by_parts', False)
        preds = []
        for s, p, d in zip(steps, parts, batch_data_samples):
            located = locate_on_parts(s, p) if locate_by_parts else s
            keypoints, scores = self.decoder.decode(
                located.detach().cpu().numpy(),
                input_size=d.metainfo.get('input_size'))
            pred = InstanceData(
                keypoints=keypoints,
                keypoint_scores=scores,
                bbox_scores=scores.mean(-1),
                step_index=np.arange(len(keypoints)))
            if output_heatmaps:
                pred.heatmaps = s.detach()
            preds.append(pred)
        if output_heatmaps:
            return preds, [PixelData(heatmaps=p.detach()) for p in parts]
        return preds


def locate_on_parts(steps: Tensor, parts: Tensor) -> Tensor:
    """The maps to locate each person's keypoints on:
    sqrt(steps x parts).

    Args:
        steps (Tensor): (S, K, H, W) person heatmaps in [0, 1].
        parts (Tensor): (K, H, W) part heatmaps of the same image in [0, 1].

    Returns:
        Tensor: (S, K, H, W), the geometric mean of each step with the part
        heatmaps: its maxima lie on part peaks that the step responds to,
        and its values stay on the heatmaps' scale (keypoint scores).
    """
    if steps.shape[1:] != parts.shape:
        raise ValueError(f'locate_on_parts: steps {tuple(steps.shape)} and '
                         f'parts {tuple(parts.shape)} must share (K, H, W)')
    return (steps * parts[None]).clamp(min=0).sqrt()


def merge_flipped_steps(steps: Tensor, flipped: Tensor) -> Tensor:
    """Average each original step with the flipped step that matches it.

    Args:
        steps (Tensor): (S, K, H, W) from the original image.
        flipped (Tensor): (S', K, H, W) from the flipped image, already
            flipped back.

    Returns:
        Tensor: (S, K, H, W); a step with no flipped partner is unchanged.
    """
    if not len(steps) or not len(flipped):
        return steps
    cost = (steps[:, None] - flipped[None]).abs().flatten(2).mean(-1)
    rows, cols = linear_sum_assignment(cost.detach().float().cpu().numpy())
    merged = steps.clone()
    rows_t, cols_t = torch.as_tensor(rows), torch.as_tensor(cols)
    merged[rows_t] = (steps[rows_t] + flipped[cols_t]) / 2
    return merged
