"""DetPoseNet's MSS + MSR head: scales, per-scale supervision, prediction."""
import numpy as np
import pytest
import torch
from conftest import TINY_HRNET
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from mmpose_occlusion.models import MultiScaleHeatmapHead, downsample_target

K, H, W = 17, 32, 24
CODEC = dict(
    type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(W, H), sigma=2)


def _head(**kw):
    cfg = dict(in_channels=16, out_channels=K, channels=32, msr_channels=16)
    cfg.update(kw)
    return MultiScaleHeatmapHead(**cfg)


def _samples(b, gt):
    out = []
    for i in range(b):
        ds = PoseDataSample()
        ds.gt_fields = PixelData(heatmaps=gt[i])
        ds.gt_instance_labels = InstanceData(keypoint_weights=torch.ones(1, K))
        out.append(ds)
    return out


def test_downsampled_targets_keep_their_peaks():
    gt = torch.zeros(1, K, H, W)
    gt[0, 3, 20, 10] = 1.0
    small = downsample_target(gt, (8, 6))
    assert small.shape == (1, K, 8, 6)
    assert small.max() == 1.0 and small[0, 3, 5, 2] == 1.0
    assert downsample_target(gt, (H, W)) is gt


@pytest.mark.parametrize('mode,inc,feats', [
    ('single', 16, [(16, H, W)]),
    ('pyramid', (8, 16, 32, 64), [(8, H, W), (16, H // 2, W // 2),
                                  (32, H // 4, W // 4), (64, H // 8, W // 8)]),
    ('stacks', 16, [(16, H, W), (16, H, W)]),
])
def test_scales_and_losses(mode, inc, feats):
    head = _head(in_channels=inc, input_mode=mode)
    x = [torch.randn(2, *f) for f in feats]
    sides, final = head.forward_all(x)
    assert [tuple(s.shape[-2:]) for s in sides] == [(8, 6), (16, 12), (32, 24)]
    assert final.shape == (2, K, H, W)
    torch.testing.assert_close(head(x), final)

    gt = torch.rand(2, K, H, W)
    losses = head.loss(x, _samples(2, gt))
    assert ('loss_stacks' in losses) == (mode == 'stacks')
    # eq. (1): the mean over scales of L_SA against the target at each scale
    want = sum(
        head.loss_module(s, downsample_target(gt, s.shape[-2:]),
                         torch.ones(2, K)) for s in sides) / 3
    torch.testing.assert_close(losses['loss_mss'], want)
    torch.testing.assert_close(losses['loss_msr'],
                               head.loss_module(final, gt, torch.ones(2, K)))
    total = sum(v for k, v in losses.items() if k.startswith('loss'))
    total.backward()
    for conv in head.side:  # every scale is supervised
        assert conv.weight.grad.abs().sum() > 0


def test_bad_configs_and_sizes():
    with pytest.raises(ValueError, match='input_mode'):
        _head(input_mode='other')
    with pytest.raises(ValueError, match='pyramid'):
        _head(in_channels=16, input_mode='pyramid')
    head = _head()
    x = [torch.randn(1, 16, H, W)]
    with pytest.raises(ValueError, match='heatmap_size'):
        head.loss(x, _samples(1, torch.rand(1, K, H * 2, W * 2)))


@pytest.mark.parametrize('flip_test', [False, True])
def test_predicts_in_a_topdown_model(flip_test):
    model = MODELS.build(
        dict(
            type='TopdownPoseEstimator',
            backbone=dict(type='HRNet', extra=TINY_HRNET),
            head=dict(
                type='MultiScaleHeatmapHead',
                in_channels=8,
                out_channels=K,
                channels=16,
                msr_channels=8,
                decoder=CODEC),
            test_cfg=dict(flip_test=flip_test)))
    model.eval()
    samples = []
    for _ in range(2):
        ds = PoseDataSample(
            metainfo=dict(
                input_size=(96, 128),
                input_center=np.array([50., 60.]),
                input_scale=np.array([96., 128.]),
                flip_indices=list(range(K))))
        ds.gt_instances = InstanceData(
            bboxes=np.array([[2., -4., 98., 124.]]),
            bbox_scores=np.ones(1),
            bbox_scales=np.array([[96., 128.]]))
        samples.append(ds)
    with torch.no_grad():
        out = model.predict(torch.randn(2, 3, 128, 96), samples)
    assert out[0].pred_instances.keypoints.shape == (1, K, 2)
