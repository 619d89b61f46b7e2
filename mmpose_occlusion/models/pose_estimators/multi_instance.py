"""Shared machinery of top-down estimators that predict several instances
per box (MIPNet's selectors, HintPose's cues).

Such an estimator runs R = Σ_b M_b rows for B boxes (M_b rows for box b,
image-major: the rows of box 0, then of box 1, ...). The head decodes one
instance per row; :meth:`MultiInstanceTopdownMixin.gather_rows` maps every row
to image space with the stock ``TopdownPoseEstimator`` logic and gathers the
M_b rows of each box into one ``pred_instances`` of length M_b.
"""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.structures import PoseDataSample
from mmpose.utils.typing import SampleList

__all__ = ['MultiInstanceTopdownMixin']


class MultiInstanceTopdownMixin:
    """Mixin for a ``TopdownPoseEstimator`` subclass."""

    def gather_rows(self,
                    pred_instances: List[InstanceData],
                    pred_fields: Optional[List[PixelData]],
                    data_samples: SampleList,
                    counts: Sequence[int],
                    row_fields: Optional[Dict[str, np.ndarray]] = None
                    ) -> SampleList:
        """Put the R row predictions into the B samples.

        Args:
            pred_instances: R single-instance predictions in input space.
            pred_fields: R predicted heatmap fields, or None.
            data_samples: the B samples (modified in place and returned).
            counts: M_b, rows per sample; sums to R.
            row_fields: extra per-row arrays (R, ...) to store in
                ``pred_instances`` (e.g. which selector or cue gave the row).
        """
        assert sum(counts) == len(pred_instances)
        rows = [
            PoseDataSample(metainfo=ds.metainfo, gt_instances=ds.gt_instances)
            for ds, m in zip(data_samples, counts) for _ in range(m)
        ]
        # the parent (TopdownPoseEstimator) maps input space to image space
        rows = super().add_pred_to_datasample(pred_instances, pred_fields,
                                              rows)
        start = 0
        for ds, m in zip(data_samples, counts):
            mine = rows[start:start + m]
            merged = InstanceData.cat([r.pred_instances for r in mine])
            for key, value in (row_fields or {}).items():
                merged.set_field(value[start:start + m], key)
            ds.pred_instances = merged
            if pred_fields is not None:
                ds.pred_fields = PixelData(
                    heatmaps=torch.cat([r.pred_fields.heatmaps for r in mine]))
            start += m
        return data_samples
