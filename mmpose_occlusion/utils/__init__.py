"""Utilities: safe checkpoint loading on torch >= 2.6 (and upgrading of our
older checkpoint layouts), the bottom-up heatmap mask on numpy 2, image and
config reading."""
from .checkpoint import (LEGACY_KEY_RENAMES, TRUST_ENV,
                         UntrustedCheckpointError, is_trusted,
                         load_from_local, register_checkpoint_loader,
                         restricted_getattr, safe_checkpoint_globals,
                         trust_checkpoint, upgrade_state_dict)
from .coco_mask import patch_bottomup_heatmap_mask, xtcocotools_mask_works
from .config import load_config
from .image_io import IMAGE_EXTENSIONS, ImageLoadError, load_image

__all__ = [
    'TRUST_ENV', 'UntrustedCheckpointError', 'is_trusted',
    'load_from_local', 'register_checkpoint_loader', 'restricted_getattr',
    'safe_checkpoint_globals', 'trust_checkpoint', 'IMAGE_EXTENSIONS',
    'ImageLoadError', 'load_image', 'load_config',
    'patch_bottomup_heatmap_mask', 'xtcocotools_mask_works',
    'LEGACY_KEY_RENAMES', 'upgrade_state_dict'
]
