"""Reading a config given as a path, an OpenMMLab package config
(``'mmpose::...'``, ``'mmdet::...'``) or an already loaded ``Config``."""
import os.path as osp
from typing import Union

from mmengine.config import Config

__all__ = ['load_config']


def load_config(config: Union[str, Config], what: str = 'config') -> Config:
    """The ``Config`` of ``config``; ``what`` names it in the error."""
    if isinstance(config, Config):
        return config
    if not isinstance(config, str):
        raise TypeError(f'{what} must be a path or a Config, got '
                        f'{type(config).__name__}')
    # e.g. mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py
    if '::' in config:
        from mmengine.hub import get_config
        try:
            return get_config(config)
        except Exception as e:  # mmengine raises several kinds
            raise FileNotFoundError(
                f'{what} {config!r} is not a config of that package: {e}') \
                from e
    if not osp.isfile(config):
        raise FileNotFoundError(
            f'{what} {config!r} does not exist (a path, or '
            "'<package>::<folder>/<name>.py' for a package's own config)")
    return Config.fromfile(config)
