"""Coarse poses from a bottom-up model, for DetPoseNet's proposal filter.

``BottomupPoseSource`` runs any MMPose bottom-up model (Associative
Embedding, DEKR, CID, ...) on the whole image and returns its decoded people
in image pixels: keypoints (P, K, 2) and keypoint scores (P, K).
"""
from typing import Optional, Tuple, Union

import numpy as np
import torch.nn as nn

from mmpose_occlusion.registry import POSE_SOURCES

__all__ = ['BottomupPoseSource', 'bottomup_pose_source']


class BottomupPoseSource:
    """Coarse poses of an image from an MMPose bottom-up estimator.

    Args:
        model (nn.Module): the estimator (e.g. from ``init_model``).
        min_score (float): people whose instance score is below this are
            left out. Defaults to 0 (all).
    """

    def __init__(self, model: nn.Module, min_score: float = 0.0):
        if not hasattr(model, 'head'):
            raise TypeError('BottomupPoseSource takes an MMPose bottom-up '
                            f'estimator, got {type(model).__name__}')
        self.model = model
        self.min_score = min_score

    @classmethod
    def from_config(cls,
                    config,
                    checkpoint: Optional[str] = None,
                    device: str = 'cpu',
                    **kwargs) -> 'BottomupPoseSource':
        """Build the bottom-up model with ``mmpose.apis.init_model``."""
        from mmpose.apis import init_model

        from mmpose_occlusion.utils import load_config
        return cls(
            init_model(
                load_config(config, 'bottom-up config'),
                checkpoint,
                device=device), **kwargs)

    def __call__(self,
                 img: Union[str, np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
        from mmpose.apis import inference_bottomup
        inst = inference_bottomup(self.model, img)[0].pred_instances
        kpts = np.asarray(inst.keypoints, np.float32)
        scores = np.asarray(inst.keypoint_scores, np.float32)
        if 'bbox_scores' in inst and self.min_score > 0:
            keep = np.asarray(inst.bbox_scores).reshape(-1) >= self.min_score
            kpts, scores = kpts[keep], scores[keep]
        return kpts, scores


@POSE_SOURCES.register_module(name='BottomupPoseSource')
def bottomup_pose_source(config,
                         checkpoint: Optional[str] = None,
                         device: str = 'cpu',
                         **kwargs) -> BottomupPoseSource:
    """``dict(type='BottomupPoseSource', config=..., checkpoint=...,
    device=...)`` in a config: ``BottomupPoseSource.from_config``."""
    return BottomupPoseSource.from_config(config, checkpoint, device, **kwargs)
