"""What ``tools/train.py`` and ``tools/test.py`` do to a config before they
build the Runner: multi-process runs without CUDA devices, and ``--amp`` on
any device.

MMEngine 0.10.7 assumes one CUDA device per process under a launcher:

- ``mmengine.dist.init_dist('pytorch')`` calls
  ``torch.cuda.set_device(LOCAL_RANK)`` unconditionally, so
  ``torchrun ... --launcher pytorch`` dies on a machine without a GPU
  whatever ``env_cfg.dist_cfg.backend`` says;
- ``Runner.wrap_model`` passes ``device_ids=[LOCAL_RANK]`` to
  ``MMDistributedDataParallel`` (CPU DDP needs ``None``) and keeps SyncBN
  layers, which have no CPU kernel.

:func:`setup_launcher` leaves every machine with a CUDA device to MMEngine
(NCCL by default: unchanged behaviour). Without one, under
``--launcher pytorch`` (torchrun sets ``RANK``, ``WORLD_SIZE``,
``MASTER_ADDR`` and ``MASTER_PORT``) it

1. initialises the process group itself with the gloo backend (the Runner
   skips its own initialisation when a group exists) and records
   ``env_cfg.dist_cfg.backend='gloo'``;
2. wraps the model in ``CPUDistributedDataParallel``
   (:mod:`mmpose_occlusion.engine.model_wrappers`): MMEngine's DDP wrapper
   with ``device_ids=None`` and SyncBN reverted to BatchNorm.

:func:`enable_amp` is ``--amp``: MMEngine's ``AmpOptimWrapper`` (float16
with dynamic loss scaling, as MMPose's tools) where CUDA exists, our
``AutocastOptimWrapper`` (bfloat16, no loss scaling) on a CPU, where
``AmpOptimWrapper`` refuses to run.
"""
import os
from datetime import timedelta

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.logging import print_log

__all__ = ['CPU_BACKEND', 'init_cpu_dist', 'setup_launcher', 'enable_amp']

#: The ``torch.distributed`` backend of multi-process runs on CPUs.
CPU_BACKEND = 'gloo'

_TORCHRUN_ENV = ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')


def init_cpu_dist(timeout=None) -> None:
    """Initialise the default process group with gloo from torchrun's
    environment (``env://``), without touching CUDA.

    Args:
        timeout (int | float | timedelta, optional): seconds (as
            ``env_cfg.dist_cfg.timeout``) or a timedelta; None: PyTorch's
            default.

    Raises:
        RuntimeError: a torchrun variable is missing.
    """
    missing = [k for k in _TORCHRUN_ENV if k not in os.environ]
    if missing:
        raise RuntimeError(
            f'--launcher pytorch needs the environment variables {missing}, '
            'which torchrun sets: start the processes with `python -m '
            'torch.distributed.run --nproc_per_node N tools/train.py CONFIG '
            '--launcher pytorch` (or tools/dist_train.sh CONFIG N)')
    kwargs = {}
    if timeout is not None:
        kwargs['timeout'] = timeout if isinstance(
            timeout, timedelta) else timedelta(seconds=timeout)
    torch_dist.init_process_group(
        backend=CPU_BACKEND,
        init_method='env://',
        rank=int(os.environ['RANK']),
        world_size=int(os.environ['WORLD_SIZE']),
        **kwargs)


def _cpu_model_wrapper_cfg(cfg: Config) -> dict:
    wrapper = cfg.get('model_wrapper_cfg', None)
    if wrapper is None:
        return dict(
            type='CPUDistributedDataParallel',
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper = dict(wrapper)
    if wrapper.get(
            'type',
            'MMDistributedDataParallel') not in ('MMDistributedDataParallel',
                                                 'CPUDistributedDataParallel'):
        raise ValueError(
            f'model_wrapper_cfg type {wrapper["type"]!r}: without a CUDA '
            'device, multi-process runs support MMDistributedDataParallel '
            '(run as CPUDistributedDataParallel); remove model_wrapper_cfg '
            'or run on GPUs')
    wrapper['type'] = 'CPUDistributedDataParallel'
    return wrapper


def setup_launcher(cfg: Config) -> Config:
    """Prepare ``cfg`` (with ``cfg.launcher`` set) for the Runner: on a
    machine without CUDA devices under ``--launcher pytorch``, initialise
    gloo and select the CPU DDP wrapper; otherwise leave it to MMEngine.

    Returns:
        Config: ``cfg``, changed in place.

    Raises:
        ValueError: a launcher other than ``pytorch`` without CUDA (MMEngine's
            slurm and mpi initialisation need GPUs too), or a custom model
            wrapper that has no CPU counterpart.
    """
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available():
        return cfg
    if launcher != 'pytorch':
        raise ValueError(
            f'--launcher {launcher} needs CUDA devices (MMEngine sets one per '
            'process); without them use --launcher pytorch under torchrun, '
            'which runs on CPUs with the gloo backend')
    env_cfg = dict(cfg.get('env_cfg', None) or {})
    dist_cfg = dict(env_cfg.get('dist_cfg', None) or {})
    if dist_cfg.get('backend', CPU_BACKEND) != CPU_BACKEND:
        print_log(
            f'No CUDA device: distributed backend '
            f'{dist_cfg["backend"]!r} replaced by {CPU_BACKEND!r}.',
            logger='current')
    dist_cfg['backend'] = CPU_BACKEND
    env_cfg['dist_cfg'] = dist_cfg
    cfg.env_cfg = env_cfg
    cfg.model_wrapper_cfg = _cpu_model_wrapper_cfg(cfg)
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        init_cpu_dist(dist_cfg.get('timeout', None))
    return cfg


def enable_amp(cfg: Config) -> Config:
    """``--amp``: mixed-precision training on the machine's device.

    With CUDA, MMEngine's ``AmpOptimWrapper`` with ``loss_scale='dynamic'``
    (as MMPose 1.3.2's ``tools/train.py``). Without, ``AutocastOptimWrapper``
    with ``dtype='bfloat16'`` (float32, with one log line, on a CPU without
    native bfloat16). A config that already uses ``AutocastOptimWrapper``
    keeps its own settings.

    Raises:
        ValueError: the config uses another custom optimizer wrapper.
    """
    optim_wrapper = cfg.optim_wrapper
    current = optim_wrapper.get('type', 'OptimWrapper')
    current = getattr(current, '__name__', current)
    if current == 'AutocastOptimWrapper':
        return cfg
    if current not in ('OptimWrapper', 'AmpOptimWrapper'):
        raise ValueError(
            f'--amp supports OptimWrapper, AmpOptimWrapper and '
            f'AutocastOptimWrapper configs, not the custom optimizer wrapper '
            f'{current!r}; set mixed precision in the config instead')
    if torch.cuda.is_available():
        optim_wrapper.type = 'AmpOptimWrapper'
        optim_wrapper.setdefault('loss_scale', 'dynamic')
    else:
        optim_wrapper.type = 'AutocastOptimWrapper'
        optim_wrapper.setdefault('dtype', 'bfloat16')
    return cfg
