"""Utilities: safe checkpoint loading on torch >= 2.6 (and upgrading of our
older checkpoint layouts), the bottom-up heatmap mask on numpy 2, image and
config reading, progress lines, and the launch setup of the training tools
(multi-process runs on CPUs, ``--amp``)."""
from .checkpoint import (LEGACY_KEY_RENAMES, TRUST_ENV,
                         UntrustedCheckpointError, is_trusted, load_from_local,
                         register_checkpoint_loader, restricted_getattr,
                         safe_checkpoint_globals, trust_checkpoint,
                         upgrade_state_dict)
from .coco_mask import patch_bottomup_heatmap_mask, xtcocotools_mask_works
from .config import load_config
from .image_io import IMAGE_EXTENSIONS, ImageLoadError, load_image
from .launch import CPU_BACKEND, enable_amp, init_cpu_dist, setup_launcher
from .progress import Progress

__all__ = [
    'TRUST_ENV', 'UntrustedCheckpointError', 'is_trusted', 'load_from_local',
    'register_checkpoint_loader', 'restricted_getattr',
    'safe_checkpoint_globals', 'trust_checkpoint', 'IMAGE_EXTENSIONS',
    'ImageLoadError', 'load_image', 'load_config',
    'patch_bottomup_heatmap_mask', 'xtcocotools_mask_works',
    'LEGACY_KEY_RENAMES', 'upgrade_state_dict', 'CPU_BACKEND', 'enable_amp',
    'init_cpu_dist', 'setup_launcher', 'Progress'
]
