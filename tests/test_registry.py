"""Importing mmpose_occlusion registers its components into MMPose's
registries; one smoke test builds each of them."""
import importlib

import pytest
from mmengine.registry import init_default_scope

import mmpose_occlusion  # noqa: F401
from mmpose.registry import (DATASETS, HOOKS, METRICS, MODELS, TRANSFORMS,
                             VISUALIZERS)

REGISTRIES = dict(models=MODELS, transforms=TRANSFORMS, datasets=DATASETS,
                  hooks=HOOKS, metrics=METRICS, visualizers=VISUALIZERS)

# Constructor arguments for each registered component's smoke build. A new
# component without an entry here fails `test_every_component_has_a_case`.
SMOKE_CASES = {
    ('visualizers', 'OcclusionPoseVisualizer'): dict(name='smoke_vis'),
}


def _ours():
    found = []
    for reg_name, registry in REGISTRIES.items():
        for name, cls in registry.module_dict.items():
            if cls.__module__.startswith('mmpose_occlusion'):
                found.append((reg_name, name))
    return sorted(found)


OURS = _ours()


def test_every_component_has_a_case():
    missing = [key for key in OURS if key not in SMOKE_CASES]
    assert not missing, f'add smoke cases for {missing}'
    stale = [key for key in SMOKE_CASES if key not in OURS]
    assert not stale, f'{stale} have smoke cases but are not registered'


def test_registered_under_their_module_path():
    # A component must be importable from the module it says it lives in.
    for reg_name, name in OURS:
        cls = REGISTRIES[reg_name].module_dict[name]
        assert getattr(importlib.import_module(cls.__module__), name) is cls


@pytest.mark.parametrize('key', OURS, ids=[f'{r}.{n}' for r, n in OURS])
def test_smoke_build(key):
    init_default_scope('mmpose')
    reg_name, name = key
    obj = REGISTRIES[reg_name].build(dict(type=name, **SMOKE_CASES[key]))
    assert obj is not None
