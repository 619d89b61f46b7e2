"""mmpose_occlusion: crowd- and occlusion-robust components for MMPose 1.x.

Importing this package registers every component it defines into MMPose's own
registries (``mmpose.registry``), so stock MMPose configs can refer to them by
``type=`` once they list::

    custom_imports = dict(imports=['mmpose_occlusion'],
                          allow_failed_imports=False)

It also makes MMEngine load local checkpoints safely on torch >= 2.6 (see
:mod:`mmpose_occlusion.upstream.checkpoint`): the types our checkpoints hold
are allow-listed instead of turning ``weights_only`` off. And it lets MMPose's
``BottomupGetHeatmapMask`` rasterise unannotated people on numpy 2 (see
:mod:`mmpose_occlusion.upstream.coco_mask`). The fixes of upstream bugs are all
in :mod:`mmpose_occlusion.upstream`.
"""
# Import every module that registers something (the registration happens at
# class definition time).
# yapf: disable
from . import (codecs, datasets, engine, evaluation, models,  # noqa: F401
               proposals, upstream)
# yapf: enable
from .upstream import patch_bottomup_heatmap_mask, register_checkpoint_loader
from .version import __version__

register_checkpoint_loader()
patch_bottomup_heatmap_mask()

__all__ = ['__version__']
