"""Datasets and data generators."""
from . import synthetic  # noqa: F401

__all__ = ['synthetic']
