"""Datasets, data generators and transforms."""
from . import synthetic, transforms  # noqa: F401
from .transforms import *  # noqa: F401,F403

__all__ = ['synthetic', 'transforms']
