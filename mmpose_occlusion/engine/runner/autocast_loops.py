"""Validation and test loops that run the model under ``torch.autocast``
on its own device, the CPU included (bfloat16 by default).

MMEngine's ``ValLoop(fp16=True)`` autocasts too, but the whole
``val_step``: the head then decodes bfloat16 heatmaps, which MMPose's
codecs turn into numpy arrays, and numpy has no bfloat16; and its
``autocast(enabled=False)`` switches off any autocast around it. These loops
autocast the backbone and neck (where the time goes) and run the head's
``predict`` (forward and decoding) in float32 on float32 features::

    val_cfg = dict(type='AutocastValLoop', dtype='bfloat16')
    test_cfg = dict(type='AutocastTestLoop', dtype='bfloat16')

The dtype is resolved as in :class:`AutocastOptimWrapper` (float32, with
one log line, on a CPU without native bfloat16 or for float16 on a CPU).
"""
from contextlib import contextmanager
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.registry import LOOPS
from mmengine.runner import TestLoop, ValLoop
from mmengine.runner.loops import _update_losses

from ..optim_wrappers.autocast_optim_wrapper import (autocast_context,
                                                     model_device_type,
                                                     resolve_autocast,
                                                     to_float32)

__all__ = ['AutocastValLoop', 'AutocastTestLoop', 'float32_head']


@contextmanager
def float32_head(model: nn.Module, device_type: str):
    """Inside this context ``model.head.predict`` runs with autocast off,
    on float32 copies of its input features (no-op for models without a
    ``head``)."""
    if is_model_wrapper(model):
        model = model.module
    head = getattr(model, 'head', None)
    if head is None or not hasattr(head, 'predict') or \
            'predict' in vars(head):
        yield
        return
    predict = head.predict

    def float32_predict(feats, *args, **kwargs):
        with torch.autocast(device_type=device_type, enabled=False):
            return predict(to_float32(feats), *args, **kwargs)

    head.predict = float32_predict  # an instance attribute, removed below
    try:
        yield
    finally:
        del head.predict


class _AutocastLoopMixin:
    """Resolves the dtype on the first iteration and wraps each one."""

    def _init_autocast(self, dtype: Union[str, torch.dtype]) -> None:
        self.requested_dtype = dtype
        self.device_type: Optional[str] = None
        self.cast_dtype: Optional[torch.dtype] = None

    @contextmanager
    def _autocast(self):
        model = self.runner.model
        device_type = model_device_type(model)
        if device_type != self.device_type:
            self.device_type = device_type
            self.cast_dtype = resolve_autocast(self.requested_dtype,
                                               device_type,
                                               type(self).__name__)
        if self.cast_dtype is None:
            yield
            return
        with autocast_context(device_type, self.cast_dtype), float32_head(
                model, device_type):
            yield


def _run_iter(loop, idx: int, data_batch: Sequence[dict], stage: str):
    """MMEngine 0.10.7's ``ValLoop.run_iter`` / ``TestLoop.run_iter`` with
    our autocast in place of theirs (their ``autocast(enabled=False)``
    would switch an outer autocast off)."""
    loop.runner.call_hook(
        f'before_{stage}_iter', batch_idx=idx, data_batch=data_batch)
    with loop._autocast():
        outputs = getattr(loop.runner.model, f'{stage}_step')(data_batch)
    outputs, losses = _update_losses(outputs, getattr(loop, f'{stage}_loss'))
    setattr(loop, f'{stage}_loss', losses)
    loop.evaluator.process(data_samples=outputs, data_batch=data_batch)
    loop.runner.call_hook(
        f'after_{stage}_iter',
        batch_idx=idx,
        data_batch=data_batch,
        outputs=outputs)


@LOOPS.register_module()
class AutocastValLoop(_AutocastLoopMixin, ValLoop):
    """MMEngine's ``ValLoop`` with each iteration under autocast.

    Args:
        dtype (str | torch.dtype): ``'bfloat16'`` (default), ``'float16'``
            (CUDA) or ``'float32'`` (off).
        **kwargs: ``ValLoop``'s (``runner``, ``dataloader``, ``evaluator``).
    """

    def __init__(self, *args, dtype='bfloat16', **kwargs):
        super().__init__(*args, **kwargs)
        self._init_autocast(dtype)

    @torch.no_grad()
    def run_iter(self, idx: int, data_batch: Sequence[dict]) -> None:
        _run_iter(self, idx, data_batch, 'val')


@LOOPS.register_module()
class AutocastTestLoop(_AutocastLoopMixin, TestLoop):
    """MMEngine's ``TestLoop`` with each iteration under autocast (see
    :class:`AutocastValLoop`)."""

    def __init__(self, *args, dtype='bfloat16', **kwargs):
        super().__init__(*args, **kwargs)
        self._init_autocast(dtype)

    @torch.no_grad()
    def run_iter(self, idx: int, data_batch: Sequence[dict]) -> None:
        _run_iter(self, idx, data_batch, 'test')
