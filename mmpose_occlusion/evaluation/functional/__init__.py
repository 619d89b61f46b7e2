"""Functional measures (no registry)."""
from .crowd_mechanisms import (count_confusion, cue_switch, instance_recall,
                               lands_on, keypoint_oks, rates)

__all__ = [
    'count_confusion', 'cue_switch', 'instance_recall', 'lands_on',
    'keypoint_oks', 'rates'
]
