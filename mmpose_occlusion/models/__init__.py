"""Models: blocks, backbones, necks, heads, losses and estimators."""
from .backbones import (HintHRNet, MIPHRNet, MIPResNet,
                        MultiInstanceBackboneMixin, one_hot_selectors)
from .heads import (MultiScaleHeatmapHead, SequentialDecoderHead,
                    downsample_target, locate_on_parts, merge_flipped_steps)
from .losses import (HungarianBCELoss, StructureAwareLoss, bce_cost_matrix,
                     skeleton_neighbours, steps_needed)
from .necks import PyramidSumFusion
from .pose_estimators import (HintPoseEstimator, MIPNetPoseEstimator,
                              MultiInstanceTopdownMixin, soft_selectors)
from .utils import (MIMB, ConvLSTMCell, FeedbackBlock, InstanceCueBlock,
                    PartLocalizer, PersonDecoder, extract_cue_points,
                    one_hot_selector, pose_cue_points)

__all__ = [
    'HintHRNet', 'MIPHRNet', 'MIPResNet', 'MultiInstanceBackboneMixin',
    'one_hot_selectors', 'MultiScaleHeatmapHead', 'SequentialDecoderHead',
    'downsample_target', 'locate_on_parts', 'merge_flipped_steps',
    'HungarianBCELoss', 'StructureAwareLoss', 'bce_cost_matrix',
    'skeleton_neighbours', 'steps_needed', 'PyramidSumFusion',
    'HintPoseEstimator', 'MIPNetPoseEstimator', 'MultiInstanceTopdownMixin',
    'soft_selectors', 'MIMB', 'ConvLSTMCell', 'FeedbackBlock',
    'InstanceCueBlock', 'PartLocalizer', 'PersonDecoder', 'extract_cue_points',
    'one_hot_selector', 'pose_cue_points'
]
