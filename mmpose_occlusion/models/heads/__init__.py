"""Heads."""
from .ae_head import TrainableAssociativeEmbeddingHead

__all__ = ['TrainableAssociativeEmbeddingHead']
