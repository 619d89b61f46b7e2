"""HintPose: a top-down estimator driven by instance cues, refining its own
output over several hops (Hong et al., ICCV 2019 workshop report).

Every sample (one box) carries M cues in ``gt_fields.instance_cue`` (M, h, w),
made by ``GenerateInstanceCue``: one random ground-truth joint in training;
at test time the box centre, or given cue points (peaks of a bottom-up model's
heatmaps, given poses). The estimator runs R = Σ M rows (image-major), the
stem once per image, and ``num_hops`` hops of the rest, feeding each hop's
heatmaps back (``HintHRNet``).

Training: the stock head loss on every hop, ``loss_kpt_hop{t}`` (their sum is
optimised; MSE on every hop, §3.1). Inference: the last hop (or hop
``test_cfg.output_hop``, 1-based, to measure each hop); each cue gives one
instance of its box (``pred_instances`` of length M, with ``cue_points`` (M, 2)
in image coordinates); ``MultiInstanceCocoMetric`` merges them per image with
OKS-NMS.
"""
from typing import List, Optional, Tuple

import numpy as np
import torch
from mmpose.evaluation.functional import pose_pck_accuracy
from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS
from mmpose.utils.tensor_utils import to_numpy
from mmpose.utils.typing import SampleList
from torch import Tensor

from .multi_instance import MultiInstanceTopdownMixin

__all__ = ['HintPoseEstimator']


@MODELS.register_module()
class HintPoseEstimator(MultiInstanceTopdownMixin, TopdownPoseEstimator):
    """Top-down estimator with instance cues and recurrent refinement.

    Takes the arguments of ``TopdownPoseEstimator``; the backbone must be a
    ``HintHRNet`` (``forward_stem``, ``forward_hop``, ``num_hops``).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not hasattr(self.backbone, 'forward_hop'):
            raise TypeError('HintPoseEstimator needs a HintHRNet backbone, '
                            f'got {type(self.backbone).__name__}')
        if self.with_neck:
            raise NotImplementedError('HintPoseEstimator takes no neck')

    @property
    def num_hops(self) -> int:
        return self.backbone.num_hops

    @staticmethod
    def _cues(data_samples: SampleList) -> Tuple[Optional[Tensor], List[int]]:
        """Stack the cues of all samples: (R, 1, h, w) and M per sample."""
        if not data_samples or not all(
                'instance_cue' in ds.get('gt_fields', {})
                for ds in data_samples):
            return None, [1] * len(data_samples)
        cues = [ds.gt_fields.instance_cue for ds in data_samples]
        return torch.cat(cues).unsqueeze(1), [len(c) for c in cues]

    def forward_hops(self,
                     inputs: Tensor,
                     cues: Optional[Tensor],
                     counts: List[int],
                     hops: Optional[int] = None):
        """Heatmaps of every hop, each (R, K, h, w), and the last hop's
        backbone features; ``hops`` stops after that many hops."""
        if cues is None and self.backbone.use_cue:
            raise ValueError(
                'HintPose with use_cue=True needs an instance cue per sample '
                '(gt_fields.instance_cue): add GenerateInstanceCue after '
                'TopdownAffine in the pipeline')
        f1 = self.backbone.forward_stem(inputs, cues, counts)
        heatmaps, prev = [], None
        for hop in range(self.num_hops if hops is None else hops):
            feats = self.backbone.forward_hop(f1, prev, hop, cues)
            prev = self.head.forward(feats)
            heatmaps.append(prev)
        return heatmaps, feats

    def extract_feat(self, inputs: Tensor) -> Tuple[Tensor]:
        """Not used by HintPose (the hop loop needs the head)."""
        raise NotImplementedError(
            'HintPoseEstimator runs backbone and head together per hop; '
            'use forward_hops()')

    def _forward(self, inputs: Tensor, data_samples=None):
        """Tensor mode: the last hop's heatmaps, (R, K, h, w)."""
        cues, counts = self._cues(data_samples or [])
        if cues is None and self.backbone.use_cue:
            cues = inputs.new_zeros(inputs.shape[0], 1, inputs.shape[2] // 4,
                                    inputs.shape[3] // 4)
            counts = [1] * inputs.shape[0]
        return self.forward_hops(inputs, cues, counts)[0][-1]

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """The stock head loss on every hop (§3.1)."""
        cues, counts = self._cues(data_samples)
        if any(c != 1 for c in counts):
            raise ValueError('training takes one cue per sample, got '
                             f'{counts}')
        gt = torch.stack([d.gt_fields.heatmaps for d in data_samples])
        weights = torch.cat(
            [d.gt_instance_labels.keypoint_weights for d in data_samples])
        losses = dict()
        for t, heatmaps in enumerate(
                self.forward_hops(inputs, cues, counts)[0]):
            losses[f'loss_kpt_hop{t + 1}'] = self.head.loss_module(
                heatmaps, gt, weights)
        if self.train_cfg.get('compute_acc', True):  # on the last hop
            _, acc, _ = pose_pck_accuracy(
                output=to_numpy(heatmaps.float()),
                target=to_numpy(gt),
                mask=to_numpy(weights) > 0)
            losses['acc_pose'] = torch.tensor(acc, device=gt.device)
        return losses

    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """One instance per cue, from the last hop."""
        cues, counts = self._cues(data_samples)
        hops = self.test_cfg.get('output_hop', self.num_hops)
        if not 1 <= hops <= self.num_hops:
            raise ValueError(f'test_cfg.output_hop must be in 1..'
                             f'{self.num_hops}, got {hops}')
        # The head decodes the last hop's features (its forward, a cheap
        # final layer, runs once more) so its flip-test logic is reused.
        feats = self.forward_hops(inputs, cues, counts, hops)[1]
        if self.test_cfg.get('flip_test', False):
            feats = [
                feats,
                self.forward_hops(
                    inputs.flip(-1), None if cues is None else cues.flip(-1),
                    counts, hops)[1]
            ]
        preds = self.head.predict(feats, data_samples, test_cfg=self.test_cfg)
        pred_instances, pred_fields = (
            preds if isinstance(preds, tuple) else (preds, None))
        row_fields = {}
        if cues is not None:
            row_fields['cue_points'] = self._cue_points_in_image(data_samples)
        return self.gather_rows(pred_instances, pred_fields, data_samples,
                                counts, row_fields)

    @staticmethod
    def _cue_points_in_image(data_samples) -> np.ndarray:
        """Cue positions (R, 2) mapped from input space to image space."""
        out = []
        for ds in data_samples:
            pts = ds.metainfo.get('cue_points_input')
            m = len(ds.gt_fields.instance_cue)
            if pts is None:
                out.append(np.full((m, 2), np.nan, np.float32))
                continue
            size = np.asarray(ds.metainfo['input_size'], np.float32)
            scale = np.asarray(ds.metainfo['input_scale'], np.float32)
            center = np.asarray(ds.metainfo['input_center'], np.float32)
            out.append(pts / size * scale + center - 0.5 * scale)
        return np.concatenate(out).astype(np.float32)
