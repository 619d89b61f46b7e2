"""Evaluation: the multi-instance COCO metric and the crowd-mechanism
measures (:mod:`.functional`)."""
from .functional import (count_confusion, cue_switch, instance_recall,
                         keypoint_oks, lands_on, rates)
from .metrics import MultiInstanceCocoMetric

__all__ = [
    'MultiInstanceCocoMetric', 'count_confusion', 'cue_switch',
    'instance_recall', 'lands_on', 'keypoint_oks', 'rates'
]
