"""Training-loop components: MMEngine hooks, the autocast optimizer wrapper,
autocast evaluation loops and the data-parallel wrapper for CPU processes."""
from .hooks import PersonCurriculumHook
from .model_wrappers import CPUDistributedDataParallel
from .optim_wrappers import AutocastOptimWrapper, cpu_supports_bf16
from .runner import AutocastTestLoop, AutocastValLoop

__all__ = [
    'PersonCurriculumHook', 'AutocastOptimWrapper', 'cpu_supports_bf16',
    'AutocastValLoop', 'AutocastTestLoop', 'CPUDistributedDataParallel'
]
