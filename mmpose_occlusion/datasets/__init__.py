"""Datasets, data generators and transforms."""
from . import synthetic
from .transforms import (GenerateInstanceCue, GenerateMultiInstanceTarget,
                         LoadCuePoints, SelectOtherInstances, render_cue,
                         select_other_instances)

__all__ = [
    'synthetic', 'GenerateInstanceCue', 'GenerateMultiInstanceTarget',
    'LoadCuePoints', 'SelectOtherInstances', 'render_cue',
    'select_other_instances'
]
