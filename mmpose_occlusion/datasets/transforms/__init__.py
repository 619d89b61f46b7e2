"""Data transforms for crowded top-down training."""
from .multi_instance import (GenerateMultiInstanceTarget,
                             SelectOtherInstances, select_other_instances)

__all__ = [
    'GenerateMultiInstanceTarget', 'SelectOtherInstances',
    'select_other_instances'
]
