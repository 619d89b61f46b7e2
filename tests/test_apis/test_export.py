"""ONNX export: every exported model against PyTorch through ONNX Runtime,
at batch 1 and 3 from one dynamic-batch graph, and the extra inputs (MIPNet's
selectors, HintPose's cues, the decoder's states) wired through."""
import os.path as osp
import runpy
import sys

import numpy as np
import onnxruntime as ort
import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from mmpose.registry import MODELS
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmpose_occlusion.apis import (HintPoseExportWrapper, MIPNetExportWrapper,
                                   build_export_wrappers, export_model,
                                   export_onnx, onnx_max_abs_diff,
                                   run_sequential_decoder_onnx)

TOL = 1e-4  # max abs heatmap difference ONNX Runtime vs PyTorch
SHAPE = (128, 96)  # (H, W) of the synthetic top-down configs
CONFIGS = dict(
    baseline='baseline/td-hm_hrnet-w16-small_1xb32-6e_synthcrowd-128x96.py',
    detposenet='detposenet/td-hm_hrnet-w16-small-detposenet_1xb32-6e_'
    'synthcrowd-128x96.py',
    mipnet_hrnet='mipnet/td-hm_hrnet-w16-small-mipnet_1xb32-6e_synthcrowd-'
    '128x96.py',
    mipnet_resnet='mipnet/td-hm_res18-half-mipnet_1xb32-6e_synthcrowd-'
    '128x96.py',
    hintpose='hintpose/td-hm_hrnet-w16-small-hintpose_1xb32-6e_synthcrowd-'
    '128x96.py',
    seqdecoder='seqdecoder/seqdec_res18-half_1xb16-16e_synthcrowd-128x160.py')


def _config(name):
    return Config.fromfile(osp.join(REPO_ROOT, 'configs', CONFIGS[name]))


def _model(name, shape=SHAPE, **backbone):
    """The config's model with every layer randomly initialised (PyTorch's
    defaults: the zero-initialised cue/feedback blocks and MIMB gates of the
    configs would hide whether an input is wired through), heatmaps of a
    trained model's scale (peaks near 1, where TOL is meant) and BatchNorm
    statistics of a random batch, in eval mode."""
    cfg = _config(name)
    cfg.model.backbone.update(backbone)
    model = MODELS.build(cfg.model)
    for m in model.modules():
        if hasattr(m, 'reset_parameters'):
            m.reset_parameters()
    if name != 'seqdecoder':  # (its heatmaps are sigmoids)
        for m in model.head.modules():  # the layers that give heatmaps
            if isinstance(m, nn.Conv2d) and m.out_channels == 17:
                m.weight.data.mul_(0.1)
                m.bias.data.mul_(0.1)
    bns = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    for bn in bns:
        bn.momentum = None  # a cumulative average: one batch's statistics
    model.train()
    with torch.no_grad():
        model(torch.randn(4, 3, *shape), None, mode='tensor')
    return model.eval()


def _ort_run(path, feed):
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    return session.run(None, {k: v.numpy() for k, v in feed.items()})


@pytest.mark.parametrize('name', ['baseline', 'detposenet'])
def test_topdown_heatmaps_match_pytorch(name, tmp_path):
    model = _model(name)
    path = export_model(model, str(tmp_path / 'm.onnx'), SHAPE)['']
    wrapper = build_export_wrappers(model)['']
    for batch in (1, 3):
        x = torch.randn(batch, 3, *SHAPE)
        (got, ) = _ort_run(path, dict(input=x))
        with torch.no_grad():  # the estimator's own tensor mode
            ref = model(x, None, mode='tensor')
        assert got.shape == (batch, 17, 32, 24)
        assert np.abs(got - ref.numpy()).max() <= TOL
        assert onnx_max_abs_diff(wrapper, path, [x])[0] <= TOL
    if name == 'detposenet':  # the final (MSR) heatmaps, not an MSS scale
        with torch.no_grad():
            sides, final = model.head.forward_all(model.extract_feat(x))
        assert np.abs(got - final.numpy()).max() <= TOL
        assert np.abs(got - sides[-1].numpy()).max() > 100 * TOL


@pytest.mark.parametrize('name', ['mipnet_hrnet', 'mipnet_resnet'])
def test_mipnet_selectors_are_an_input(name, tmp_path):
    model = _model(name)
    wrapper = build_export_wrappers(model)['']
    assert isinstance(wrapper, MIPNetExportWrapper)
    path = export_onnx(wrapper, str(tmp_path / 'mip.onnx'), SHAPE)
    for batch in (1, 3):
        x = torch.randn(batch, 3, *SHAPE)
        eye = torch.eye(2).expand(batch, -1, -1)
        (got, ) = _ort_run(path, dict(input=x, selectors=eye))
        with torch.no_grad():  # all one-hot selectors, (B * N, K, h, w)
            ref = model(x, None, mode='tensor').unflatten(0, (batch, 2))
        assert got.shape == (batch, 2, 17, 32, 24)
        assert np.abs(got - ref.numpy()).max() <= TOL
        # λ = e0 and λ = e1 give different poses through the graph
        assert np.abs(got[:, 0] - got[:, 1]).max() > 100 * TOL
    # any number of soft selectors per crop
    soft = torch.tensor([[[0.7, 0.3], [0.2, 0.8], [1.0, 0.0]]] * 3)
    assert onnx_max_abs_diff(wrapper, path, [x, soft])[0] <= TOL


def _gaussian(y, x, sigma=2.0, shape=(32, 24)):
    """A cue map as ``GenerateInstanceCue`` draws it."""
    yy, xx = torch.meshgrid(
        torch.arange(shape[0]), torch.arange(shape[1]), indexing='ij')
    return torch.exp(-((yy - y)**2 + (xx - x)**2) / (2 * sigma**2))


@pytest.mark.parametrize('hop_norm,cue_stages', [('shared', ()),
                                                 ('per_hop', ()),
                                                 ('shared', (2, 3, 4))])
def test_hintpose_cues_are_an_input(hop_norm, cue_stages, tmp_path):
    model = _model('hintpose', cue_stages=cue_stages)
    if hop_norm == 'per_hop':  # hops normalised by their own statistics
        model.backbone.init_hop_stats()
        for bn in model.backbone.hop_norm_layers():
            bn.hop_running_mean.add_(
                torch.randn_like(bn.hop_running_mean) * 0.1)
    wrapper = build_export_wrappers(model)['']
    assert isinstance(wrapper, HintPoseExportWrapper) and wrapper.hops == 3
    path = export_onnx(wrapper, str(tmp_path / 'hint.onnx'), SHAPE)
    for batch in (1, 3):
        x = torch.randn(batch, 3, *SHAPE)
        cues = torch.stack([_gaussian(8, 6), _gaussian(24, 18)])
        cues = cues.expand(batch, -1, -1, -1)  # two people's cues
        (got, ) = _ort_run(path, dict(input=x, cues=cues))
        with torch.no_grad():  # the estimator's hop loop, 2 rows per crop
            ref = model.forward_hops(x,
                                     cues.flatten(0, 1)[:, None],
                                     [2] * batch)[0][-1]
        assert got.shape == (batch, 2, 17, 32, 24)
        assert np.abs(got - ref.unflatten(0, (batch, 2)).numpy()).max() \
            <= TOL
        assert np.abs(got[:, 0] - got[:, 1]).max() > 100 * TOL
    # the hops are unrolled: hop 3 differs from hop 1
    with torch.no_grad():
        hop1 = model.forward_hops(
            x, cues.flatten(0, 1)[:, None], [2] * batch, hops=1)[0][-1]
    assert np.abs(got - hop1.unflatten(0, (batch, 2)).numpy()).max() \
        > 100 * TOL


def test_hintpose_without_cue_block_takes_the_image_only(tmp_path):
    model = _model('hintpose', use_cue=False)  # recurrent refinement only
    wrapper = build_export_wrappers(model)['']
    assert wrapper.input_names == ('input', )
    path = export_onnx(wrapper, str(tmp_path / 'rr.onnx'), SHAPE)
    for batch in (1, 3):
        x = torch.randn(batch, 3, *SHAPE)
        (got, ) = _ort_run(path, dict(input=x))
        with torch.no_grad():
            ref = model(x, None, mode='tensor')
        assert got.shape == (batch, 17, 32, 24)
        assert np.abs(got - ref.numpy()).max() <= TOL


def test_sequential_decoder_step_loop(tmp_path):
    shape = (160, 128)
    model = _model('seqdecoder', shape)
    files = export_model(model, str(tmp_path / 'seq.onnx'), shape)
    assert sorted(files) == ['encoder', 'step']
    wrappers = build_export_wrappers(model)
    for name, wrapper in wrappers.items():
        for batch, size in ((1, shape), (3, (192, 128))):  # any input size
            inputs = wrapper.example_inputs(batch, size)
            diffs = onnx_max_abs_diff(wrapper, files[name], inputs)
            for out, diff in zip(wrapper.output_names, diffs):
                # heatmaps in [0, 1]; features and states are O(10)
                tol = TOL if out in ('parts', 'heatmaps') else 10 * TOL
                assert diff <= tol, (name, out)
    # the Python loop over the step graph is run_steps
    x = torch.randn(2, 3, *shape)
    with torch.no_grad():
        parts, steps = model.head.run_steps(
            model.extract_feat(x), max_steps=3, stop_thr=0.0)
    got_parts, got_steps = run_sequential_decoder_onnx(
        files['encoder'], files['step'], x.numpy(), max_steps=3, stop_thr=0.0)
    assert np.abs(got_parts - parts.numpy()).max() <= TOL
    for got, ref in zip(got_steps, steps):
        assert got.shape == ref.shape == (3, 17, 40, 32)
        assert np.abs(got - ref.numpy()).max() <= TOL
    # the states carry the decoder's memory: the steps differ
    assert np.abs(got_steps[0][0] - got_steps[0][1]).max() > 100 * TOL
    # the stop rule: nothing is emitted above the largest peak
    _, none = run_sequential_decoder_onnx(
        files['encoder'],
        files['step'],
        x.numpy(),
        stop_thr=float(max(s.max() for s in got_steps)) + 1e-3)
    assert [len(s) for s in none] == [0, 0]


def test_unsupported_model_and_bad_selectors_are_named():
    cfg = Config.fromfile(
        osp.join(
            REPO_ROOT, 'configs/bottomup/'
            'ae_hrnet-w16-small_1xb16-6e_synthcrowd-256x256.py'))
    with pytest.raises(NotImplementedError, match='BottomupPoseEstimator'):
        build_export_wrappers(MODELS.build(cfg.model))
    wrapper = build_export_wrappers(
        MODELS.build(_config('mipnet_resnet').model))['']
    with pytest.raises(ValueError, match=r'selectors must be \(B, M, N\)'):
        wrapper(torch.randn(1, 3, *SHAPE), torch.ones(1, 2, 3))


def test_pytorch2onnx_tool_verifies(tmp_path, monkeypatch, capsys):
    model = _model('baseline')
    ckpt = str(tmp_path / 'baseline.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    out = str(tmp_path / 'out' / 'baseline.onnx')
    tool = osp.join(REPO_ROOT, 'tools/deployment/pytorch2onnx.py')
    monkeypatch.setattr(sys, 'argv', [
        tool,
        osp.join(REPO_ROOT, 'configs', CONFIGS['baseline']), ckpt,
        '--output-file', out, '--dynamic-batch', '--verify'
    ])
    runpy.run_path(tool, run_name='__main__')  # in-process: no re-import
    lines = [
        ln for ln in capsys.readouterr().out.splitlines() if 'verify' in ln
    ]
    assert len(lines) == 2  # batch 1 and 3
    assert all(
        float(ln.split('PyTorch ')[1].split()[0]) <= TOL for ln in lines)
    # the checkpoint was loaded: the graph gives the trained model's output
    x = torch.randn(2, 3, *SHAPE)
    (got, ) = _ort_run(out, dict(input=x))
    with torch.no_grad():
        ref = model(x, None, mode='tensor')
    assert np.abs(got - ref.numpy()).max() <= TOL
