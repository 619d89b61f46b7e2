"""Utilities: safe checkpoint loading on torch >= 2.6, image and config
reading."""
from .checkpoint import (TRUST_ENV, UntrustedCheckpointError, is_trusted,
                         restricted_getattr,
                         load_from_local, register_checkpoint_loader,
                         safe_checkpoint_globals, trust_checkpoint)
from .config import load_config
from .image_io import IMAGE_EXTENSIONS, ImageLoadError, load_image

__all__ = [
    'TRUST_ENV', 'UntrustedCheckpointError', 'is_trusted',
    'load_from_local', 'register_checkpoint_loader', 'restricted_getattr',
    'safe_checkpoint_globals', 'trust_checkpoint', 'IMAGE_EXTENSIONS',
    'ImageLoadError', 'load_image', 'load_config'
]
