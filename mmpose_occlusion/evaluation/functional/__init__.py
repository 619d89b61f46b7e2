"""Functional measures (no registry)."""
from .crowd_mechanisms import (count_confusion, cue_switch, instance_recall,
                               keypoint_oks, lands_on, rates)

__all__ = [
    'count_confusion', 'cue_switch', 'instance_recall', 'lands_on',
    'keypoint_oks', 'rates'
]
