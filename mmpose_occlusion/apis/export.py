"""ONNX export of the pose networks (the wrappers of :mod:`.export_wrappers`)
and ONNX Runtime runners: ``export_onnx`` one wrapper, ``export_model`` every
graph of an estimator, ``onnx_max_abs_diff`` the parity check, and
``run_sequential_decoder_onnx`` the sequential decoder's step loop on its two
graphs.

The exporter is PyTorch's TorchScript-based one (``dynamo=False``); see
docs/deployment.md for why, and for the measured parity.
"""
import os.path as osp
import warnings
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor, nn

from mmpose_occlusion.models.heads.sequential_decoder_head import \
    emit_until_stop
from .export_wrappers import ExportWrapper, build_export_wrappers

__all__ = [
    'export_onnx', 'export_model', 'onnx_max_abs_diff',
    'run_sequential_decoder_onnx'
]


def export_onnx(wrapper: ExportWrapper,
                output_file: str,
                input_shape: Sequence[int],
                opset: int = 17,
                dynamic_batch: bool = True,
                batch_size: int = 2) -> str:
    """Export one wrapper with the TorchScript-based exporter.

    Args:
        wrapper: from :func:`build_export_wrappers`.
        output_file: the ``.onnx`` file to write.
        input_shape: (H, W) of the network input.
        opset: the ONNX opset.
        dynamic_batch: make the batch axis (and the selector / cue axis,
            and the sequential decoder's spatial axes) dynamic; otherwise
            every axis is fixed to the traced ``batch_size``.
        batch_size: the batch the graph is traced with.

    Returns:
        ``output_file``.
    """
    wrapper.eval()
    inputs = wrapper.example_inputs(batch_size, input_shape)
    with warnings.catch_warnings():
        # the models' shape checks are Python; parity is tested instead
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        warnings.filterwarnings('ignore', 'You are using the legacy',
                                DeprecationWarning)
        with torch.no_grad():
            torch.onnx.export(
                wrapper,
                inputs,
                output_file,
                dynamo=False,
                opset_version=opset,
                input_names=list(wrapper.input_names),
                output_names=list(wrapper.output_names),
                dynamic_axes=wrapper.dynamic_axes() if dynamic_batch else None,
                do_constant_folding=True)
    wrapper.eval()  # the exporter restores the mode it found
    return output_file


def export_model(model: nn.Module, output_file: str,
                 input_shape: Sequence[int], **kwargs) -> Dict[str, str]:
    """Export every graph of ``model`` (:func:`export_onnx` takes
    ``kwargs``); a model of several graphs writes ``<stem>.<name>.onnx``
    next to ``output_file``. Returns the files by graph name."""
    stem, ext = osp.splitext(output_file)
    files = {}
    for name, wrapper in build_export_wrappers(model).items():
        path = f'{stem}.{name}{ext or ".onnx"}' if name else output_file
        files[name] = export_onnx(wrapper, path, input_shape, **kwargs)
    return files


def _session(onnx_file):
    try:
        import onnxruntime as ort
    except ImportError as e:
        raise ImportError('running an exported model needs onnxruntime: '
                          'pip install -r requirements/tests.txt') from e
    if not isinstance(onnx_file, str):
        return onnx_file  # already a session
    return ort.InferenceSession(onnx_file, providers=['CPUExecutionProvider'])


def onnx_max_abs_diff(wrapper: ExportWrapper, onnx_file,
                      inputs: Sequence[Tensor]) -> List[float]:
    """Run ``inputs`` through ONNX Runtime and PyTorch; the max abs
    difference of every output (in ``wrapper.output_names`` order).

    Args:
        onnx_file: the exported file or an ``InferenceSession``.
    """
    session = _session(onnx_file)
    feed = {name: t.numpy() for name, t in zip(wrapper.input_names, inputs)}
    got = session.run(list(wrapper.output_names), feed)
    with torch.no_grad():
        ref = wrapper(*inputs)
    ref = (ref, ) if isinstance(ref, Tensor) else ref
    return [
        float(np.abs(g - r.numpy()).max()) if g.size else 0.0
        for g, r in zip(got, ref)
    ]


def run_sequential_decoder_onnx(encoder,
                                step,
                                inputs: np.ndarray,
                                max_steps: int = 30,
                                stop_thr: float = 0.05
                                ) -> Tuple[np.ndarray, List[np.ndarray]]:
    """``SequentialDecoderHead.run_steps`` on the two exported graphs.

    Args:
        encoder, step: the ``.onnx`` files (or sessions) of the encoder and
            step graphs.
        inputs: (B, 3, H, W) float32 images.
        max_steps, stop_thr: as ``test_cfg.max_steps`` / ``stop_thr``.

    Returns:
        Part heatmaps (B, K, h, w) and, per image, the emitted person
        heatmaps (S_b, K, h, w): steps until a step's maximum is below
        ``stop_thr`` (that step not emitted) or ``max_steps``.
    """
    encoder, step = _session(encoder), _session(step)
    parts, *context = encoder.run(None, {'input': inputs})
    feed = {f'context{s}': c for s, c in enumerate(context)}
    state_names = [
        i.name for i in step.get_inputs()
        if i.name.startswith(('h_in', 'c_in'))
    ]
    for meta in step.get_inputs():
        if meta.name in state_names:
            level = int(meta.name[4:].split('_')[0])
            feed[meta.name] = np.zeros(
                (len(inputs), meta.shape[1]) + context[level].shape[-2:],
                np.float32)
    out_names = ['heatmaps'] + [n.replace('_in', '_out') for n in state_names]
    b = len(inputs)

    def run_step():
        heatmaps, *states = step.run(out_names, feed)
        feed.update(zip(state_names, states))
        return heatmaps, heatmaps.reshape(b, -1).max(1)

    steps = emit_until_stop(run_step, b, max_steps, stop_thr)
    empty = np.zeros((0, ) + parts.shape[1:], np.float32)
    return parts, [np.stack(s) if s else empty for s in steps]
