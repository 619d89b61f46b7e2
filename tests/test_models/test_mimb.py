import pytest
import torch
import torch.nn.functional as F

from mmpose_occlusion.models.utils import MIMB, one_hot_lambda


def test_mimb_equations_on_tiny_tensors():
    torch.manual_seed(0)
    block = MIMB(channels=4, num_instances=2, reduction=2, min_hidden=2)
    x = torch.randn(3, 4, 5, 6)
    lam = torch.tensor([[1., 0.], [0., 1.], [0.3, 0.7]])
    (w1, b1), (w2, b2) = [(m.weight, m.bias) for m in block.excite
                          if isinstance(m, torch.nn.Linear)]
    (u1, c1), (u2, c2) = [(m.weight, m.bias) for m in block.embed
                          if isinstance(m, torch.nn.Linear)]
    s = x.mean(dim=(2, 3))  # eq. (2)
    e = torch.sigmoid(F.relu(s @ w1.T + b1) @ w2.T + b2)  # eq. (3)
    v = torch.sigmoid(F.relu(lam @ u1.T + c1) @ u2.T + c2)  # eq. (4)
    expected = (v * e)[:, :, None, None] * x  # eq. (5)
    torch.testing.assert_close(block(x, lam), expected)


def test_lambda_changes_the_output_and_only_through_channel_gates():
    torch.manual_seed(1)
    block = MIMB(8, num_instances=3)
    x = torch.randn(1, 8, 4, 4).expand(3, -1, -1, -1)
    out = block(x, one_hot_lambda(torch.arange(3), 3))
    assert not torch.allclose(out[0], out[1])
    assert not torch.allclose(out[1], out[2])
    # x'_c is x_c times a per-channel scalar: ratios are constant in space.
    ratio = out / x
    torch.testing.assert_close(ratio, ratio[..., :1, :1].expand_as(ratio))


def test_mimb_rejects_wrong_selector_shape():
    block = MIMB(8, num_instances=2)
    with pytest.raises(ValueError, match='lam of shape'):
        block(torch.zeros(2, 8, 3, 3), torch.zeros(2, 3))
