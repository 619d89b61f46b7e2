"""The part localizer's feature fusion as an MMPose neck: its sum, its
outputs, and a stock HeatmapHead on top of it (the composition config)."""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from conftest import REPO_ROOT
from mmengine.config import Config
from mmpose.registry import MODELS

from mmpose_occlusion.models.necks import PyramidSumFusion

COMPOSED = osp.join(
    REPO_ROOT, 'configs', 'baseline',
    'td-hm_res18-half-pyramidsum_1xb32-6e_synthcrowd-128x96.py')


def _pyramid(b=2):
    return [
        torch.randn(b, c, 16 // 2**s, 12 // 2**s)
        for s, c in enumerate((4, 8, 16, 32))
    ]


def test_fused_map_is_the_sum_of_resized_1x1_reductions():
    neck = PyramidSumFusion(in_channels=(4, 8, 16, 32), out_channels=6)
    feats = _pyramid()
    (fused, ) = neck(feats)
    assert fused.shape == (2, 6, 16, 12)
    ref = sum(
        F.interpolate(
            F.conv2d(x, lat.weight, lat.bias),
            size=(16, 12),
            mode='bilinear',
            align_corners=False) for lat, x in zip(neck.laterals, feats))
    torch.testing.assert_close(fused, ref)
    # every level contributes
    other = list(feats)
    other[3] = torch.randn_like(feats[3])
    assert not torch.allclose(neck(other)[0], fused)


def test_keep_inputs_passes_the_pyramid_through_before_the_fused_map():
    neck = PyramidSumFusion(
        in_channels=(4, 8, 16, 32), out_channels=6, keep_inputs=True)
    feats = _pyramid(1)
    out = neck(feats)
    assert len(out) == 5 and all(a is b for a, b in zip(out, feats))
    plain = PyramidSumFusion(in_channels=(4, 8, 16, 32), out_channels=6)
    plain.load_state_dict(neck.state_dict())
    torch.testing.assert_close(out[-1], plain(feats)[0])


def test_wrong_inputs_name_the_fix():
    neck = PyramidSumFusion(in_channels=(4, 8, 16, 32))
    with pytest.raises(ValueError, match=r'expects 4 .*out_indices'):
        neck(_pyramid()[-1:])
    with pytest.raises(ValueError, match='out_indices'):
        neck(torch.randn(1, 32, 2, 2))
    with pytest.raises(ValueError, match='in_channels must list'):
        PyramidSumFusion(in_channels=32)


def test_stock_heatmap_head_composes_on_the_neck():
    """The composition config: ResNet C1..C4 -> PyramidSumFusion -> stock
    HeatmapHead, heatmaps at the codec's size; a loss reaches the neck."""
    cfg = Config.fromfile(COMPOSED)
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'TopdownPoseEstimator'
    assert isinstance(model.neck, PyramidSumFusion)
    assert type(model.head).__name__ == 'HeatmapHead'
    w, h = cfg.codec['input_size']
    out = model(torch.randn(2, 3, h, w), None, mode='tensor')
    assert out.shape == (2, 17) + tuple(cfg.codec['heatmap_size'][::-1])
    out.square().mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.neck.parameters())
