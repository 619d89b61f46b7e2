"""Helpers for the side-by-side benchmark scripts in ``tools/analysis``.

Models are built from configs (``mmpose::`` paths allowed) without
pretrained weights; timings of several models are interleaved repeat by
repeat so that drifts of the machine hit them alike.
"""
import statistics
import time
from typing import Callable, Dict, Optional

import torch
from mmengine.config import Config
from mmengine.hub import get_config
from mmengine.registry import init_default_scope

__all__ = ['build_model', 'count_params', 'interleaved_median_ms']


def build_model(path: str,
                device: str = 'cpu',
                cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """Build the model of a config in eval mode, without pretrained weights.

    Args:
        path: a config file, or ``mmpose::...`` for a config of MMPose.
        device: where to put the model.
        cfg_options: merged into ``cfg.model`` (e.g. ``dict(backbone=dict(
            num_instances=3))``).
    """
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    cfg = get_config(path) if '::' in path else Config.fromfile(path)
    cfg.model.pop('init_cfg', None)
    cfg.model.backbone.pop('init_cfg', None)
    if cfg_options:
        cfg.merge_from_dict({'model': cfg_options})
    model = MODELS.build(cfg.model).to(device)
    model.eval()
    return model


def count_params(model: torch.nn.Module) -> int:
    """Number of parameters."""
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def interleaved_median_ms(fns: Dict[str, Callable[[], object]],
                          repeats: int = 5,
                          warmup: int = 1,
                          cuda: bool = False) -> Dict[str, float]:
    """Median wall time (ms) of each callable, timed in turns."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            if cuda:
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            fn()
            if cuda:
                torch.cuda.synchronize()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) * 1000 for name, t in times.items()}
