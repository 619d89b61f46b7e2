"""Metrics."""
from .multi_instance_coco_metric import MultiInstanceCocoMetric

__all__ = ['MultiInstanceCocoMetric']
