"""The sequential ConvLSTM person decoder: ConvLSTM cell, disk codec,
Hungarian-matched BCE with stop steps, stepwise decoding with the stop
threshold, flip merging, and the head inside MMPose's bottom-up estimator."""
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import REPO_ROOT
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.structures import PoseDataSample

from mmpose_occlusion.codecs import SequentialDiskHeatmap, render_disks
from mmpose_occlusion.models.heads import (SequentialDecoderHead,
                                           locate_on_parts,
                                           merge_flipped_steps)
from mmpose_occlusion.models.losses import (HungarianBCELoss, bce_cost_matrix,
                                            steps_needed)
from mmpose_occlusion.models.utils import ConvLSTMCell, PersonDecoder

K = 17


# ----------------------------------------------------------------- ConvLSTM
def test_conv_lstm_cell_shapes_and_zero_start():
    cell = ConvLSTMCell(5, 7)
    x = torch.randn(2, 5, 9, 11)
    h, c = cell(x)
    assert h.shape == c.shape == (2, 7, 9, 11)
    h0, c0 = cell.init_state(x)
    torch.testing.assert_close(cell(x, (h0, c0))[0], h)
    h2, c2 = cell(x, (h, c))  # the state matters
    assert not torch.allclose(h2, h)
    with pytest.raises(ValueError, match='expects 5 input channels'):
        cell(torch.randn(2, 4, 9, 11))
    with pytest.raises(ValueError, match='odd'):
        ConvLSTMCell(5, 7, kernel_size=2)


def test_conv_lstm_cell_equations():
    """c' = σ(f) c + σ(i) tanh(g), h' = σ(o) tanh(c'), gates i, f, o, g from
    one conv of [x, h]; the forget bias starts at 1."""
    torch.manual_seed(0)
    cell = ConvLSTMCell(3, 2, kernel_size=1)
    b = cell.gates.bias.detach()
    torch.testing.assert_close(b[2:4], torch.ones(2))
    torch.testing.assert_close(torch.cat([b[:2], b[4:]]), torch.zeros(6))
    x, h, c = torch.randn(1, 3, 1, 1), torch.randn(1, 2, 1,
                                                   1), torch.randn(1, 2, 1, 1)
    w = cell.gates.weight.detach()[:, :, 0, 0]  # (8, 5)
    z = w @ torch.cat([x, h], 1).flatten() + cell.gates.bias.detach()
    i, f, o, g = z[:2], z[2:4], z[4:6], z[6:]
    c_ref = torch.sigmoid(f) * c.flatten() + torch.sigmoid(i) * torch.tanh(g)
    h_ref = torch.sigmoid(o) * torch.tanh(c_ref)
    h1, c1 = cell(x, (h, c))
    torch.testing.assert_close(c1.flatten(), c_ref)
    torch.testing.assert_close(h1.flatten(), h_ref)


def test_normalised_conv_lstm_cell_equations():
    """With ``norm_cfg=dict(type='GN')`` each gate's pre-activation is
    normalised over its channels and pixels (one group per gate) and the cell
    state over all of its channels before the tanh; the forget bias (1) lives
    in the gate norm's shift."""
    torch.manual_seed(0)
    cell = ConvLSTMCell(3, 2, kernel_size=1, norm_cfg=dict(type='GN'))
    assert cell.gates.bias is None
    b = cell.gate_norm.bias.detach()
    torch.testing.assert_close(b[2:4], torch.ones(2))
    torch.testing.assert_close(torch.cat([b[:2], b[4:]]), torch.zeros(6))
    with torch.no_grad():  # non-trivial affine parameters
        cell.gate_norm.weight.uniform_(0.5, 1.5)
        cell.cell_norm.weight.uniform_(0.5, 1.5)
        cell.cell_norm.bias.uniform_(-0.5, 0.5)
    x, h, c = (torch.randn(1, 3, 2,
                           3), torch.randn(1, 2, 2,
                                           3), torch.randn(1, 2, 2, 3))
    z = F.conv2d(torch.cat([x, h], 1), cell.gates.weight).detach()

    def norm(t, weight, bias):  # over (C, H, W) of one group
        mu, var = t.mean(), t.var(unbiased=False)
        return (
            (t - mu) / torch.sqrt(var + 1e-5) * weight[None, :, None, None] +
            bias[None, :, None, None])

    gw, gb = cell.gate_norm.weight.detach(), b
    i, f, o, g = (
        norm(z[:, 2 * j:2 * j + 2], gw[2 * j:2 * j + 2], gb[2 * j:2 * j + 2])
        for j in range(4))
    c_ref = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_ref = torch.sigmoid(o) * torch.tanh(
        norm(c_ref, cell.cell_norm.weight.detach(),
             cell.cell_norm.bias.detach()))
    h1, c1 = cell(x, (h, c))
    torch.testing.assert_close(c1, c_ref)  # the carried state is not normed
    torch.testing.assert_close(h1, h_ref)


def test_normalised_cells_carry_the_coarse_scale_to_the_output():
    """Why the head normalises its cells: through eight plain ConvLSTMs
    (four scales, two each) a change of the coarsest features barely reaches
    the output, with normalised cells it does."""

    def effect(norm_cfg, scale):
        """Mean change of the first step's logits when the features of one
        scale are redrawn."""
        torch.manual_seed(0)
        dec = PersonDecoder((8, 16, 32, 64),
                            K, (8, 8, 16, 16),
                            norm_cfg=norm_cfg).eval()
        feats = [
            torch.randn(1, c, 32 // 2**s, 32 // 2**s)
            for s, c in enumerate((8, 16, 32, 64))
        ]
        other = list(feats)
        other[scale] = torch.randn_like(feats[scale])
        with torch.no_grad():
            return (dec(feats, 1) - dec(other, 1)).abs().mean().item()

    # the coarsest scale's effect relative to the finest scale's
    plain = effect(None, 3) / effect(None, 0)  # ~4e-7
    normed = effect(dict(type='GN'), 3) / effect(dict(type='GN'), 0)  # ~0.05
    assert normed > 0.01
    assert plain < 1e-4


def test_person_decoder_keeps_memory_across_steps():
    """The same features give different people at each step: the ConvLSTM
    states are the decoder's memory."""
    torch.manual_seed(0)
    dec = PersonDecoder((8, 16, 16, 32), K, hidden_channels=(4, 4, 8, 8))
    feats = [
        torch.randn(2, c, 32 // 2**s, 24 // 2**s)
        for s, c in enumerate((8, 16, 16, 32))
    ]
    out = dec(feats, 3)
    assert out.shape == (2, 3, K, 32, 24)
    assert not torch.allclose(out[:, 0], out[:, 1])
    assert dec(feats, 0).shape == (2, 0, K, 32, 24)
    # stepping by hand equals forward
    ctx, st = dec.prepare(feats), dec.init_states()
    for t in range(3):
        logits, st = dec.step(ctx, st)
        torch.testing.assert_close(logits, out[:, t])
    with pytest.raises(ValueError, match='one width per pyramid level'):
        PersonDecoder((8, 16), K, hidden_channels=(4, ))


# -------------------------------------------------------------------- codec
def test_disk_codec_encodes_radius_r_disks_union_and_weights():
    codec = SequentialDiskHeatmap(
        input_size=(64, 64), heatmap_size=(16, 16), radius=3)
    kpts = np.zeros((2, K, 2), np.float32)
    kpts[0, 0] = (20, 24)  # heatmap (5, 6)
    kpts[1, 0] = (40, 24)  # heatmap (10, 6)
    kpts[1, 1] = (100, 100)  # outside the heatmap
    vis = np.ones((2, K))
    vis[0, 2] = 0
    enc = codec.encode(kpts, vis)
    inst, parts, w = (enc['instance_heatmaps'], enc['heatmaps'],
                      enc['keypoint_weights'])
    assert inst.shape == (2, K, 16, 16) and parts.shape == (K, 16, 16)
    yy, xx = np.mgrid[:16, :16]
    disk0 = ((xx - 5)**2 + (yy - 6)**2 <= 9).astype(np.uint8)
    np.testing.assert_array_equal(inst[0, 0], disk0)
    assert inst[0, 0].sum() == 29  # lattice points within radius 3
    disk1 = ((xx - 10)**2 + (yy - 6)**2 <= 9).astype(np.uint8)
    np.testing.assert_array_equal(parts[0], np.maximum(disk0, disk1))
    assert w[0, 2] == 0 and w[1, 1] == 0 and w[0, 0] == 1
    assert inst[1, 1].sum() == 0 and inst[0, 2].sum() == 0
    # no people: empty targets of the right shape
    empty = codec.encode(np.zeros((0, K, 2)), np.zeros((0, K)))
    assert empty['instance_heatmaps'].shape == (0, K, 16, 16)
    assert empty['heatmaps'].sum() == 0


def test_disk_codec_decodes_peaks_in_input_pixels():
    codec = SequentialDiskHeatmap(input_size=(64, 48), heatmap_size=(16, 12))
    pts = np.array([[[3.0, 7.0]] * K, [[12.0, 2.0]] * K], np.float32)
    yy, xx = np.mgrid[:12, :16]
    heat = np.exp(-((xx - pts[..., 0, None, None])**2 +
                    (yy - pts[..., 1, None, None])**2) / 2)
    kpts, scores = codec.decode(heat)
    assert kpts.shape == (2, K, 2) and scores.shape == (2, K)
    np.testing.assert_allclose(kpts, pts * 4, atol=1.01)
    np.testing.assert_allclose(scores, 1.0, atol=1e-5)
    # another input size (BottomupResize 'expand'): its own stride
    kpts2, _ = codec.decode(heat, input_size=(32, 24))
    np.testing.assert_allclose(kpts2, kpts / 2, atol=1e-5)
    assert codec.decode(np.zeros((0, K, 12, 16)))[0].shape == (0, K, 2)


def test_render_disks_radius_boundary():
    d = render_disks(np.array([[2.0, 2.0]]), np.array([True]), (8, 8), 2)
    assert d[0, 2, 4] == 1 and d[0, 2, 5] == 0 and d[0, 4, 4] == 0


# --------------------------------------------------------------------- loss
def _bce(x, y, mask=None):
    """1/(N K) Σ mask BCE of one step against one target (K, H, W)."""
    loss = F.binary_cross_entropy_with_logits(x, y, reduction='none')
    if mask is not None:
        loss = loss * mask
    return loss.sum() / x.numel()


def test_cost_matrix_equals_pairwise_bce_with_weights_and_mask():
    torch.manual_seed(0)
    logits = torch.randn(3, 4, 5, 6)
    targets = (torch.rand(2, 4, 5, 6) > 0.7).float()
    weights = torch.tensor([[1., 0., 1., 1.], [1., 1., 1., 0.]])
    mask = (torch.rand(5, 6) > 0.2).float()
    cost = bce_cost_matrix(logits, targets, weights, mask)
    for t in range(3):
        for p in range(2):
            per_k = [
                _bce(logits[t, k:k + 1], targets[p, k:k + 1], mask) / 4
                for k in range(4)
            ]
            ref = sum(w * v for w, v in zip(weights[p], per_k))
            torch.testing.assert_close(cost[t, p], ref)


def test_hungarian_matches_steps_to_people_in_any_order():
    """Two steps predicting people B then A are matched B->step 0,
    A->step 1; the loss is the mean over the two matched and two stop
    steps of eq. 2."""
    hw = (8, 8)
    a = torch.zeros(1, *hw)
    a[0, 1, 1] = 1
    b = torch.zeros(1, *hw)
    b[0, 6, 6] = 1
    targets = torch.stack([a, b])  # (P=2, K=1, H, W)
    logits = torch.full((4, 1, *hw), -4.0)
    logits[0, 0, 6, 6] = 4.0  # step 0 finds B
    logits[1, 0, 1, 1] = 4.0  # step 1 finds A
    loss_fn = HungarianBCELoss(stop_steps=2)
    loss, rows, cols = loss_fn.match(logits, targets)
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0]
    zero = torch.zeros(1, *hw)
    ref = (_bce(logits[0], b) + _bce(logits[1], a) + _bce(logits[2], zero) +
           _bce(logits[3], zero)) / 4
    torch.testing.assert_close(loss, ref)
    # the loss is smaller than with the steps forced in the given order
    forced = (_bce(logits[0], a) + _bce(logits[1], b) + _bce(logits[2], zero) +
              _bce(logits[3], zero)) / 4
    assert loss < forced


def test_stop_steps_teach_an_all_zero_heatmap():
    targets = torch.zeros(1, 1, 4, 4)
    targets[0, 0, 2, 2] = 1
    good = torch.full((3, 1, 4, 4), -6.0)
    good[0, 0, 2, 2] = 6.0
    bad = good.clone()
    bad[1:] = 6.0  # the decoder does not stop
    loss_fn = HungarianBCELoss(stop_steps=2)
    assert loss_fn.match(good, targets)[0] < 0.01
    assert loss_fn.match(bad, targets)[0] > 2.0
    # the steps after the last person are what the stop term looks at
    grad_in = bad.clone().requires_grad_()
    loss_fn.match(grad_in, targets)[0].backward()
    assert (grad_in.grad[1:] > 0).all()  # pushes the stop steps down
    with pytest.raises(ValueError, match='3 decoder steps needed'):
        loss_fn.match(good[:2], targets)


def test_curriculum_limit_and_empty_images():
    assert steps_needed(3, None, 2) == (3, 2)
    assert steps_needed(3, 2, 2) == (2, 0)  # more people remain: no stop
    assert steps_needed(2, 2, 2) == (2, 2)
    assert steps_needed(0, 2, 2) == (0, 2)
    loss_fn = HungarianBCELoss(stop_steps=2)
    assert loss_fn.num_steps([0, 3, 1], max_people=2) == 3
    assert loss_fn.num_steps([0, 3, 1], max_people=None) == 5
    # an image with no people is taught two empty steps
    logits = torch.full((2, 1, 4, 4), -3.0)
    loss, rows, _ = loss_fn.match(logits, torch.zeros(0, 1, 4, 4))
    assert len(rows) == 0
    torch.testing.assert_close(loss, _bce(logits[0], torch.zeros(1, 4, 4)))
    # with the limit, the best-fitting person of three is matched
    targets = torch.zeros(3, 1, 4, 4)
    for p in range(3):
        targets[p, 0, p, p] = 1
    logits = torch.full((1, 1, 4, 4), -5.0)
    logits[0, 0, 2, 2] = 5.0
    _, rows, cols = loss_fn.match(logits, targets, max_people=1)
    assert cols.tolist() == [2]


def test_matching_compares_people_per_labelled_keypoint():
    """Under the curriculum (one step for two people) the step is matched to
    the person it predicts better, although that person has more labelled
    keypoints (17 against 3) and so the larger summed cost; the loss stays
    eq. 2's summed cost of the matched person."""
    hw = (16, 16)
    ya, yb = torch.zeros(K, *hw), torch.zeros(K, *hw)
    ya[:, 3:5, 3:5] = 1  # A: every joint at one place
    yb[:3, 11:13, 11:13] = 1  # B: 3 labelled joints elsewhere
    targets = torch.stack([ya, yb])
    weights = torch.stack([torch.ones(K), (torch.arange(K) < 3).float()])
    logits = torch.where(ya.bool(), 2.0, -2.0)[None]  # the step sees A
    cost = bce_cost_matrix(logits, targets, weights)
    assert cost[0, 0] > cost[0, 1]  # the plain sum would pick B
    loss, rows, cols = HungarianBCELoss(stop_steps=2).match(
        logits, targets, weights, max_people=1)
    assert cols.tolist() == [0]
    torch.testing.assert_close(loss, cost[0, 0])


def test_masked_pixels_and_unlabelled_keypoints_cost_nothing():
    torch.manual_seed(1)
    logits = torch.randn(1, 2, 4, 4)
    target = torch.zeros(1, 2, 4, 4)
    mask = torch.zeros(4, 4)
    assert bce_cost_matrix(logits, target, None, mask).item() == 0
    w = torch.tensor([[0.0, 1.0]])
    only_k1 = bce_cost_matrix(logits[:, 1:], target[:, 1:]) / 2
    torch.testing.assert_close(bce_cost_matrix(logits, target, w), only_k1)


# ---------------------------------------------------------------- the head
def _tiny_head(**kw):
    codec = dict(
        type='SequentialDiskHeatmap',
        input_size=(64, 64),
        heatmap_size=(16, 16))
    return SequentialDecoderHead(
        in_channels=(8, 8, 8, 8),
        num_keypoints=K,
        part_channels=8,
        hidden_channels=(4, 4, 4, 4),
        decoder=codec,
        **kw)


def _feats(b=1):
    """The neck's output: C1..C4 and the fused part features."""
    return [torch.randn(b, 8, 16 // 2**s, 16 // 2**s)
            for s in range(4)] + [torch.randn(b, 8, 16, 16)]


def _scripted(head, peaks):
    """Make the decoder emit steps whose maxima are ``peaks``."""
    calls = iter(peaks)

    def step(context, states):
        p = next(calls)
        logits = torch.full((context[0].shape[0], K, 16, 16), -20.0)
        logits[:, :, 3, 3] = torch.logit(torch.tensor(p))
        return logits, states

    head.person_decoder.step = step


def test_decoding_stops_below_the_threshold():
    head = _tiny_head().eval()
    _scripted(head, [0.9, 0.5, 0.04, 0.9, 0.9])
    _, steps = head.run_steps(_feats(), max_steps=5, stop_thr=0.05)
    assert len(steps[0]) == 2  # the 0.04 step stops it; nothing after
    _scripted(head, [0.9, 0.5, 0.04])
    _, steps = head.run_steps(_feats(), max_steps=5, stop_thr=0.6)
    assert len(steps[0]) == 1
    _scripted(head, [0.9] * 10)
    _, steps = head.run_steps(_feats(), max_steps=3, stop_thr=0.05)
    assert len(steps[0]) == 3  # the step limit


def _sample(n_people, codec):
    rng = np.random.default_rng(n_people)
    enc = codec.encode(
        rng.uniform(4, 60, (n_people, K, 2)), np.ones((n_people, K)))
    d = PoseDataSample(
        metainfo=dict(
            input_size=(64, 64),
            input_center=np.array([32., 32.]),
            input_scale=np.array([64., 64.]),
            flip_indices=list(range(K))))
    d.gt_fields = PixelData(heatmaps=torch.tensor(enc['heatmaps']))
    d.gt_instance_labels = InstanceData(
        instance_heatmaps=torch.tensor(enc['instance_heatmaps']),
        keypoint_weights=torch.tensor(enc['keypoint_weights']))
    return d


def test_head_loss_runs_the_steps_the_batch_needs():
    torch.manual_seed(0)
    head = _tiny_head(max_train_people=2)
    codec = head.decoder
    samples = [_sample(n, codec) for n in (0, 1, 3)]
    seen = []
    forward = head.person_decoder.forward
    head.person_decoder.forward = lambda f, t: (seen.append(t), forward(f, t))[
        1]
    losses = head.loss(_feats(3), samples)
    # 0 people: 2 stop steps; 1 person: 1 + 2; 3 people over the limit of
    # 2: 2 matched, no stop step
    assert seen == [3]
    assert set(losses) == {'loss_part', 'loss_person'}
    (losses['loss_part'] + losses['loss_person']).backward()
    head.max_train_people = None
    head.loss(_feats(3), samples)
    assert seen[-1] == 5  # 3 people + 2 stop steps


def test_part_loss_is_lambda0_times_eq1():
    torch.manual_seed(0)
    head = _tiny_head()
    samples = [_sample(2, head.decoder)]
    feats = _feats(1)
    logits = head.part_localizer(feats[-1])
    ref = 0.5 * F.binary_cross_entropy_with_logits(
        logits, samples[0].gt_fields.heatmaps[None])
    torch.testing.assert_close(head.loss(feats, samples)['loss_part'], ref)


def test_merge_flipped_steps_pairs_people_not_positions():
    a = torch.zeros(1, 4, 4)
    a[0, 0, 0] = 1
    b = torch.zeros(1, 4, 4)
    b[0, 3, 3] = 1
    steps = torch.stack([a, b])
    flipped = torch.stack([b * 0.5, a * 0.5])  # the other order
    merged = merge_flipped_steps(steps, flipped)
    torch.testing.assert_close(merged[0], a * 0.75)
    torch.testing.assert_close(merged[1], b * 0.75)
    torch.testing.assert_close(merge_flipped_steps(steps, flipped[:0]), steps)


def test_locate_on_parts_puts_a_broad_step_on_its_persons_part_peak():
    # two people's part peaks (channel 0) at (2, 2) and (2, 9); the step is
    # a broad blob over the first person, its own maximum at (3, 3)
    parts = torch.zeros(2, 12, 12)
    parts[0, 2, 2] = parts[0, 2, 9] = 0.9
    parts[1, 8, 8] = 0.5
    yy, xx = torch.meshgrid(
        torch.arange(12.), torch.arange(12.), indexing='ij')
    blob = torch.exp(-((yy - 3)**2 + (xx - 3)**2) / 8)
    steps = torch.stack([blob, blob])[None]  # (S=1, K=2, H, W)
    located = locate_on_parts(steps, parts)
    assert located.shape == steps.shape
    assert int(located[0, 0].argmax()) == 2 * 12 + 2  # not (2, 9), not (3, 3)
    assert int(located[0, 1].argmax()) == 8 * 12 + 8
    torch.testing.assert_close(located[0, 0, 2, 2], (0.9 * blob[2, 2]).sqrt())
    with pytest.raises(ValueError, match='share'):
        locate_on_parts(steps, parts[:1])


def test_predict_locate_by_parts_moves_keypoints_to_part_peaks():
    head = _tiny_head().eval()
    d = _sample(1, head.decoder)
    part_logits = torch.full((1, K, 16, 16), -5.0)
    part_logits[:, :, 6, 5] = 5.0  # the parts peak one pixel off the step's

    class Parts(torch.nn.Module):

        def forward(self, fused):
            return part_logits

    head.part_localizer = Parts()

    def predict(locate_by_parts):
        calls = iter([True, False])  # one person, then the stop step

        def step(context, states):
            logits = torch.full((1, K, 16, 16), -20.0)
            if next(calls):
                logits[:, :, 4:9, 3:8] = 0.0  # a broad 5x5 response
                logits[:, :, 5, 5] = 2.0  # its own peak
            return logits, states

        head.person_decoder.step = step
        with torch.no_grad():
            return head.predict(_feats(), [d],
                                dict(locate_by_parts=locate_by_parts))[0]

    plain, located = predict(False), predict(True)
    assert len(plain.keypoints) == len(located.keypoints) == 1
    # 64x64 input, 16x16 heatmaps: 4 px per heatmap pixel; quarter-pixel
    # refinement moves a peak by at most 1 px
    np.testing.assert_allclose(plain.keypoints[0, 0], [20, 20], atol=1.01)
    np.testing.assert_allclose(located.keypoints[0, 0], [20, 24], atol=1.01)
    np.testing.assert_allclose(
        located.keypoint_scores[0, 0],
        (0.5 * torch.sigmoid(torch.tensor(5.))).sqrt(),
        rtol=1e-5)


def test_predict_gives_instances_scores_and_heatmaps():
    torch.manual_seed(0)
    head = _tiny_head().eval()
    d = _sample(1, head.decoder)
    _scripted(head, [0.9, 0.8, 0.01] * 2)
    with torch.no_grad():
        preds, fields = head.predict([_feats(), _feats()], [d],
                                     dict(
                                         flip_test=True, output_heatmaps=True))
    p = preds[0]
    assert p.keypoints.shape == (2, K, 2) and p.keypoint_scores.shape == (2, K)
    np.testing.assert_allclose(p.bbox_scores, p.keypoint_scores.mean(-1))
    np.testing.assert_allclose(p.keypoints[0, 0], [12, 12], atol=1.01)
    assert p.heatmaps.shape == (2, K, 16, 16)
    assert fields[0].heatmaps.shape == (K, 16, 16)
    with pytest.raises(ValueError, match='out_indices'):
        head.loss(torch.randn(1, 8, 16, 16), [d])
    with pytest.raises(ValueError, match='PyramidSumFusion'):
        head.loss(_feats()[:4], [d])  # no neck: the pyramid alone
    with pytest.raises(ValueError, match="neck's out_channels"):
        head.loss(_feats()[:4] + [torch.randn(1, 64, 16, 16)], [d])


def test_bottomup_estimator_end_to_end_with_inference_api(tmp_path):
    """Stock BottomupPoseEstimator + ResNet + the PyramidSumFusion neck +
    this head: MMPose's inference_bottomup returns one instance per emitted
    step, in image pixels."""
    import cv2
    from mmengine.config import Config
    from mmpose.apis import inference_bottomup, init_model
    cfg = Config.fromfile('configs/seqdecoder/'
                          'seqdec_res18-half_1xb16-16e_synthcrowd-128x160.py')
    cfg.model.test_cfg.flip_test = False
    cfg.model.test_cfg.max_steps = 3
    cfg.model.test_cfg.stop_thr = 0.0  # untrained: run all three steps
    model = init_model(cfg, device='cpu')
    assert type(model).__name__ == 'BottomupPoseEstimator'
    assert type(model.neck).__name__ == 'PyramidSumFusion'
    img = np.random.default_rng(0).integers(0, 255, (120, 200, 3), np.uint8)
    path = str(tmp_path / 'img.jpg')
    cv2.imwrite(path, img)
    result = inference_bottomup(model, path)[0]
    kpts = result.pred_instances.keypoints
    assert kpts.shape == (3, K, 2)
    # in image pixels: inside the model input's frame (the image plus the
    # padding BottomupResize added), not in heatmap or input pixels
    centre = result.metainfo['input_center']
    scale = result.metainfo['input_scale']
    assert (kpts >= centre - scale / 2 - 1).all()
    assert (kpts <= centre + scale / 2 + 1).all()
    assert scale[0] >= 200 and scale[1] >= 120 and kpts.max() > 64
    assert MODELS.get('SequentialDecoderHead') is SequentialDecoderHead
    assert KEYPOINT_CODECS.get('SequentialDiskHeatmap') is \
        SequentialDiskHeatmap


# ------------------------------------- checkpoints of the pre-neck layout
# tests/data/seqdec_head_pre_neck.pth was written by the code before the
# part-feature fusion became the neck PyramidSumFusion: the state dict of a
# SequentialDecoderHead(in_channels=(4, 8, 16, 32), num_keypoints=3,
# part_channels=8, hidden_channels=(4, 4, 4, 4)) with perturbed weights and
# BN statistics (eval mode), its input features C1..C4 and its outputs
# ``forward(feats, 3)`` (part heatmaps, three steps).
PRE_NECK = osp.join(REPO_ROOT, 'tests', 'data', 'seqdec_head_pre_neck.pth')


def _tiny_estimator():
    """Stock BottomupPoseEstimator: a narrow ResNet-18 (C1..C4 of 4..32
    channels), the fusion neck and the decoder head of the fixture."""
    from mmpose.models import BottomupPoseEstimator  # noqa: F401
    channels = (4, 8, 16, 32)
    return MODELS.build(
        dict(
            type='BottomupPoseEstimator',
            backbone=dict(
                type='ResNet',
                depth=18,
                stem_channels=4,
                base_channels=4,
                out_indices=(0, 1, 2, 3)),
            neck=dict(
                type='PyramidSumFusion',
                in_channels=channels,
                out_channels=8,
                keep_inputs=True),
            head=dict(
                type='SequentialDecoderHead',
                in_channels=channels,
                num_keypoints=3,
                part_channels=8,
                hidden_channels=(4, 4, 4, 4)))).eval()


def _old_checkpoint(model):
    """A whole-model checkpoint of the pre-neck layout: this model's
    backbone, the fixture's head."""
    ref = torch.load(PRE_NECK)
    assert any(
        k.startswith('part_localizer.laterals.')
        for k in ref['state_dict'])  # the old layout
    state = {
        'backbone.' + k: v
        for k, v in model.backbone.state_dict().items()
    }
    state.update({'head.' + k: v for k, v in ref['state_dict'].items()})
    return ref, state


def _outputs(model, feats):
    with torch.no_grad():
        return model.head(model.neck(feats), 3)


def test_pre_neck_checkpoint_loads_strictly_with_the_same_outputs(tmp_path):
    """MMEngine's loading (load_checkpoint; the Runner's load_from/resume
    and init_model read files the same way) moves the fusion's keys from
    the head to the neck; the decoder's outputs are those of the old code
    for the same weights."""
    from mmengine.runner import load_checkpoint
    model = _tiny_estimator()
    ref, state = _old_checkpoint(model)
    fresh_parts, _ = _outputs(model, ref['feats'])
    assert not torch.allclose(fresh_parts, ref['parts'], atol=1e-3)
    path = str(tmp_path / 'pre_neck.pth')
    torch.save(dict(state_dict=state, meta=dict(epoch=1)), path)
    load_checkpoint(model, path, map_location='cpu', strict=True)
    parts, steps = _outputs(model, ref['feats'])
    torch.testing.assert_close(parts, ref['parts'], rtol=0, atol=1e-6)
    torch.testing.assert_close(steps, ref['steps'], rtol=0, atol=1e-6)
    torch.testing.assert_close(
        model.neck.laterals[3].weight,
        ref['state_dict']['part_localizer.laterals.3.weight'])


def test_pre_neck_state_dict_without_mmengine_names_the_upgrade():
    """``model.load_state_dict`` of a raw old state dict fails and says
    how to upgrade it; the upgraded one loads strictly."""
    from mmpose_occlusion.upstream import upgrade_state_dict
    model = _tiny_estimator()
    ref, state = _old_checkpoint(model)
    with pytest.raises(RuntimeError, match='upgrade_state_dict'):
        model.load_state_dict(state, strict=False)
    model.load_state_dict(upgrade_state_dict(state), strict=True)
    parts, _ = _outputs(model, ref['feats'])
    torch.testing.assert_close(parts, ref['parts'], rtol=0, atol=1e-6)


@pytest.mark.parametrize('keypoints, visible, match', [
    (np.zeros((17, 2)), None, r'keypoints \(N, K, 2\).*keypoints\[None\]'),
    (np.zeros((2, 17, 2)), np.ones((17, 2)), 'keypoints_visible must be'),
])
def test_codec_names_wrong_keypoint_shapes(keypoints, visible, match):
    """Found by the property tests: one person without its N axis gave
    'too many values to unpack', a transposed visibility a broadcasting
    error."""
    codec = SequentialDiskHeatmap((64, 48), (16, 12))
    with pytest.raises(ValueError, match=match):
        codec.encode(keypoints, visible)
    # MMPose's (N, K, 2) visibility (value, weight) is read as its values
    kpts = np.full((1, 2, 2), 20.0)
    out = codec.encode(kpts, np.array([[[1, 1], [0, 1]]], np.float32))
    np.testing.assert_array_equal(out['keypoint_weights'], [[1, 0]])
