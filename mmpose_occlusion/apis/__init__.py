"""Inference helpers."""
from .cue_source import BottomupCueSource, write_cue_file

__all__ = ['BottomupCueSource', 'write_cue_file']
