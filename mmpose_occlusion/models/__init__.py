"""Models: blocks, backbones, necks, heads, losses and estimators."""
from .backbones import (HintHRNet, MIPHRNet, MIPResNet,
                        MultiInstanceBackboneMixin, one_hot_selectors)
from .heads import (MultiScaleHeatmapHead, TrainableAssociativeEmbeddingHead,
                    downsample_target)
from .losses import StructureAwareLoss, skeleton_neighbours
from .necks import PyramidSumFusion
from .pose_estimators import (HintPoseEstimator, MIPNetPoseEstimator,
                              MultiInstanceTopdownMixin, soft_selectors)
from .utils import (MIMB, FeedbackBlock, InstanceCueBlock, extract_cue_points,
                    one_hot_lambda, pose_cue_points)

__all__ = [
    'HintHRNet', 'MIPHRNet', 'MIPResNet', 'MultiInstanceBackboneMixin',
    'one_hot_selectors', 'TrainableAssociativeEmbeddingHead',
    'StructureAwareLoss', 'skeleton_neighbours', 'MultiScaleHeatmapHead',
    'downsample_target', 'PyramidSumFusion', 'HintPoseEstimator',
    'MIPNetPoseEstimator', 'MultiInstanceTopdownMixin', 'soft_selectors',
    'MIMB', 'FeedbackBlock', 'InstanceCueBlock', 'extract_cue_points',
    'one_hot_lambda', 'pose_cue_points'
]
