import pytest
import torch
import torch.nn.functional as F

from mmpose_occlusion.models.utils import MIMB, one_hot_selector


def test_mimb_equations_on_tiny_tensors():
    """Eqs. (2)-(5) with the official layers: F_ex = FC-ReLU-FC-sigmoid
    without biases, F_em = FC-BN-ReLU-FC-sigmoid."""
    torch.manual_seed(0)
    block = MIMB(channels=8, num_instances=2, reduction=2)
    for m in block.modules():  # away from the near-constant official init
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.normal_(m.weight)
    block.eval()
    bn = block.embed[1]
    bn.running_mean.normal_()
    bn.running_var.uniform_(0.5, 2)
    bn.weight.data.normal_()
    x = torch.randn(3, 8, 5, 6)
    selector = torch.tensor([[1., 0.], [0., 1.], [0.3, 0.7]])
    w1, w2 = block.excite[0].weight, block.excite[2].weight
    assert block.excite[0].bias is None and block.excite[2].bias is None
    (u1, c1), (u2, c2) = [(m.weight, m.bias) for m in block.embed
                          if isinstance(m, torch.nn.Linear)]
    s = x.mean(dim=(2, 3))  # eq. (2)
    e = torch.sigmoid(F.relu(s @ w1.T) @ w2.T)  # eq. (3)
    h = (selector @ u1.T + c1 - bn.running_mean
         ) / torch.sqrt(bn.running_var + bn.eps) * bn.weight + bn.bias
    v = torch.sigmoid(F.relu(h) @ u2.T + c2)  # eq. (4)
    expected = (v * e)[:, :, None, None] * x  # eq. (5)
    with torch.no_grad():
        torch.testing.assert_close(block(x, selector), expected)


def test_official_init_starts_both_gates_near_a_half():
    torch.manual_seed(0)
    block = MIMB(32, num_instances=2)
    block.eval()
    x = torch.randn(2, 32, 4, 4)
    with torch.no_grad():
        out = block(x, one_hot_selector(torch.arange(2), 2))
    torch.testing.assert_close(out, 0.25 * x, rtol=0.02, atol=1e-3)


def test_neutral_init_is_the_identity_and_still_learns():
    torch.manual_seed(0)
    block = MIMB(16, num_instances=3, init='neutral')
    x = torch.randn(3, 16, 4, 4)
    selector = one_hot_selector(torch.arange(3), 3)
    out = block(x, selector)  # training mode (BatchNorm1d on batch stats)
    torch.testing.assert_close(out, x, rtol=0, atol=0)
    (out * torch.randn_like(out)).sum().backward()
    assert block.excite[2].weight.grad.abs().sum() > 0
    assert block.embed[-2].weight.grad.abs().sum() > 0
    block.eval()
    with torch.no_grad():
        torch.testing.assert_close(block(x, selector), x, rtol=0, atol=0)
    with pytest.raises(ValueError, match='init'):
        MIMB(16, init='zeros')


def test_a_neutral_checkpoint_keeps_its_gain_under_another_init():
    """Found by the crowd benchmark: a MIPNet fine-tuned from the neutral
    init (g = 4) was evaluated with a config of the official init (g = 1)
    and scored 13 AP instead of 54. g now travels in the checkpoint; a
    checkpoint written before that (no g) keeps the model's g."""
    torch.manual_seed(0)
    trained = MIMB(8, num_instances=2, reduction=2, init='neutral')
    for m in trained.modules():  # as if fine-tuned
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.normal_(m.weight)
    trained.eval()
    x = torch.randn(2, 8, 3, 3)
    selector = one_hot_selector(torch.arange(2), 2)
    state = trained.state_dict()
    assert float(state['gain']) == 4.0
    other = MIMB(8, num_instances=2, reduction=2, init='official').eval()
    other.load_state_dict(state)  # strict
    with torch.no_grad():
        torch.testing.assert_close(other(x, selector), trained(x, selector))
    # an old checkpoint without g: strict loading passes, g is the model's
    old = {k: v for k, v in state.items() if k != 'gain'}
    neutral = MIMB(8, num_instances=2, reduction=2, init='neutral').eval()
    neutral.load_state_dict(old)
    assert float(neutral.gain) == 4.0
    with torch.no_grad():
        torch.testing.assert_close(neutral(x, selector), trained(x, selector))
    official = MIMB(8, num_instances=2, reduction=2).eval()
    result = official.load_state_dict(old, strict=False)
    assert result.missing_keys == [] and float(official.gain) == 1.0


def test_lambda_changes_the_output_and_only_through_channel_gates():
    torch.manual_seed(1)
    block = MIMB(8, num_instances=3, reduction=2)
    for m in block.modules():
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.normal_(m.weight)
    block.eval()
    x = torch.randn(1, 8, 4, 4).expand(3, -1, -1, -1)
    with torch.no_grad():
        out = block(x, one_hot_selector(torch.arange(3), 3))
    assert not torch.allclose(out[0], out[1])
    assert not torch.allclose(out[1], out[2])
    # x'_c is x_c times a per-channel scalar: ratios are constant in space.
    ratio = out / x
    torch.testing.assert_close(ratio, ratio[..., :1, :1].expand_as(ratio))


def test_mimb_runs_under_bf16_autocast():
    block = MIMB(16, num_instances=2)
    x = torch.randn(4, 16, 4, 4)
    selector = one_hot_selector(torch.tensor([0, 1, 0, 1]), 2)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = block(x, selector)
    out.float().sum().backward()
    assert torch.isfinite(out.float()).all()


def test_mimb_rejects_wrong_selector_shape():
    block = MIMB(8, num_instances=2)
    with pytest.raises(ValueError, match='selector of shape'):
        block(torch.zeros(2, 8, 3, 3), torch.zeros(2, 3))
