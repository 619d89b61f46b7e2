"""MMPose's Associative Embedding head with a loss that trains.

Shapes: B images, N_b people in image b, K keypoints; heatmaps (B, K, H, W),
heatmap mask (B, 1 or K, H, W), keypoint indices per image (N_b, K, 2).

MMPose 1.3.2's ``AssociativeEmbeddingHead.loss`` passes the per-person
keypoint weights, concatenated to (Σ N_b, K), as the per-image weights of the
heatmap loss, which asserts (B, K). In Associative Embedding the heatmaps are
one multi-person map per joint, a valid target everywhere the mask allows
(Newell et al. 2017), so the heatmap term here takes the mask only; the
grouping (tag) term is the stock one. Use it with
``PackedAssociativeEmbedding``, whose keypoint indices reach the head.
"""
from typing import Tuple

import torch
from mmpose.models.heads import AssociativeEmbeddingHead
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptSampleList
from torch import Tensor

__all__ = ['TrainableAssociativeEmbeddingHead']


@MODELS.register_module()
class TrainableAssociativeEmbeddingHead(AssociativeEmbeddingHead):
    """``AssociativeEmbeddingHead`` whose ``loss`` runs; takes the stock
    head's arguments (inference is the stock one)."""

    def loss(self,
             feats: Tuple[Tensor],
             batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> dict:
        """Heatmap MSE under the heatmap mask, and the tag pull/push
        losses."""
        pred_heatmaps, pred_tags = self.forward(feats)
        if not self.tag_per_keypoint:
            pred_tags = pred_tags.repeat((1, self.num_keypoints, 1, 1))
        for d in batch_data_samples:
            if 'keypoint_indices' not in d.gt_instance_labels:
                raise KeyError(
                    'TrainableAssociativeEmbeddingHead needs keypoint '
                    'indices in gt_instance_labels: encode with '
                    "type='PackedAssociativeEmbedding' in GenerateTarget")
        gt_heatmaps = torch.stack(
            [d.gt_fields.heatmaps for d in batch_data_samples])
        gt_masks = torch.stack(
            [d.gt_fields.heatmap_mask for d in batch_data_samples])
        keypoint_indices = [
            d.gt_instance_labels.keypoint_indices for d in batch_data_samples
        ]
        loss_kpt = self.loss_module.keypoint_loss(pred_heatmaps, gt_heatmaps,
                                                  None, gt_masks)
        loss_pull, loss_push = self.loss_module.tag_loss(
            pred_tags, keypoint_indices)
        return dict(
            loss_kpt=loss_kpt, loss_pull=loss_pull, loss_push=loss_push)
