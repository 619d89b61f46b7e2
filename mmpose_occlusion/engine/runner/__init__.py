"""MMEngine loops."""
from .autocast_loops import AutocastTestLoop, AutocastValLoop, float32_head

__all__ = ['AutocastTestLoop', 'AutocastValLoop', 'float32_head']
