"""Training-loop components (MMEngine hooks)."""
from .hooks import PersonCurriculumHook

__all__ = ['PersonCurriculumHook']
