import pytest
import torch
from conftest import TINY_HRNET
from mmpose.models.backbones import HRNet, ResNet

from mmpose_occlusion.models.backbones import (MIPHRNet, MIPResNet,
                                               one_hot_selectors)


def _x(b=2):
    torch.manual_seed(0)
    return torch.randn(b, 3, 64, 64)


@pytest.mark.parametrize('build', [
    lambda: (HRNet(extra=TINY_HRNET), MIPHRNet(extra=TINY_HRNET)),
    lambda: (ResNet(depth=18), MIPResNet(depth=18)),
])
def test_stock_weights_load_unchanged(build):
    stock, mip = build()
    result = mip.load_state_dict(stock.state_dict(), strict=False)
    assert result.unexpected_keys == []
    assert result.missing_keys and all(
        k.startswith('mimb.') for k in result.missing_keys)


def test_hrnet_mimbs_at_the_official_positions():
    """Official SE_MODULES [F, F, T, T]: every branch entering stage 4, and
    stage 4's output."""
    mip = MIPHRNet(extra=TINY_HRNET)
    assert mip.mimb_positions == ('stage4_in', 'stage4_out')
    assert [m.channels for m in mip.mimb['stage4_in']] == [8, 16, 32, 64]
    # stage 4 outputs only its first branch (multiscale_output=False)
    assert [m.channels for m in mip.mimb['stage4_out']] == [8]
    mip = MIPHRNet(
        extra=dict(
            TINY_HRNET,
            stage4=dict(TINY_HRNET['stage4'], multiscale_output=True)),
        mimb_positions=('stage3_in', 'stage4_out'))
    assert [m.channels for m in mip.mimb['stage3_in']] == [8, 16, 32]
    assert [m.channels for m in mip.mimb['stage4_out']] == [8, 16, 32, 64]
    with pytest.raises(ValueError, match='mimb_positions'):
        MIPHRNet(extra=TINY_HRNET, mimb_positions=('stage1_in', ))


def _mimb_params(c, n=2):
    """The official SELambdaLayer's parameters for C channels, N = 2:
    F_ex C*C/4 + C/4*C; F_em (N*C/4 + C/4) + BN 2*C/4 + (C/4*C + C)."""
    h = c // 4
    return 2 * c * h + (n * h + h) + 2 * h + (h * c + c)


def test_parameter_overhead_is_the_papers():
    """HRNet-W32: 28.5 M -> 28.6 M (+67,200); ResNet-50: +1.0 M."""
    from mmpose_occlusion.utils import load_config
    w32 = load_config(
        'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
        'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py',
        'config').model.backbone.extra  # MMPose's HRNet-W32

    def count(m):
        return sum(p.numel() for p in m.parameters())

    extra = count(MIPHRNet(extra=w32)) - count(HRNet(extra=w32))
    assert extra == sum(_mimb_params(c) for c in (32, 64, 128, 256, 32))
    assert extra == 67200
    extra = count(MIPResNet(depth=50)) - count(ResNet(depth=50))
    assert extra == _mimb_params(512) + _mimb_params(1024) == 986496


@pytest.mark.parametrize('backbone', [
    lambda: MIPHRNet(extra=TINY_HRNET, num_instances=3),
    lambda: MIPResNet(depth=18, num_instances=3),
])
def test_lambda_changes_the_output_rows_are_image_major(backbone):
    net = backbone()
    net.eval()  # (MMPose backbones' train() returns None)
    x = _x()
    with torch.no_grad():
        out = net(x, one_hot_selectors(2, 3))[-1]
        single = net(x)[-1]  # no selectors: λ = 0
        second = net(x[1:], one_hot_selectors(1, 3))[-1]
    assert out.shape[0] == 6
    torch.testing.assert_close(out[0::3], single, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(out[3:], second, rtol=1e-4, atol=1e-5)
    assert not torch.allclose(out[0], out[1])
    assert not torch.allclose(out[1], out[2])


@pytest.mark.parametrize('backbone, trunk_module, rest_module', [
    (lambda: MIPHRNet(extra=TINY_HRNET), 'stage3', 'stage4'),
    (lambda: MIPResNet(depth=18), 'layer2', 'layer3'),
])
def test_trunk_runs_once_and_the_rest_on_all_selectors(backbone, trunk_module,
                                                       rest_module):
    net = backbone()
    seen = {trunk_module: [], rest_module: []}
    for name in seen:
        getattr(net, name).register_forward_hook(
            lambda m, i, o, name=name: seen[name].append(
                (i[0][0] if isinstance(i[0], list) else i[0]).shape[0]))
    net(_x(b=2), one_hot_selectors(2, 2))
    assert seen[trunk_module] == [2]  # once, on B images
    assert seen[rest_module] == [4]  # once, on B * N rows


def test_resnet_mimbs_gate_the_inputs_of_its_last_two_stages():
    net = MIPResNet(depth=50)
    assert sorted(net.mimb) == ['stage2', 'stage3']
    assert net.mimb['stage2'].channels == 512
    assert net.mimb['stage3'].channels == 1024


def test_selector_shape_is_checked():
    net = MIPResNet(depth=18, num_instances=2)
    with pytest.raises(ValueError, match='selectors must be'):
        net(_x(), torch.zeros(2, 2, 3))


@pytest.mark.parametrize('backbone', [
    dict(type='HRNet', extra=TINY_HRNET),
    dict(type='ResNet', depth=18),
])
def test_neutral_mimbs_give_the_stock_output_for_every_lambda(backbone):
    """Fine-tuning from a trained stock model: with init='neutral' the
    freshly built MIPNet, stock weights loaded, gives the stock heatmaps
    for every λ at step 0; the MIMBs still get gradients."""
    from mmpose.registry import MODELS
    channels = 8 if backbone['type'] == 'HRNet' else 512
    head = dict(
        type='HeatmapHead',
        in_channels=channels,
        out_channels=17,
        deconv_out_channels=None,
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=dict(
            type='MSRAHeatmap',
            input_size=(64, 64),
            heatmap_size=(16, 16) if channels == 8 else (2, 2),
            sigma=2))
    torch.manual_seed(0)
    stock = MODELS.build(
        dict(type='TopdownPoseEstimator', backbone=backbone, head=head))
    stock.init_weights()
    mip_backbone = dict(
        backbone,
        type='MIP' + backbone['type'],
        num_instances=2,
        mimb_cfg=dict(init='neutral'))
    mip = MODELS.build(
        dict(type='MIPNetPoseEstimator', backbone=mip_backbone, head=head))
    mip.init_weights()
    mip.load_state_dict(stock.state_dict(), strict=False)
    stock.eval()
    mip.eval()
    x = _x()
    with torch.no_grad():
        want = stock(x, None, mode='tensor')
        got = mip(x, None, mode='tensor')  # (B * N, K, h, w), image-major
    torch.testing.assert_close(got[0::2], want)
    torch.testing.assert_close(got[1::2], want)
    mip.train()
    out = mip(x, None, mode='tensor')
    (out * torch.randn_like(out)).sum().backward()
    grads = [
        m.embed[-2].weight.grad for m in mip.backbone.mimb.modules()
        if hasattr(m, 'embed')
    ]
    assert grads and all(g is not None and g.abs().sum() > 0 for g in grads)
