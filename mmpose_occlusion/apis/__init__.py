"""Inference: the crowd chain (boxes -> proposals -> multi-instance top-down
pose model -> OKS-NMS), its box sources, HintPose's cue sources and
DetPoseNet's coarse-pose source."""
from .box_sources import (MMDetPersonDetector, PrecomputedBoxes,
                          SimulatedDetector)
from .crowd_inferencer import (CheckpointMismatchError, CrowdPoseInferencer,
                               ImageResult, clean_boxes, load_pose_checkpoint)
from .cue_source import BottomupCueSource, write_cue_file
from .pose_source import BottomupPoseSource

__all__ = [
    'MMDetPersonDetector', 'PrecomputedBoxes', 'SimulatedDetector',
    'CheckpointMismatchError', 'CrowdPoseInferencer', 'ImageResult',
    'clean_boxes',
    'load_pose_checkpoint', 'BottomupCueSource', 'write_cue_file',
    'BottomupPoseSource'
]
