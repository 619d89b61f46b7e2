"""Registries of mmpose_occlusion's own roles (everything else registers into
MMPose's registries).

``PROPOSAL_FILTERS``: the proposal stage of the crowd chain (detector boxes ->
person proposals), e.g. ``dict(type='BoxNMS', iou_thr=0.5)``; DetPoseNet's
coarse-pose filter is another one. See :mod:`mmpose_occlusion.proposals`.
"""
from mmengine.registry import Registry

__all__ = ['PROPOSAL_FILTERS', 'build_proposal_filter']

PROPOSAL_FILTERS = Registry(
    'proposal filter',
    scope='mmpose_occlusion',
    locations=['mmpose_occlusion.proposals'])


def build_proposal_filter(cfg: dict):
    """Build a proposal filter from its config, e.g.
    ``dict(type='BoxNMS', iou_thr=0.5)``, whatever the default scope
    (MMPose's runner sets ``mmpose``, which has no such registry)."""
    import mmpose_occlusion.proposals  # noqa: F401  (registers them)
    cfg = dict(cfg)
    name = cfg.pop('type', None)
    cls = PROPOSAL_FILTERS.module_dict.get(name)
    if cls is None:
        raise KeyError(f'{name!r} is not a proposal filter; registered: '
                       f'{sorted(PROPOSAL_FILTERS.module_dict)}')
    return cls(**cfg)
