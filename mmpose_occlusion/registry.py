"""Registries of mmpose_occlusion's own roles (everything else registers into
MMPose's registries).

``PROPOSAL_FILTERS``: the proposal stage of the crowd chain (detector boxes ->
person proposals), e.g. ``dict(type='BoxNMS', iou_thr=0.5)``; DetPoseNet's
coarse-pose filter is another one. See :mod:`mmpose_occlusion.proposals`.
"""
from mmengine.registry import DefaultScope, Registry

__all__ = ['PROPOSAL_FILTERS', 'build_proposal_filter']

PROPOSAL_FILTERS = Registry(
    'proposal filter', scope='mmpose_occlusion',
    locations=['mmpose_occlusion.proposals'])


def build_proposal_filter(cfg: dict):
    """Build a proposal filter from its config, whatever the default scope
    (MMPose's runner sets ``mmpose``, which has no such registry)."""
    with DefaultScope.overwrite_default_scope('mmpose_occlusion'):
        return PROPOSAL_FILTERS.build(cfg)
