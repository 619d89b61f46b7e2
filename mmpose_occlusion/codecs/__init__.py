"""Keypoint codecs."""
from .associative_embedding import PackedAssociativeEmbedding

__all__ = ['PackedAssociativeEmbedding']
