"""MIPNet: a top-down estimator that predicts N poses per box (§3).

The estimator owns the loop over the instance selector λ; backbone and head
stay stock-shaped. The backbone (``MIPHRNet``/``MIPResNet``) runs its trunk
once per image and the λ-conditioned rest once on B * M rows.

Shapes: inputs (B, 3, H, W); instance selectors ``selectors`` (B, M, N);
features and heatmaps (B * M, ...), image-major (row ``b * M + m``); training
targets per sample ``heatmaps`` (N * K, H, W) and ``keypoint_weights`` (1, N *
K), slot-major (from ``GenerateMultiInstanceTarget``).

Training (eq. 1): the N one-hot selectors are run for every sample and the
stock head loss is taken over the B * N rows, i.e. the mean over slots of the
per-slot MSE, L = 1/N Σ_i L_i.

Inference: the N one-hot selectors give N poses per box, kept as N instances of
that box (``pred_instances`` of length N, with ``instance_selectors`` (N, N)
saying which λ gave which); ``MultiInstanceCocoMetric`` (stock ``CocoMetric``
with its OKS-NMS) merges them per image. As in the official post-processing,
the box score of every pose from a selector other than the box's own (λ ≠
e0; for soft selectors, whose largest weight is not on e0) is multiplied by
``test_cfg['secondary_score_decay']`` (default 0.5) before the rescoring
and OKS-NMS: on a one-person box the second pose nearly repeats the first,
and at the same score it would survive OKS-NMS for small people.
``predict_with_selectors`` takes any selectors, e.g. soft ones [1 - t, t]
(paper Fig. 6).
"""
from typing import Optional

import numpy as np
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample
from mmpose.utils.typing import SampleList
from torch import Tensor

from ..backbones.multi_instance import one_hot_selectors
from .multi_instance import MultiInstanceTopdownMixin

__all__ = ['MIPNetPoseEstimator', 'soft_selectors']


def soft_selectors(t: Tensor) -> Tensor:
    """Soft selectors [1 - t, t] between λ = 0 and λ = 1: (T,) -> (T, 2)."""
    t = torch.as_tensor(t, dtype=torch.float32)
    return torch.stack([1 - t, t], dim=-1)


@MODELS.register_module()
class MIPNetPoseEstimator(MultiInstanceTopdownMixin, TopdownPoseEstimator):
    """Top-down estimator with N instances per box.

    Takes the arguments of ``TopdownPoseEstimator``; the backbone must be a
    multi-instance backbone (``forward(x, selectors)``, ``num_instances``).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not hasattr(self.backbone, 'num_instances'):
            raise TypeError(
                'MIPNetPoseEstimator needs a multi-instance backbone such as '
                f'MIPHRNet or MIPResNet, got {type(self.backbone).__name__}')

    @property
    def num_instances(self) -> int:
        return self.backbone.num_instances

    def extract_feat(self, inputs: Tensor, selectors: Optional[Tensor] = None):
        """Features for every (image, selector) row; λ = 0 without
        ``selectors``."""
        x = self.backbone(inputs, selectors)
        if self.with_neck:
            x = self.neck(x)
        return x

    def _forward(self, inputs: Tensor, data_samples=None):
        """Tensor mode: heatmaps of all N one-hot selectors, (B * N, K, h,
        w) image-major (what FLOP counters and exporters see)."""
        selectors = one_hot_selectors(inputs.shape[0], self.num_instances,
                                      inputs.device)
        x = self.extract_feat(inputs, selectors)
        return self.head.forward(x) if self.with_head else x

    def _slot_samples(self, data_samples: SampleList) -> SampleList:
        """One light sample per (image, slot) carrying that slot's targets."""
        n = self.num_instances
        rows = []
        for ds in data_samples:
            heatmaps = ds.gt_fields.heatmaps
            weights = ds.gt_instance_labels.keypoint_weights
            if heatmaps.shape[0] % n or weights.shape[-1] != heatmaps.shape[0]:
                raise ValueError(
                    f'MIPNet with N={n} needs targets for N slots: heatmaps '
                    '(N*K, H, W) and keypoint_weights (1, N*K) from '
                    f'GenerateMultiInstanceTarget(num_instances={n}); got '
                    f'heatmaps {tuple(heatmaps.shape)} and keypoint_weights '
                    f'{tuple(weights.shape)}')
            k = heatmaps.shape[0] // n
            for i in range(n):
                row = PoseDataSample(metainfo=ds.metainfo)
                row.gt_fields = PixelData(heatmaps=heatmaps[i * k:(i + 1) * k])
                row.gt_instance_labels = InstanceData(
                    keypoint_weights=weights.reshape(1, -1)[:,
                                                            i * k:(i + 1) * k])
                rows.append(row)
        return rows

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """Eq. (1): stock head loss over all N slots of every sample."""
        selectors = one_hot_selectors(inputs.shape[0], self.num_instances,
                                      inputs.device)
        feats = self.extract_feat(inputs, selectors)
        return self.head.loss(
            feats, self._slot_samples(data_samples), train_cfg=self.train_cfg)

    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """N poses per box from the one-hot selectors λ = 0..N-1 (the first
        ``test_cfg['num_instances']`` of them when set, e.g. 1 for one pose
        per box)."""
        n = self.test_cfg.get('num_instances', self.num_instances)
        if not 1 <= n <= self.num_instances:
            raise ValueError(f"test_cfg['num_instances'] must be in [1, "
                             f'{self.num_instances}], got {n}')
        selectors = one_hot_selectors(inputs.shape[0], self.num_instances,
                                      inputs.device)[:, :n]
        return self.predict_with_selectors(inputs, data_samples, selectors)

    def predict_with_selectors(self, inputs: Tensor, data_samples: SampleList,
                               selectors: Tensor) -> SampleList:
        """Predict one instance per selector.

        Args:
            inputs: (B, 3, H, W).
            data_samples: B samples.
            selectors: (B, M, N) or (M, N) selectors (shared by all images).

        Returns:
            The B samples, each with ``pred_instances`` of length M in
            image coordinates and ``instance_selectors`` (M, N).
        """
        assert self.with_head, 'MIPNet needs a head to predict.'
        if selectors.dim() == 2:
            selectors = selectors.unsqueeze(0).expand(inputs.shape[0], -1, -1)
        selectors = selectors.to(inputs.device, torch.float32)
        num_sel = selectors.shape[1]
        if self.test_cfg.get('flip_test', False):
            feats = [
                self.extract_feat(inputs, selectors),
                self.extract_feat(inputs.flip(-1), selectors)
            ]
        else:
            feats = self.extract_feat(inputs, selectors)
        preds = self.head.predict(feats, data_samples, test_cfg=self.test_cfg)
        pred_instances, pred_fields = (
            preds if isinstance(preds, tuple) else (preds, None))

        row_selectors = selectors.cpu().numpy().reshape(-1, selectors.shape[2])
        results = self.gather_rows(
            pred_instances,
            pred_fields,
            data_samples, [num_sel] * len(data_samples),
            row_fields=dict(instance_selectors=row_selectors))
        decay = float(self.test_cfg.get('secondary_score_decay', 0.5))
        if not 0.0 <= decay <= 1.0:
            raise ValueError("test_cfg['secondary_score_decay'] must be in "
                             f'[0, 1], got {decay}')
        for ds in results:
            inst = ds.pred_instances
            if 'bbox_scores' in inst:
                secondary = np.asarray(inst.instance_selectors).argmax(1) != 0
                inst.bbox_scores = np.where(
                    secondary,
                    np.asarray(inst.bbox_scores) * decay,
                    inst.bbox_scores).astype(np.float32)
        return results
