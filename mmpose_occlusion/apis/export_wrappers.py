"""The export wrappers: each pose estimator as a tensor-in/tensor-out module
for ONNX (:mod:`.export` exports and runs them).

What is exported is the network, backbone to head forward (MMPose's
``forward(mode='tensor')``), not the data preprocessor (the inputs are the
normalised crops) and not the decoding of heatmaps to keypoints.

Shapes: B crops or images (dynamic), input (B, 3, H, W); K keypoints;
heatmaps (h, w), the head's output size (H/4, W/4 for our configs); MIPNet's
N instances; M selectors or cues per crop (dynamic).

Graphs (inputs -> outputs):

- ``TopdownPoseEstimator`` (stock heatmap heads; DetPoseNet's
  ``MultiScaleHeatmapHead``, whose forward is its final MSR heatmaps):
  ``input`` -> ``heatmaps`` (B, K, h, w).
- ``MIPNetPoseEstimator``: ``input``, ``selectors`` (B, M, N) ->
  ``heatmaps`` (B, M, K, h, w).
- ``HintPoseEstimator`` (hops unrolled): ``input``, ``cues``
  (B, M, H/4, W/4) -> ``heatmaps`` (B, M, K, h, w).
- Sequential decoder, encoder graph: ``input`` -> ``parts`` (B, K, h, w),
  ``context{s}`` (the halved features of level s).
- Sequential decoder, step graph (one ConvLSTM step, one person):
  ``context{s}``, ``h_in{s}_{l}``, ``c_in{s}_{l}`` -> ``heatmaps``
  (B, K, h, w), ``h_out{s}_{l}``, ``c_out{s}_{l}``.

MIPNet takes λ as an input rather than one output per λ: one graph serves
one-hot and soft selectors (paper Fig. 6), the trunk runs once per crop as
in PyTorch, and a caller who wants only λ = e0 runs only those rows.
HintPose without a cue block (``use_cue=False``) takes ``input`` only and
gives (B, K, h, w). The sequential decoder's step loop stops on the data
(a step's maximum below ``stop_thr``), so it is exported as two graphs and
looped in Python by :func:`run_sequential_decoder_onnx`, as
``SequentialDecoderHead.run_steps`` does; s indexes the pyramid levels
(finest first) and l the stacked ConvLSTMs; the sequential decoder's graphs
have dynamic height and width as well (bottom-up inputs vary in size).

The exporter is PyTorch's TorchScript-based one (``dynamo=False``); see
docs/deployment.md for why, and for the measured parity.
"""
from typing import Dict, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from mmpose_occlusion.models.backbones.hrnet_stages import run_hrnet_stem
from mmpose_occlusion.models.backbones.multi_instance import repeat_rows
from mmpose_occlusion.models.heads import SequentialDecoderHead
from mmpose_occlusion.models.pose_estimators import (HintPoseEstimator,
                                                     MIPNetPoseEstimator)

__all__ = [
    'ExportWrapper', 'TopdownExportWrapper', 'MIPNetExportWrapper',
    'HintPoseExportWrapper', 'SeqDecoderEncoderWrapper',
    'SeqDecoderStepWrapper', 'build_export_wrappers'
]

Axes = Dict[str, Dict[int, str]]


def _split_rows(rows: Tensor, per_crop) -> Tensor:
    """(B * M, ...) -> (B, M, ...) (a Reshape: ``unflatten`` needs opset
    13, MMDeploy's configs use 11)."""
    return rows.reshape((-1, per_crop) + tuple(rows.shape[1:]))


def _heatmaps(out, model) -> Tensor:
    if not isinstance(out, Tensor):
        raise NotImplementedError(
            f'{type(model.head).__name__}.forward gives '
            f'{type(out).__name__}, not one heatmap tensor; only heatmap '
            'heads are exported')
    return out


class ExportWrapper(nn.Module):
    """A pose estimator as a tensor-in/tensor-out module (eval mode).

    Subclasses set ``input_names`` and ``output_names`` and give
    ``forward``, ``dynamic_axes`` and ``example_inputs``.

    Args:
        model (nn.Module): the MMPose estimator (not copied; put in eval
            mode).
    """

    input_names: Tuple[str, ...] = ('input', )
    output_names: Tuple[str, ...] = ('heatmaps', )

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.eval()

    def dynamic_axes(self) -> Axes:
        """The dynamic axes of every input and output by name."""
        return {
            name: {
                0: 'batch'
            }
            for name in self.input_names + self.output_names
        }

    def example_inputs(self, batch_size: int,
                       input_shape: Sequence[int]) -> Tuple[Tensor, ...]:
        """Random inputs for a batch of ``batch_size`` crops of
        ``input_shape`` (H, W)."""
        return (torch.randn(batch_size, 3, *input_shape), )


class TopdownExportWrapper(ExportWrapper):
    """A ``TopdownPoseEstimator`` with a heatmap head: input (B, 3, H, W)
    -> heatmaps (B, K, h, w), the head's forward (for DetPoseNet's
    ``MultiScaleHeatmapHead`` the final MSR heatmaps; its MSS heatmaps are
    training targets only and are not exported)."""

    def forward(self, input: Tensor) -> Tensor:
        return _heatmaps(self.model._forward(input), self.model)


class MIPNetExportWrapper(ExportWrapper):
    """MIPNet with the instance selectors as an input: input (B, 3, H, W),
    selectors (B, M, N) -> heatmaps (B, M, K, h, w); heatmaps[b, m] is
    crop b under selector m (one-hot e_i for instance i, or soft)."""

    input_names = ('input', 'selectors')

    def dynamic_axes(self) -> Axes:
        return dict(
            input={0: 'batch'},
            selectors={
                0: 'batch',
                1: 'num_selectors'
            },
            heatmaps={
                0: 'batch',
                1: 'num_selectors'
            })

    def example_inputs(self, batch_size, input_shape):
        n = self.model.num_instances
        eye = torch.eye(n).unsqueeze(0).expand(batch_size, -1, -1)
        return (torch.randn(batch_size, 3, *input_shape), eye.contiguous())

    def forward(self, input: Tensor, selectors: Tensor) -> Tensor:
        model, backbone = self.model, self.model.backbone
        n = backbone.num_instances
        if not torch.jit.is_tracing() and (selectors.dim() != 3 or
                                           selectors.shape[0] != input.shape[0]
                                           or selectors.shape[2] != n):
            raise ValueError(
                f'selectors must be (B, M, N) = ({input.shape[0]}, M, {n}), '
                f'got {tuple(selectors.shape)}')
        feats = backbone(input, selectors)  # (B * M) rows, image-major
        if model.with_neck:
            feats = model.neck(feats)
        heatmaps = _heatmaps(model.head.forward(feats), model)
        return _split_rows(heatmaps, selectors.shape[1])


class HintPoseExportWrapper(ExportWrapper):
    """HintPose with the cue heatmaps as an input and its hops unrolled:
    input (B, 3, H, W), cues (B, M, H/4, W/4) -> heatmaps (B, M, K, h, w)
    of hop ``test_cfg.output_hop`` (default: the last); heatmaps[b, m] is
    crop b under cue m. The stem runs once per crop, as in PyTorch.
    Without a cue block: input -> heatmaps (B, K, h, w)."""

    def __init__(self, model):
        super().__init__(model)
        self.use_cue = model.backbone.use_cue
        if self.use_cue:
            self.input_names = ('input', 'cues')
        self.hops = model.test_cfg.get('output_hop', model.num_hops)

    def dynamic_axes(self) -> Axes:
        if not self.use_cue:
            return super().dynamic_axes()
        return dict(
            input={0: 'batch'},
            cues={
                0: 'batch',
                1: 'num_cues'
            },
            heatmaps={
                0: 'batch',
                1: 'num_cues'
            })

    def example_inputs(self, batch_size, input_shape):
        x = torch.randn(batch_size, 3, *input_shape)
        if not self.use_cue:
            return (x, )
        h, w = (s // 4 for s in input_shape)
        return (x, torch.rand(batch_size, 1, h, w))

    def forward(self, input: Tensor, cues: Optional[Tensor] = None):
        backbone = self.model.backbone
        if self.use_cue:
            if cues is None:
                raise ValueError('this HintPose model has a cue block: pass '
                                 'cues (B, M, H/4, W/4)')
            num_cues = cues.shape[1]
            x = repeat_rows(run_hrnet_stem(backbone, input), num_cues)
            rows = cues.flatten(0, 1).unsqueeze(1)
            x = backbone.cue_block(x, rows)
            f1 = backbone.layer1(x)
        else:
            rows = None
            f1 = backbone.forward_stem(input)
        heatmaps = None
        for hop in range(self.hops):
            feats = backbone.forward_hop(f1, heatmaps, hop, rows)
            heatmaps = _heatmaps(self.model.head.forward(feats), self.model)
        return _split_rows(heatmaps, num_cues) if self.use_cue else heatmaps


def _seq_axes(names: Sequence[str], levels: Sequence[int]) -> Axes:
    """Batch and the spatial size of pyramid level ``levels[i]``."""
    return {
        n: {
            0: 'batch',
            2: f'height{s}',
            3: f'width{s}'
        }
        for n, s in zip(names, levels)
    }


class SeqDecoderEncoderWrapper(ExportWrapper):
    """The sequential decoder's per-image part: input (B, 3, H, W) ->
    parts (B, K, h, w) (sigmoid) and the halved features ``context{s}``
    every step reads."""

    def __init__(self, model):
        super().__init__(model)
        n = len(model.head.in_channels)
        self.output_names = ('parts', ) + tuple(f'context{s}'
                                                for s in range(n))

    def dynamic_axes(self) -> Axes:
        axes = dict(input={0: 'batch', 2: 'height', 3: 'width'})
        n = len(self.output_names) - 1
        axes.update(_seq_axes(self.output_names, [0] + list(range(n))))
        return axes

    def forward(self, input: Tensor) -> Tuple[Tensor, ...]:
        head = self.model.head
        # backbone C1..C4, then the neck appends the fused part features
        pyramid, fused = head._split_feats(self.model.extract_feat(input))
        return (head.part_localizer(fused).sigmoid(),
                *head.person_decoder.prepare(pyramid))


class SeqDecoderStepWrapper(ExportWrapper):
    """One step of the sequential decoder (one person): the context and
    the ConvLSTM states (h, c) -> that person's heatmaps (B, K, h, w)
    (sigmoid) and the new states. The first step takes zero states."""

    def __init__(self, model):
        super().__init__(model)
        cells = model.head.person_decoder.cells
        self.num_levels = len(cells)
        self.layers = [(s, i) for s in range(len(cells))
                       for i in range(len(cells[s]))]
        ctx = tuple(f'context{s}' for s in range(self.num_levels))
        self.input_names = ctx + tuple(f'{k}_in{s}_{i}' for s, i in self.layers
                                       for k in 'hc')
        self.output_names = ('heatmaps', ) + tuple(f'{k}_out{s}_{i}'
                                                   for s, i in self.layers
                                                   for k in 'hc')

    def dynamic_axes(self) -> Axes:
        levels = list(range(self.num_levels))
        levels += [s for s, _ in self.layers for _ in 'hc']
        axes = _seq_axes(self.input_names, levels)
        axes.update(
            _seq_axes(self.output_names, [0] + levels[self.num_levels:]))
        return axes

    def example_inputs(self, batch_size, input_shape):
        """The context of a random image and random states."""
        encoder = SeqDecoderEncoderWrapper(self.model)
        with torch.no_grad():
            context = encoder(torch.randn(batch_size, 3, *input_shape))[1:]
        cells = self.model.head.person_decoder.cells
        states = []
        for s, i in self.layers:
            c = cells[s][i].hidden_channels
            shape = (batch_size, c) + tuple(context[s].shape[-2:])
            states += [torch.randn(shape) * 0.5, torch.randn(shape)]
        return tuple(context) + tuple(states)

    def forward(self, *inputs: Tensor) -> Tuple[Tensor, ...]:
        decoder = self.model.head.person_decoder
        context = list(inputs[:self.num_levels])
        flat = inputs[self.num_levels:]
        states = decoder.init_states()
        for j, (s, i) in enumerate(self.layers):
            states[s][i] = (flat[2 * j], flat[2 * j + 1])
        logits, states = decoder.step(context, states)
        return (logits.sigmoid(), *(t for s, i in self.layers
                                    for t in states[s][i]))


def build_export_wrappers(model: nn.Module) -> Dict[str, ExportWrapper]:
    """The graphs that export ``model``, by name: ``{'': wrapper}`` for
    one graph; ``{'encoder': ..., 'step': ...}`` for the sequential
    decoder."""
    from mmpose.models.pose_estimators import (BottomupPoseEstimator,
                                               TopdownPoseEstimator)
    if isinstance(model, MIPNetPoseEstimator):
        return {'': MIPNetExportWrapper(model)}
    if isinstance(model, HintPoseEstimator):
        return {'': HintPoseExportWrapper(model)}
    if isinstance(model, TopdownPoseEstimator):
        return {'': TopdownExportWrapper(model)}
    if isinstance(model, BottomupPoseEstimator) and isinstance(
            model.head, SequentialDecoderHead):
        return dict(
            encoder=SeqDecoderEncoderWrapper(model),
            step=SeqDecoderStepWrapper(model))
    raise NotImplementedError(
        f'no ONNX export for {type(model).__name__} with '
        f'{type(getattr(model, "head", None)).__name__}: top-down '
        'estimators (stock, MIPNet, HintPose, DetPoseNet) and the sequential '
        'decoder are supported')
