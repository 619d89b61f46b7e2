"""The config side of the training tools' launch setup (the multi-process
runs themselves are in tests/test_dist_train.py)."""
import pytest
import torch
from mmengine.config import Config

from mmpose_occlusion.utils import enable_amp, launch, setup_launcher


def _cfg(**kwargs):
    return Config(
        dict(
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
            env_cfg=dict(dist_cfg=dict(backend='nccl', timeout=60)),
            **kwargs))


@pytest.fixture
def no_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    inits = []
    monkeypatch.setattr(launch, 'init_cpu_dist', inits.append)
    monkeypatch.setattr(torch.distributed, 'is_initialized', lambda: False)
    return inits


def test_without_a_launcher_or_with_cuda_nothing_changes(no_cuda, monkeypatch):
    cfg = _cfg(launcher='none')
    setup_launcher(cfg)
    assert 'model_wrapper_cfg' not in cfg and no_cuda == []
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = _cfg(launcher='pytorch')
    setup_launcher(cfg)
    assert 'model_wrapper_cfg' not in cfg and no_cuda == []
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'


def test_pytorch_launcher_on_cpu_selects_gloo_and_the_cpu_wrapper(no_cuda):
    cfg = _cfg(launcher='pytorch', find_unused_parameters=True)
    setup_launcher(cfg)
    assert no_cuda == [60]  # the process group, with dist_cfg's timeout
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.model_wrapper_cfg == dict(
        type='CPUDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=True)


def test_a_configured_mmddp_wrapper_keeps_its_arguments_on_cpu(no_cuda):
    cfg = _cfg(
        launcher='pytorch',
        model_wrapper_cfg=dict(
            type='MMDistributedDataParallel', static_graph=True))
    setup_launcher(cfg)
    assert cfg.model_wrapper_cfg == dict(
        type='CPUDistributedDataParallel', static_graph=True)
    cfg = _cfg(
        launcher='pytorch',
        model_wrapper_cfg=dict(type='MMSeparateDistributedDataParallel'))
    with pytest.raises(ValueError, match='MMSeparateDistributed'):
        setup_launcher(cfg)


def test_gpu_only_launchers_fail_clearly_on_cpu(no_cuda):
    with pytest.raises(ValueError, match='--launcher slurm needs CUDA'):
        setup_launcher(_cfg(launcher='slurm'))


def test_init_without_torchrun_names_the_launcher(monkeypatch):
    monkeypatch.delenv('RANK', raising=False)
    with pytest.raises(RuntimeError, match='torch.distributed.run'):
        launch.init_cpu_dist()


def test_amp_is_bfloat16_autocast_on_cpu_and_amp_on_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    cfg = enable_amp(_cfg())
    assert cfg.optim_wrapper.type == 'AutocastOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'bfloat16'
    cfg = _cfg()
    cfg.optim_wrapper.update(type='AutocastOptimWrapper', dtype='float32')
    assert enable_amp(cfg).optim_wrapper.dtype == 'float32'  # kept
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = enable_amp(_cfg())
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
    cfg = _cfg()
    cfg.optim_wrapper.type = 'MyWrapper'
    with pytest.raises(ValueError, match="'MyWrapper'"):
        enable_amp(cfg)
