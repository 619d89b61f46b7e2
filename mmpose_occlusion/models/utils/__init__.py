"""Building blocks."""
from .mimb import MIMB, one_hot_lambda

__all__ = ['MIMB', 'one_hot_lambda']
