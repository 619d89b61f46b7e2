"""Training-loop components: MMEngine hooks, the autocast optimizer wrapper
and autocast evaluation loops."""
from .hooks import PersonCurriculumHook
from .optim_wrappers import AutocastOptimWrapper, cpu_supports_bf16
from .runner import AutocastTestLoop, AutocastValLoop

__all__ = [
    'PersonCurriculumHook', 'AutocastOptimWrapper', 'cpu_supports_bf16',
    'AutocastValLoop', 'AutocastTestLoop'
]
