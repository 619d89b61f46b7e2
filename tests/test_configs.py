"""Every config under configs/ loads, and its model builds."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from conftest import REPO_ROOT

CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO_ROOT, 'configs', '**', '*.py'),
                         recursive=True)
    if '_base_' not in p.split(osp.sep))


def test_there_are_configs():
    assert any(p.endswith('td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py')
               for p in CONFIGS)


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(p, REPO_ROOT) for p in CONFIGS])
def test_config_loads_and_model_builds(path):
    cfg = Config.fromfile(path)
    scope = cfg.get('default_scope', 'mmpose')
    if scope == 'mmpose':  # detector configs (mmdet) need none of ours
        assert cfg.custom_imports['imports'] == ['mmpose_occlusion']
        assert cfg.custom_imports['allow_failed_imports'] is False
    init_default_scope(scope)
    if scope == 'mmdet':
        from mmdet.registry import MODELS
    else:
        from mmpose.registry import MODELS
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0
