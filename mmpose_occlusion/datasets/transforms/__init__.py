"""Data transforms for crowded top-down and bottom-up training."""
from .crowd_region_crop import RandomCrowdRegionCrop
from .instance_cue import (ChooseCueTarget, GenerateInstanceCue, LoadCuePoints,
                           PackCuePoseInputs, render_cue)
from .keypoint_masking import (KeypointBackgroundMasking,
                               KeypointDuplicationMasking)
from .multi_instance import (GenerateMultiInstanceTarget, SelectOtherInstances,
                             select_other_instances)

__all__ = [
    'ChooseCueTarget', 'GenerateInstanceCue', 'LoadCuePoints',
    'PackCuePoseInputs', 'render_cue', 'GenerateMultiInstanceTarget',
    'SelectOtherInstances', 'select_other_instances',
    'KeypointBackgroundMasking', 'KeypointDuplicationMasking',
    'RandomCrowdRegionCrop'
]
