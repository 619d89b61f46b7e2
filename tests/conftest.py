"""Shared fixtures: small synthetic COCO-format datasets made on the fly."""
import os
import os.path as osp

import pytest
from hypothesis import HealthCheck, settings

from mmpose_occlusion.datasets.synthetic import SceneConfig, generate_split

# Property tests (hypothesis): the CI profile is deterministic (the same
# examples every run, no example database) and small; HYPOTHESIS_PROFILE=dev
# searches ten times deeper with fresh randomness, e.g. after changing a
# transform, codec or filter.
settings.register_profile(
    'ci',
    derandomize=True,
    database=None,
    max_examples=50,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    'dev', max_examples=300, deadline=None, print_blob=True)
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'ci'))

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SHARED_REAL = osp.join(osp.dirname(REPO_ROOT), 'shared', 'data', 'real')

# A narrow HRNet with the W32 topology (fast on the CPU); its first branch
# has 8 channels.
TINY_HRNET = dict(
    stage1=dict(
        num_modules=1,
        num_branches=1,
        block='BOTTLENECK',
        num_blocks=(1, ),
        num_channels=(16, )),
    stage2=dict(
        num_modules=1,
        num_branches=2,
        block='BASIC',
        num_blocks=(1, 1),
        num_channels=(8, 16)),
    stage3=dict(
        num_modules=1,
        num_branches=3,
        block='BASIC',
        num_blocks=(1, 1, 1),
        num_channels=(8, 16, 32)),
    stage4=dict(
        num_modules=1,
        num_branches=4,
        block='BASIC',
        num_blocks=(1, 1, 1, 1),
        num_channels=(8, 16, 32, 64)))


@pytest.fixture(scope='session')
def tiny_synth(tmp_path_factory):
    """12 train and 4 val images, 2 to 4 people each, heavy overlap."""
    root = str(tmp_path_factory.mktemp('synth'))
    cfg = SceneConfig(min_people=2, max_people=4, overlap=0.7)
    generate_split(root, 'train', 12, seed=3, cfg=cfg, progress=False)
    generate_split(root, 'val', 4, seed=3, cfg=cfg, progress=False)
    return root


@pytest.fixture(autouse=True)
def mmpose_scope():
    """Build registry types (transforms, codecs) in MMPose's scope."""
    from mmengine.registry import init_default_scope
    init_default_scope('mmpose')


@pytest.fixture(autouse=True)
def seeded_rngs():
    """Every test starts from the same random state (data transforms draw
    from numpy's and Python's global generators)."""
    import random

    import numpy as np
    import torch
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
