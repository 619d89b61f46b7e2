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


def test_hrnet_mimbs_on_every_branch_of_stages_3_and_4():
    mip = MIPHRNet(extra=TINY_HRNET)
    assert [m.channels for m in mip.mimb['stage3']] == [8, 16, 32]
    # stage 4 outputs only its first branch (multiscale_output=False)
    assert [m.channels for m in mip.mimb['stage4']] == [8]
    mip = MIPHRNet(extra=dict(TINY_HRNET, stage4=dict(TINY_HRNET['stage4'],
                                                 multiscale_output=True)))
    assert [m.channels for m in mip.mimb['stage4']] == [8, 16, 32, 64]
    with pytest.raises(ValueError, match='mimb_stages'):
        MIPHRNet(extra=TINY_HRNET, mimb_stages=(1, ))


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
    (lambda: MIPHRNet(extra=TINY_HRNET), 'layer1', 'stage4'),
    (lambda: MIPResNet(depth=18), 'layer2', 'layer4'),
])
def test_trunk_runs_once_and_the_rest_on_all_selectors(
        backbone, trunk_module, rest_module):
    net = backbone()
    seen = {trunk_module: [], rest_module: []}
    for name in seen:
        getattr(net, name).register_forward_hook(
            lambda m, i, o, name=name: seen[name].append(
                (i[0][0] if isinstance(i[0], list) else i[0]).shape[0]))
    net(_x(b=2), one_hot_selectors(2, 2))
    assert seen[trunk_module] == [2]  # once, on B images
    assert seen[rest_module] == [4]  # once, on B * N rows


def test_resnet_mimb_on_its_last_two_stages():
    net = MIPResNet(depth=50)
    assert sorted(net.mimb) == ['stage3', 'stage4']
    assert net.mimb['stage3'].channels == 1024
    assert net.mimb['stage4'].channels == 2048


def test_selector_shape_is_checked():
    net = MIPResNet(depth=18, num_instances=2)
    with pytest.raises(ValueError, match='lams must be'):
        net(_x(), torch.zeros(2, 2, 3))
