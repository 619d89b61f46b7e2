"""Evaluation."""
from .metrics import MultiInstanceCocoMetric

__all__ = ['MultiInstanceCocoMetric']
