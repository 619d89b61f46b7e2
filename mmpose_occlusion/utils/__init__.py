"""Utilities: image and config reading, progress lines, and the launch
setup of the training tools (multi-process runs on CPUs, ``--amp``). The
fixes of upstream bugs (checkpoint loading on torch >= 2.6, masks on numpy
2, ...) are in :mod:`mmpose_occlusion.upstream`."""
from .config import load_config
from .image_io import IMAGE_EXTENSIONS, ImageLoadError, load_image
from .launch import CPU_BACKEND, enable_amp, init_cpu_dist, setup_launcher
from .progress import Progress

__all__ = [
    'IMAGE_EXTENSIONS', 'ImageLoadError', 'load_image', 'load_config',
    'CPU_BACKEND', 'enable_amp', 'init_cpu_dist', 'setup_launcher', 'Progress'
]
