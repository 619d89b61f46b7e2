import numpy as np
import pytest
import torch
from conftest import TINY_HRNET
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from mmpose_occlusion.models.utils import (FeedbackBlock, InstanceCueBlock,
                                           extract_cue_points, pose_cue_points)

K = 17
HEAD = dict(
    type='HeatmapHead',
    in_channels=8,
    out_channels=K,
    deconv_out_channels=None,
    loss=dict(type='KeypointMSELoss', use_target_weight=True),
    decoder=dict(
        type='MSRAHeatmap',
        input_size=(64, 64),
        heatmap_size=(16, 16),
        sigma=2))


def _build(backbone_type='HintHRNet', **backbone):
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='HintPoseEstimator'
            if backbone_type == 'HintHRNet' else 'TopdownPoseEstimator',
            backbone=dict(type=backbone_type, extra=TINY_HRNET, **backbone),
            head=HEAD,
            test_cfg=dict(flip_test=False)))
    model.init_weights()
    return model


def _samples(cues_per_sample, with_targets=True):
    rng = np.random.default_rng(0)
    out = []
    for i, m in enumerate(cues_per_sample):
        ds = PoseDataSample(
            metainfo=dict(
                input_size=(64, 64),
                input_center=np.array([32., 32.]),
                input_scale=np.array([64., 64.]),
                flip_indices=list(range(K)),
                cue_points_input=rng.random((m, 2)).astype(np.float32) * 64))
        fields = dict(instance_cue=torch.rand(m, 16, 16))
        if with_targets:
            fields['heatmaps'] = torch.rand(K, 16, 16)
            ds.gt_instance_labels = InstanceData(
                keypoint_weights=torch.ones(1, K))
        ds.gt_fields = PixelData(**fields)
        ds.gt_instances = InstanceData(
            bboxes=np.array([[0., 0., 64., 64.]]), bbox_scores=np.ones(1))
        out.append(ds)
    return out


@pytest.mark.parametrize('hop_norm,cue_stages', [('shared', ()),
                                                 ('per_hop', ()),
                                                 ('per_hop', (2, 3, 4))])
def test_new_blocks_leave_the_stock_model_unchanged_at_init(
        hop_norm, cue_stages):
    """Stock weights give the stock output at every hop (per-hop
    statistics: each hop gets the checkpoint's shared ones)."""
    stock = _build('HRNet')
    for hops in (1, 3):
        hint = _build(num_hops=hops, hop_norm=hop_norm, cue_stages=cue_stages)
        result = hint.load_state_dict(stock.state_dict(), strict=False)
        assert result.unexpected_keys == []
        assert {k.split('.')[1]
                for k in result.missing_keys
                } <= {'cue_block', 'feedback', 'stage_cue_blocks'}
        stock.eval()
        hint.eval()
        x = torch.randn(2, 3, 64, 64)
        with torch.no_grad():
            expected = stock(x, None, mode='tensor')
            heatmaps, _ = hint.forward_hops(x, torch.rand(2, 1, 16, 16),
                                            [1, 1])
        assert len(heatmaps) == hops
        for h in heatmaps:
            torch.testing.assert_close(h, expected)


def test_blocks_are_zero_initialised_but_trainable():
    cue = InstanceCueBlock(in_channels=8)
    fb = FeedbackBlock(in_channels=K, out_channels=8)
    for block in (cue, fb):
        block.init_weights()
    x = torch.rand(1, 8, 8, 8)
    torch.testing.assert_close(
        cue(x, torch.rand(1, 1, 8, 8)), x, rtol=0, atol=0)
    assert fb(torch.rand(1, K, 8, 8)).abs().max() == 0
    out = cue(x, torch.rand(1, 1, 8, 8)).sum() + fb(torch.rand(1, K, 8,
                                                               8)).sum()
    out.backward()
    assert cue.proj.weight.grad.abs().sum() > 0
    assert fb.update.weight.grad.abs().sum() > 0


def test_cue_block_sees_the_image_under_the_cue():
    """The report's block aggregates image features with the cue: the same
    cue on different features gives a different update (a cue-only
    embedding would add the same bias to any image)."""
    torch.manual_seed(0)
    block = InstanceCueBlock(in_channels=8, mid_channels=16)
    block.init_weights()
    torch.nn.init.normal_(block.proj.weight, std=0.1)
    block.eval()
    cue = torch.zeros(1, 1, 8, 8)
    cue[0, 0, 3, 3] = 1
    x1, x2 = torch.rand(1, 8, 8, 8), torch.rand(1, 8, 8, 8)
    with torch.no_grad():
        d1, d2 = block(x1, cue) - x1, block(x2, cue) - x2
    assert (d1 - d2).abs().max() > 1e-3
    with pytest.raises(ValueError, match='does not match'):
        block(x1, torch.zeros(2, 1, 8, 8))


def _two_cues_differ(hint):
    """One image with a cue at (4, 4) and one at (12, 12): the outputs
    differ. Returns the cues."""
    hint.eval()
    x = torch.randn(1, 3, 64, 64).expand(2, -1, -1, -1)
    cues = torch.zeros(2, 1, 16, 16)
    cues[0, 0, 4, 4] = cues[1, 0, 12, 12] = 1
    with torch.no_grad():
        heatmaps, _ = hint.forward_hops(x, cues, [1, 1])
    assert not torch.allclose(
        heatmaps[-1][0], heatmaps[-1][1], rtol=1e-3, atol=0)
    return cues


def test_cue_changes_the_output_once_trained():
    hint = _build(num_hops=1)
    torch.nn.init.normal_(hint.backbone.cue_block.proj.weight, std=0.1)
    _two_cues_differ(hint)


def test_stage_cues_reach_every_branch_of_the_stages_named():
    """cue_stages (ours): one zero-initialised cue block per branch input
    of each stage named, fed the cue pooled to that branch; with only the
    stage blocks trained (the stem's block still zero), moving the cue
    changes the output, and a cue peak survives the pooling."""
    hint = _build(num_hops=1, cue_stages=(3, 4))
    blocks = hint.backbone.stage_cue_blocks
    assert sorted(blocks) == ['s3', 's4']
    assert [b.proj.out_channels for b in blocks['s4']
            ] == list(TINY_HRNET['stage4']['num_channels'])
    for b in blocks['s4']:
        torch.nn.init.normal_(b.proj.weight, std=0.1)
    assert hint.backbone.cue_block.proj.weight.abs().max() == 0
    cues = _two_cues_differ(hint)
    pooled = hint.backbone._pool_cue(cues[:, :, :15, :13], 3)  # odd sizes
    assert pooled.shape == (2, 1, 2, 2) and pooled.amax() == 1
    with pytest.raises(ValueError, match='cue_stages'):
        _build(num_hops=1, cue_stages=(1, ))
    with pytest.raises(ValueError, match='use_cue'):
        _build(num_hops=1, use_cue=False, cue_stages=(2, ))


def test_one_loss_term_per_hop_each_the_stock_mse():
    hint = _build(num_hops=3)
    torch.nn.init.normal_(hint.backbone.feedback.update.weight, std=0.1)
    hint.eval()
    x = torch.randn(2, 3, 64, 64)
    samples = _samples([1, 1])
    losses = hint.loss(x, samples)
    assert sorted(k for k in losses if k.startswith('loss')) == [
        'loss_kpt_hop1', 'loss_kpt_hop2', 'loss_kpt_hop3'
    ]
    cues = torch.stack([s.gt_fields.instance_cue for s in samples])
    gt = torch.stack([s.gt_fields.heatmaps for s in samples])
    w = torch.ones(2, K)
    heatmaps, _ = hint.forward_hops(x, cues, [1, 1])
    for t in range(3):
        torch.testing.assert_close(losses[f'loss_kpt_hop{t + 1}'],
                                   hint.head.loss_module(heatmaps[t], gt, w))
    # the feedback makes the hops differ
    assert not torch.allclose(heatmaps[0], heatmaps[2], rtol=1e-3, atol=0)
    # the stem (and the cue block) runs once, the hops three times
    calls = {'stem': 0, 'stage2': 0}
    hint.backbone.conv1.register_forward_hook(
        lambda *a: calls.__setitem__('stem', calls['stem'] + 1))
    hint.backbone.stage2.register_forward_hook(
        lambda *a: calls.__setitem__('stage2', calls['stage2'] + 1))
    hint.loss(x, samples)
    assert calls == {'stem': 1, 'stage2': 3}


@pytest.mark.parametrize('flip_test', [False, True])
def test_several_cues_in_one_box_give_several_instances(flip_test):
    hint = _build(num_hops=2)
    hint.test_cfg = dict(flip_test=flip_test)
    hint.eval()
    samples = _samples([3, 1], with_targets=False)
    with torch.no_grad():
        results = hint.predict(torch.randn(2, 3, 64, 64), samples)
    assert [len(r.pred_instances) for r in results] == [3, 1]
    assert results[0].pred_instances.keypoints.shape == (3, K, 2)
    np.testing.assert_allclose(
        results[0].pred_instances.cue_points,
        samples[0].metainfo['cue_points_input'],
        rtol=1e-5)  # identity mapping here
    assert results[0].pred_instances.bboxes.shape == (3, 4)


def test_training_rejects_several_cues_and_missing_cues():
    hint = _build()
    with pytest.raises(ValueError, match='one cue per sample'):
        hint.loss(torch.randn(1, 3, 64, 64), _samples([2]))
    samples = _samples([1])
    samples[0].gt_fields = PixelData(heatmaps=torch.rand(K, 16, 16))
    with pytest.raises(ValueError, match='GenerateInstanceCue'):
        hint.loss(torch.randn(1, 3, 64, 64), samples)


def test_peaks_inside_boxes_on_handmade_heatmaps():
    hm = np.zeros((2, 20, 20), np.float32)
    hm[0, 5, 5] = 0.9  # person A (box 0)
    hm[1, 5, 7] = 0.8  # A's other joint, 2 px away: same person
    hm[0, 15, 14] = 0.7  # person B (box 1), also inside box 2
    hm[1, 12, 4] = 0.05  # below threshold
    hm[0, 10, 10] = 0.6  # a plateau of 2 equal pixels is still a peak
    hm[0, 10, 11] = 0.6
    boxes = [[0, 0, 9, 9], [10, 10, 19, 19], [0, 0, 19, 19]]
    points, scores = extract_cue_points(
        hm, boxes, threshold=0.1, max_per_box=5, min_distance=0.5)
    np.testing.assert_allclose(points[0], [[5, 5], [7, 5]])
    np.testing.assert_allclose(scores[0], [0.9, 0.8])
    np.testing.assert_allclose(points[1], [[14, 15], [10, 10], [11, 10]])
    # joints of one person closer than min_distance merge into one cue
    points, scores = extract_cue_points(
        hm, boxes, threshold=0.1, max_per_box=5, min_distance=8)
    np.testing.assert_allclose(points[0], [[5, 5]])
    # (10, 10) is 6.4 px from B's (14, 15): dropped too
    np.testing.assert_allclose(points[2], [[5, 5], [14, 15]])
    # at most max_per_box, strongest first
    points, _ = extract_cue_points(hm, boxes, max_per_box=1, min_distance=0)
    assert [len(p) for p in points] == [1, 1, 1]
    np.testing.assert_allclose(points[2], [[5, 5]])
    # heatmap pixels are scaled to image pixels by the stride
    points, _ = extract_cue_points(
        hm, [[0, 0, 39, 39]], stride=2.0, max_per_box=1)
    np.testing.assert_allclose(points[0], [[10, 10]])
    # anisotropic stride and an offset (a warped bottom-up input)
    points, _ = extract_cue_points(
        hm, [[0, 0, 100, 100]],
        stride=(2.0, 3.0),
        offset=(10, 20),
        max_per_box=1)
    np.testing.assert_allclose(points[0], [[5 * 2 + 10, 5 * 3 + 20]])


def test_cues_from_given_poses():
    kpts = np.zeros((3, 4, 2), np.float32)
    scores = np.zeros((3, 4), np.float32)
    # pose 0: confident joints at (0,0), (10,0), (4,1): centroid (14/3, 1/3)
    kpts[0, :3] = [[0, 0], [10, 0], [4, 1]]
    scores[0, :3] = 0.9
    kpts[0, 3] = [4.5, 0.3]  # nearest the centroid, but not confident
    # pose 1: one confident joint
    kpts[1, 0] = [30, 30]
    scores[1] = [0.5, 0.1, 0.1, 0.1]
    # pose 2: nothing confident
    kpts[2] = 50
    scores[2] = 0.2
    boxes = [[-1, -1, 40, 40], [25, 25, 35, 35], [45, 45, 55, 55]]
    points, sc = pose_cue_points(
        kpts, scores, boxes, score_thr=0.3, min_distance=0)
    np.testing.assert_allclose(points[0], [[4, 1], [30, 30]])
    np.testing.assert_allclose(sc[0], [0.9, 0.5])
    np.testing.assert_allclose(points[1], [[30, 30]])
    assert len(points[2]) == 0
    with pytest.raises(ValueError, match='keypoints must be'):
        pose_cue_points(kpts[0], scores[0], boxes)
    # a confident joint that is not finite is left out (found by the
    # property tests: it made the mean NaN, and the cue the first joint)
    for bad in (np.nan, np.inf):
        kpts[0, 3] = [4.5, bad]
        scores[0, 3] = 0.9
        points, _ = pose_cue_points(
            kpts, scores, boxes, score_thr=0.3, min_distance=0)
        np.testing.assert_allclose(points[0], [[4, 1], [30, 30]])


def _hop_bns(model):
    return model.backbone.hop_norm_layers()


def test_per_hop_statistics_are_tracked_and_used_per_hop():
    """hop_norm='per_hop': training updates hop t's running statistics
    only from hop t's features; at test time hop t is normalised by its
    own set. The training step itself is the shared model's."""
    shared = _build(num_hops=3)
    torch.nn.init.normal_(shared.backbone.feedback.update.weight, std=0.5)
    per_hop = _build(num_hops=3, hop_norm='per_hop')
    per_hop.load_state_dict(shared.state_dict(), strict=False)
    for bn in _hop_bns(per_hop):  # the shared statistics, for every hop
        torch.testing.assert_close(bn.hop_running_mean,
                                   bn.running_mean[None].expand(3, -1))
    x, samples = torch.randn(2, 3, 64, 64), _samples([1, 1])
    losses = [m.loss(x, samples) for m in (shared, per_hop)]
    for k in losses[0]:
        torch.testing.assert_close(losses[0][k], losses[1][k])
    # every hop moved its own statistics, and differently
    bn = _hop_bns(per_hop)[-1]
    rows = bn.hop_running_mean
    assert not torch.allclose(rows[0], rows[2])
    # at test time the last hop reads the last set
    per_hop.eval()
    with torch.no_grad():
        per_hop.forward_hops(x, torch.rand(2, 1, 16, 16), [1, 1])
    assert bn.running_mean.data_ptr() == rows[2].data_ptr()
    shared.eval()
    with torch.no_grad():
        a = shared.forward_hops(x, torch.rand(2, 1, 16, 16), [1, 1])[0]
    with torch.no_grad():
        b = per_hop.forward_hops(x, torch.rand(2, 1, 16, 16), [1, 1])[0]
    assert not torch.allclose(a[-1], b[-1])


def test_unknown_hop_norm_is_refused():
    with pytest.raises(ValueError, match='hop_norm'):
        _build(hop_norm='per_layer')


def test_output_hop_selects_the_hop_that_is_decoded():
    hint = _build(num_hops=3)
    torch.nn.init.normal_(hint.backbone.feedback.update.weight, std=0.5)
    hint.eval()
    x, samples = torch.randn(2, 3, 64, 64), _samples([1, 1], False)
    cues = torch.stack([s.gt_fields.instance_cue for s in samples])
    with torch.no_grad():
        heatmaps, _ = hint.forward_hops(x, cues, [1, 1])
        for hop in (1, 3):
            hint.test_cfg = dict(
                flip_test=False, output_hop=hop, output_heatmaps=True)
            out = hint.predict(x, samples)
            torch.testing.assert_close(out[0].pred_fields.heatmaps,
                                       heatmaps[hop - 1][0])
    hint.test_cfg = dict(output_hop=4)
    with pytest.raises(ValueError, match='output_hop'):
        hint.predict(x, samples)


def test_checkpoints_of_the_cue_only_block_load_as_the_same_function():
    """The earlier block embedded the cue alone (conv-BN-ReLU, conv) and
    added it; its weights load into the new block with the same output."""
    from mmcv.cnn import ConvModule
    torch.manual_seed(0)
    embed = ConvModule(1, 16, 3, padding=1, norm_cfg=dict(type='BN'))
    proj = torch.nn.Conv2d(16, 8, 3, padding=1)
    embed.bn.running_mean.normal_()
    embed.bn.weight.data.normal_()
    old = {f'embed.{k}': v for k, v in embed.state_dict().items()}
    old.update({f'proj.{k}': v for k, v in proj.state_dict().items()})
    block = InstanceCueBlock(in_channels=8, mid_channels=16)
    block.load_state_dict(old)
    embed.eval()
    block.eval()
    x, cue = torch.rand(2, 8, 8, 8), torch.rand(2, 1, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(block(x, cue), x + proj(embed(cue)))


def test_per_hop_statistics_survive_a_norm_layer_swap():
    """Layers replaced after construction (as SyncBatchNorm conversion
    does, which copies only the stock buffers) get per-hop statistics
    from their current ones."""
    hint = _build(num_hops=2, hop_norm='per_hop')
    bn = hint.backbone.hop_norm_layers()[0]
    fresh = torch.nn.BatchNorm2d(bn.num_features)
    fresh.load_state_dict({
        k: v
        for k, v in bn.state_dict().items() if not k.startswith('hop_')
    })
    for name, module in hint.backbone.named_modules():
        for child_name, child in module.named_children():
            if child is bn:
                setattr(module, child_name, fresh)
    hint.eval()
    with torch.no_grad():
        hint.forward_hops(
            torch.randn(1, 3, 64, 64), torch.rand(1, 1, 16, 16), [1])
    assert fresh.hop_running_mean.shape == (2, bn.num_features)
