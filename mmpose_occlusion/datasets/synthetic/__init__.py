"""Synthetic crowded scenes in COCO keypoint format (see ``scene.py``)."""
from .body import COCO_KEYPOINT_NAMES, COCO_SKELETON, BodyPose, sample_pose
from .scene import Scene, SceneConfig, generate_scene
from .writer import SPLITS, annotation_path, generate_split, split_is_complete

__all__ = [
    'COCO_KEYPOINT_NAMES', 'COCO_SKELETON', 'BodyPose', 'sample_pose', 'Scene',
    'SceneConfig', 'generate_scene', 'SPLITS', 'annotation_path',
    'generate_split', 'split_is_complete'
]
