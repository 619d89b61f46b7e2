"""MMEngine hooks."""
from .person_curriculum_hook import PersonCurriculumHook

__all__ = ['PersonCurriculumHook']
