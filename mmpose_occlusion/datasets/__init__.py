"""Datasets, data generators and transforms."""
from . import synthetic
from .coco_crowd_dataset import CocoCrowdDataset
from .crowd_regions import (crop_region, crowd_groups, crowd_statistics,
                            find_crowd_regions, jitter_box, region_box)
from .crowd_repeat_dataset import CrowdRepeatDataset
from .transforms import (ChooseCueTarget, GenerateInstanceCue,
                         GenerateMultiInstanceTarget, LoadCuePoints,
                         RandomCrowdRegionCrop, SelectOtherInstances,
                         render_cue, select_other_instances)

__all__ = [
    'synthetic', 'ChooseCueTarget', 'GenerateInstanceCue',
    'GenerateMultiInstanceTarget', 'LoadCuePoints', 'SelectOtherInstances',
    'render_cue', 'select_other_instances', 'CocoCrowdDataset',
    'CrowdRepeatDataset', 'RandomCrowdRegionCrop', 'crowd_groups',
    'region_box', 'find_crowd_regions', 'jitter_box', 'crop_region',
    'crowd_statistics'
]
