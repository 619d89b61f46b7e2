"""Model wrappers (MMEngine ``MODEL_WRAPPERS``)."""
from .cpu_distributed import CPUDistributedDataParallel

__all__ = ['CPUDistributedDataParallel']
