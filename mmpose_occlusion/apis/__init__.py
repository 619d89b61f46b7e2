"""Inference: the crowd chain (boxes -> proposals -> multi-instance top-down
pose model -> OKS-NMS), its box sources, HintPose's cue sources,
DetPoseNet's coarse-pose source, and ONNX export of the pose networks."""
from .box_sources import (MMDetPersonDetector, PrecomputedBoxes,
                          SimulatedDetector, clean_boxes)
from .crowd_inferencer import CrowdPoseInferencer, ImageResult
from .cue_source import BottomupCueSource, write_cue_file
from .export import (export_model, export_onnx, onnx_max_abs_diff,
                     run_sequential_decoder_onnx)
from .export_wrappers import (ExportWrapper, HintPoseExportWrapper,
                              MIPNetExportWrapper, SeqDecoderEncoderWrapper,
                              SeqDecoderStepWrapper, TopdownExportWrapper,
                              build_export_wrappers)
from .pose_checkpoint import CheckpointMismatchError, load_pose_checkpoint
from .pose_source import BottomupPoseSource

__all__ = [
    'MMDetPersonDetector', 'PrecomputedBoxes', 'SimulatedDetector',
    'CheckpointMismatchError', 'CrowdPoseInferencer', 'ImageResult',
    'clean_boxes', 'load_pose_checkpoint', 'BottomupCueSource',
    'write_cue_file', 'BottomupPoseSource', 'ExportWrapper',
    'TopdownExportWrapper', 'MIPNetExportWrapper', 'HintPoseExportWrapper',
    'SeqDecoderEncoderWrapper', 'SeqDecoderStepWrapper',
    'build_export_wrappers', 'export_onnx', 'export_model',
    'onnx_max_abs_diff', 'run_sequential_decoder_onnx'
]
