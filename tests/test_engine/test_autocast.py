"""AutocastOptimWrapper and the autocast evaluation loops: bfloat16 inside
the context on a CPU that supports it, float32 parameters and gradients,
a clean float32 fallback with one log line, and configs that use them."""
import os.path as osp

import pytest
import torch
import torch.nn as nn
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.runner import Runner

from mmpose_occlusion.engine import AutocastOptimWrapper, cpu_supports_bf16
from mmpose_occlusion.engine.optim_wrappers import autocast_optim_wrapper

needs_bf16 = pytest.mark.skipif(
    not cpu_supports_bf16(), reason='this CPU has no native bfloat16')
CONFIG = osp.join(REPO_ROOT, 'configs', 'baseline',
                  'td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py')


class Net(nn.Module):

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.seen = []

    def forward(self, x):
        y = self.conv(x)
        self.seen.append(y.dtype)
        return y


def _wrapper(model, dtype='bfloat16'):
    return build_optim_wrapper(
        model,
        dict(
            type='AutocastOptimWrapper',
            dtype=dtype,
            optimizer=dict(type='SGD', lr=0.1)))


@pytest.fixture
def warnings_logged(monkeypatch):
    logged = []
    logger = MMLogger.get_current_instance()
    monkeypatch.setattr(logger, 'warning', logged.append)
    return logged


@needs_bf16
def test_conv_runs_in_bf16_and_parameters_stay_fp32():
    model = Net()
    wrapper = _wrapper(model)
    assert isinstance(wrapper, AutocastOptimWrapper)
    before = model.conv.weight.detach().clone()
    x = torch.randn(2, 3, 8, 8)
    with wrapper.optim_context(model):
        loss = model(x).float().pow(2).mean()
    wrapper.update_params(loss)
    assert model.seen == [torch.bfloat16]
    assert model.conv.weight.dtype == torch.float32
    assert model.conv.weight.grad is None or \
        model.conv.weight.grad.dtype == torch.float32
    assert not torch.equal(before, model.conv.weight)  # it stepped
    assert wrapper.loss_scaler is None  # bf16: no scaler
    assert 'loss_scaler' not in wrapper.state_dict()
    # outside the context the model is float32 again
    model(x)
    assert model.seen[-1] == torch.float32


@needs_bf16
def test_gradients_are_fp32_and_close_to_fp32_training():
    torch.manual_seed(0)
    ref, amp = Net(), Net()
    amp.load_state_dict(ref.state_dict())
    x = torch.randn(4, 3, 8, 8)
    grads = []
    for model, wrapper in ((ref, _wrapper(ref, 'float32')),
                           (amp, _wrapper(amp, 'bfloat16'))):
        with wrapper.optim_context(model):
            loss = model(x).float().pow(2).mean()
        wrapper.backward(loss)
        grads.append(model.conv.weight.grad)
    assert ref.seen == [torch.float32] and amp.seen == [torch.bfloat16]
    assert grads[1].dtype == torch.float32
    # bf16 keeps 8 mantissa bits: gradients agree to about 1 %
    torch.testing.assert_close(grads[1], grads[0], rtol=0.05, atol=0.02)


def test_falls_back_to_fp32_without_cpu_bf16(monkeypatch, warnings_logged):
    monkeypatch.setattr(autocast_optim_wrapper, 'cpu_supports_bf16',
                        lambda: False)
    model = Net()
    wrapper = _wrapper(model)
    for _ in range(3):
        with wrapper.optim_context(model):
            loss = model(torch.randn(1, 3, 8, 8)).pow(2).mean()
        wrapper.update_params(loss)
    assert model.seen == [torch.float32] * 3
    assert wrapper.cast_dtype is None
    assert len(warnings_logged) == 1  # one line, not one per step
    assert 'no native bfloat16' in warnings_logged[0]
    assert 'float32' in warnings_logged[0]


def test_float16_on_cpu_falls_back_and_names_the_fix(warnings_logged):
    model = Net()
    wrapper = _wrapper(model, 'float16')
    with wrapper.optim_context(model):
        model(torch.randn(1, 3, 8, 8))
    assert model.seen == [torch.float32]
    assert wrapper.loss_scaler is None
    assert len(warnings_logged) == 1
    assert "dtype='bfloat16'" in warnings_logged[0]


def test_bad_dtype_and_loss_scale_are_named():
    with pytest.raises(ValueError, match="'int8'"):
        _wrapper(Net(), 'int8')
    with pytest.raises(TypeError, match='loss_scale'):
        AutocastOptimWrapper(
            optimizer=torch.optim.SGD(Net().parameters(), lr=0.1),
            loss_scale='static')


def test_state_dict_round_trip_keeps_the_optimizer_state():
    model = Net()
    wrapper = _wrapper(model)
    with wrapper.optim_context(model):
        loss = model(torch.randn(1, 3, 8, 8)).float().pow(2).mean()
    wrapper.update_params(loss)
    state = wrapper.state_dict()
    other = _wrapper(Net())
    other.load_state_dict(state)
    assert other.optimizer.state_dict()['param_groups'] == \
        wrapper.optimizer.state_dict()['param_groups']


def _tiny_cfg(data_root, work_dir):
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = work_dir
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=100)
    cfg.default_hooks.logger.interval = 1
    cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0)]
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[name].batch_size = 8
        cfg[name].num_workers = 0
        cfg[name].persistent_workers = False
        cfg[name].dataset.data_root = data_root
    cfg.test_evaluator.ann_file = osp.join(
        data_root, 'annotations/person_keypoints_val.json')
    cfg.val_evaluator = cfg.test_evaluator
    return cfg


@needs_bf16
def test_runner_trains_with_the_wrapper_and_tests_under_autocast(
        tiny_synth, tmp_path):
    """A stock MMPose config trains through the Runner with the wrapper,
    and AutocastTestLoop tests it: the backbone in bf16, the head's
    decoding in fp32, keypoints within a heatmap pixel of fp32 testing."""
    cfg = _tiny_cfg(tiny_synth, str(tmp_path / 'w'))
    cfg.optim_wrapper = dict(
        type='AutocastOptimWrapper',
        dtype='bfloat16',
        optimizer=dict(type='AdamW', lr=2e-3))
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert isinstance(runner.optim_wrapper, AutocastOptimWrapper)
    assert runner.optim_wrapper.cast_dtype == torch.bfloat16
    assert runner.model.backbone.conv1.weight.dtype == torch.float32

    preds = {}
    for loop in ('TestLoop', 'AutocastTestLoop'):
        cfg_t = _tiny_cfg(tiny_synth, str(tmp_path / loop))
        cfg_t.test_cfg = dict(type=loop)
        cfg_t.load_from = osp.join(str(tmp_path / 'w'), 'epoch_1.pth')
        tester = Runner.from_cfg(cfg_t)
        dtypes = []
        tester.model.backbone.conv1.register_forward_hook(
            lambda m, i, o: dtypes.append(o.dtype))
        metric = tester.test_evaluator.metrics[0]
        got = []
        metric.process = (lambda batch, samples, _p=metric.process:
                          (got.extend(s['pred_instances']['keypoints']
                                      for s in samples), _p(batch, samples)))
        metrics = tester.test()
        assert 0.0 <= metrics['coco/AP'] <= 1.0
        preds[loop] = (dtypes, got)
    assert set(preds['TestLoop'][0]) == {torch.float32}
    assert set(preds['AutocastTestLoop'][0]) == {torch.bfloat16}
    ref, amp = preds['TestLoop'][1], preds['AutocastTestLoop'][1]
    assert len(ref) == len(amp) > 0
    # the input is 96 px wide and the heatmap 24: one heatmap px = 4 image
    # px at the synthetic people's scale; most keypoints agree far better
    diffs = torch.cat(
        [torch.as_tensor(a - r).abs().flatten() for a, r in zip(amp, ref)])
    assert diffs.median() < 4.0


@needs_bf16
def test_channels_last_converts_the_weights_once_and_trains():
    model = Net()
    wrapper = build_optim_wrapper(
        model,
        dict(
            type='AutocastOptimWrapper',
            channels_last=True,
            optimizer=dict(type='SGD', lr=0.1)))
    assert model.conv.weight.is_contiguous()  # nothing before the 1st step
    x = torch.randn(2, 3, 8, 8)
    with wrapper.optim_context(model):
        loss = model(x).float().pow(2).mean()
    wrapper.update_params(loss)
    assert model.conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert model.seen == [torch.bfloat16]
    ref = Net()
    ref.load_state_dict(model.state_dict())  # loads into a plain model
    torch.testing.assert_close(ref(x), model(x))


@pytest.mark.parametrize('scope', ['mmpose', 'mmdet', 'mmengine'])
def test_builds_from_any_openmmlab_scope(scope):
    """Registered in MMEngine's root registry: an MMDetection config (or
    any other) finds it as well as an MMPose one."""
    from mmengine.registry import init_default_scope
    if scope == 'mmdet':
        import mmdet.registry  # noqa: F401
    init_default_scope(scope)  # the autouse fixture resets it to mmpose
    wrapper = build_optim_wrapper(
        Net(),
        dict(type='AutocastOptimWrapper', optimizer=dict(type='SGD', lr=0.1)))
    assert isinstance(wrapper, AutocastOptimWrapper)
