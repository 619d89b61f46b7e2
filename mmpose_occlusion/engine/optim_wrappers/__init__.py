"""Optimizer wrappers (MMEngine ``OPTIM_WRAPPERS``)."""
from .autocast_optim_wrapper import (AutocastOptimWrapper, autocast_context,
                                     autocast_dtype, cpu_supports_bf16,
                                     model_device_type)

__all__ = [
    'AutocastOptimWrapper', 'autocast_context', 'autocast_dtype',
    'cpu_supports_bf16', 'model_device_type'
]
