"""Importing mmpose_occlusion registers its components into MMPose's
registries; one smoke test builds each of them."""
import importlib
import os.path as osp

import pytest
import torch
from conftest import REPO_ROOT, TINY_HRNET
from mmengine.registry import init_default_scope
from mmpose.registry import (DATASETS, HOOKS, KEYPOINT_CODECS, METRICS, MODELS,
                             TRANSFORMS, VISUALIZERS)

import mmpose_occlusion  # noqa: F401
from mmpose_occlusion.registry import PROPOSAL_FILTERS

REGISTRIES = dict(
    models=MODELS,
    transforms=TRANSFORMS,
    datasets=DATASETS,
    hooks=HOOKS,
    metrics=METRICS,
    visualizers=VISUALIZERS,
    codecs=KEYPOINT_CODECS,
    proposals=PROPOSAL_FILTERS)

# Constructor arguments for each registered component's smoke build. A new
# component without an entry here fails `test_every_component_has_a_case`.
_CODEC = dict(
    type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=2)
_TINY_HEAD = dict(  # the stock head on TINY_HRNET's 8 channels
    type='HeatmapHead',
    in_channels=8,
    out_channels=17,
    deconv_out_channels=None,
    decoder=_CODEC)
SMOKE_CASES = {
    ('models', 'MIMB'):
    dict(channels=8, num_instances=2),
    ('models', 'MIPHRNet'):
    dict(extra=TINY_HRNET),
    ('models', 'MIPResNet'):
    dict(depth=18),
    ('models', 'MIPNetPoseEstimator'):
    dict(backbone=dict(type='MIPHRNet', extra=TINY_HRNET), head=_TINY_HEAD),
    ('models', 'HintHRNet'):
    dict(extra=TINY_HRNET, num_hops=2),
    ('models', 'HintPoseEstimator'):
    dict(
        backbone=dict(type='HintHRNet', extra=TINY_HRNET, num_hops=2),
        head=_TINY_HEAD),
    ('models', 'InstanceCueBlock'):
    dict(in_channels=8),
    ('models', 'FeedbackBlock'):
    dict(in_channels=17, out_channels=8),
    ('transforms', 'GenerateInstanceCue'):
    dict(),
    ('transforms', 'ChooseCueTarget'):
    dict(),
    ('transforms', 'PackCuePoseInputs'):
    dict(),
    ('transforms', 'LoadCuePoints'):
    dict(cue_file=osp.join(REPO_ROOT, 'tests', 'data', 'cue_points.json')),
    ('transforms', 'SelectOtherInstances'):
    dict(num_instances=2),
    ('transforms', 'KeypointBackgroundMasking'):
    dict(prob=0.5),
    ('transforms', 'KeypointDuplicationMasking'):
    dict(prob=0.5),
    ('transforms', 'RandomCrowdRegionCrop'):
    dict(),
    ('datasets', 'CocoCrowdDataset'):
    dict(ann_file='unused.json', lazy_init=True),
    ('datasets', 'CrowdRepeatDataset'):
    dict(
        dataset=dict(
            type='CocoDataset', ann_file='unused.json', lazy_init=True),
        lazy_init=True),
    ('transforms', 'GenerateMultiInstanceTarget'):
    dict(encoder=_CODEC),
    ('metrics', 'MultiInstanceCocoMetric'):
    dict(),
    ('visualizers', 'OcclusionPoseVisualizer'):
    dict(name='smoke_vis'),
    ('codecs', 'PackedAssociativeEmbedding'):
    dict(input_size=(64, 64), heatmap_size=(16, 16)),
    ('models', 'StructureAwareLoss'):
    dict(),
    ('models', 'HungarianBCELoss'):
    dict(stop_steps=2),
    ('models', 'SequentialDecoderHead'):
    dict(
        in_channels=(8, 8, 8, 8),
        num_keypoints=17,
        hidden_channels=(4, 4, 4, 4)),
    ('models', 'PyramidSumFusion'):
    dict(in_channels=(8, 16), out_channels=4),
    ('codecs', 'SequentialDiskHeatmap'):
    dict(input_size=(64, 64), heatmap_size=(16, 16)),
    ('hooks', 'PersonCurriculumHook'):
    dict(),
    ('models', 'MultiScaleHeatmapHead'):
    dict(in_channels=8, out_channels=17, channels=16, msr_channels=8),
    ('proposals', 'BoxNMS'):
    dict(iou_thr=0.5),
    ('proposals', 'KeepAllBoxes'):
    dict(),
    ('proposals', 'CoarsePoseFilter'):
    dict(pose_source=lambda img:
         (torch.zeros(0, 17, 2).numpy(), torch.zeros(0, 17).numpy())),
    ('models', 'TrainableAssociativeEmbeddingHead'):
    dict(in_channels=8, num_keypoints=17, deconv_out_channels=None),
}

# Inputs for a forward pass after the build, for the models that take one.
SMOKE_FORWARD = {
    'MIMB':
    lambda m: m(torch.randn(2, 8, 4, 4), torch.eye(2)),
    'MIPHRNet':
    lambda m: m(torch.randn(1, 3, 64, 64)),
    'HintHRNet':
    lambda m: m(torch.randn(1, 3, 64, 64), torch.rand(1, 1, 16, 16)),
    'HintPoseEstimator':
    lambda m: m(torch.randn(1, 3, 64, 64), None, mode='tensor'),
    'InstanceCueBlock':
    lambda m: m(torch.rand(1, 8, 8, 8), torch.rand(1, 1, 8, 8)),
    'FeedbackBlock':
    lambda m: m(torch.rand(1, 17, 8, 8)),
    'MIPResNet':
    lambda m: m(torch.randn(1, 3, 64, 64)),
    'MIPNetPoseEstimator':
    lambda m: m(torch.randn(1, 3, 64, 64), None, mode='tensor'),
    'TrainableAssociativeEmbeddingHead':
    lambda m: m((torch.randn(1, 8, 16, 16), )),
    'MultiScaleHeatmapHead':
    lambda m: m([torch.randn(1, 8, 16, 12)]),
    'PyramidSumFusion':
    lambda m: m([torch.randn(1, 8, 8, 8),
                 torch.randn(1, 16, 4, 4)]),
    'StructureAwareLoss':
    lambda m: m(torch.rand(2, 17, 4, 4), torch.rand(2, 17, 4, 4)),
    'BoxNMS':
    lambda f: torch.as_tensor(
        f([[0, 0, 4, 4], [0, 0, 4, 5]], [0.9, 0.8]).bboxes),
    'KeepAllBoxes':
    lambda f: torch.as_tensor(f([[0, 0, 4, 4]], [1]).bboxes),
    'CoarsePoseFilter':
    lambda f: torch.as_tensor(
        f([[0, 0, 4, 4]], [1], img=torch.zeros(8, 8, 3).numpy()).bboxes),
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
    assert type(obj).__name__ == name
    if name in SMOKE_FORWARD:
        out = SMOKE_FORWARD[name](obj)
        out = out[0] if isinstance(out, (list, tuple)) else out
        assert torch.isfinite(out).all()
