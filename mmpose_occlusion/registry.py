"""Registries of mmpose_occlusion's own roles (everything else registers into
MMPose's registries).

``PROPOSAL_FILTERS``: the proposal stage of the crowd chain (detector boxes ->
person proposals), e.g. ``dict(type='BoxNMS', iou_thr=0.5)``; DetPoseNet's
coarse-pose filter is another one. See :mod:`mmpose_occlusion.proposals`.

``POSE_SOURCES``: what gives DetPoseNet's filter its coarse poses, e.g.
``dict(type='BottomupPoseSource', config=..., checkpoint=...)`` (the default
type). See :mod:`mmpose_occlusion.apis.pose_source`.

Each registry imports its ``locations`` when something is built from it, so
this module imports nothing of the package.
"""
from mmengine.registry import Registry

__all__ = [
    'PROPOSAL_FILTERS', 'POSE_SOURCES', 'build_proposal_filter',
    'build_pose_source'
]

PROPOSAL_FILTERS = Registry(
    'proposal filter',
    scope='mmpose_occlusion',
    locations=['mmpose_occlusion.proposals'])
POSE_SOURCES = Registry(
    'pose source',
    scope='mmpose_occlusion',
    locations=['mmpose_occlusion.apis.pose_source'])


def _build(registry: Registry, cfg: dict):
    """Build from ``registry`` by ``cfg['type']`` whatever the default scope
    (MMPose's runner sets ``mmpose``, which has no such registry)."""
    registry.import_from_location()
    cfg = dict(cfg)
    name = cfg.pop('type', None)
    cls = registry.module_dict.get(name)
    if cls is None:
        raise KeyError(f'{name!r} is not a {registry.name}; registered: '
                       f'{sorted(registry.module_dict)}')
    return cls(**cfg)


def build_proposal_filter(cfg: dict):
    """Build a proposal filter from its config, e.g.
    ``dict(type='BoxNMS', iou_thr=0.5)``."""
    return _build(PROPOSAL_FILTERS, cfg)


def build_pose_source(cfg: dict):
    """Build a coarse-pose source from its config, e.g.
    ``dict(config=AE_CFG, checkpoint=AE_CKPT, device='cuda:0')``; ``type``
    defaults to ``'BottomupPoseSource'``."""
    return _build(POSE_SOURCES, dict(dict(type='BottomupPoseSource'), **cfg))
