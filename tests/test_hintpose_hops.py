"""tools/analysis/hintpose_hops.py: the per-hop BatchNorm statistics it
re-estimates are the plain averages of each hop's batch statistics, and the
layers outside the hop path keep theirs."""
import os.path as osp

import torch
from conftest import REPO_ROOT, TINY_HRNET
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmpose.registry import DATASETS, MODELS

CFG = osp.join(REPO_ROOT, 'configs', 'hintpose',
               'td-hm_hrnet-w16-small-hintpose_1xb32-6e_synthcrowd-128x96.py')


def _model_and_batches(root):
    cfg = Config.fromfile(CFG)
    cfg.model.backbone.extra = TINY_HRNET
    cfg.model.head.in_channels = 8
    cfg.train_dataloader.dataset.data_root = root
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    torch.nn.init.normal_(model.backbone.feedback.update.weight, std=0.5)
    batches = [
        pseudo_collate([dataset[i] for i in range(j, j + 3)]) for j in (0, 3)
    ]
    return model, batches


def _last_stage_bn(model):
    """A BatchNorm of stage 4 (runs once in every hop)."""
    return [
        m for m in model.backbone.stage4.modules()
        if isinstance(m, torch.nn.BatchNorm2d)
    ][-1]


def test_per_hop_statistics_are_the_average_of_each_hops_batches(tiny_synth):
    from hintpose_hops import reestimate
    model, batches = _model_and_batches(tiny_synth)
    bn = _last_stage_bn(model)
    stem_mean = model.backbone.bn1.running_mean.clone()
    # expected: the mean over batches of each hop's batch mean at ``bn``,
    # the hops run in train mode (batch statistics) as re-estimation does
    seen = torch.zeros(2, 3, bn.num_features)
    for b, batch in enumerate(batches):
        data = model.data_preprocessor(batch, True)
        cues, counts = model._cues(data['data_samples'])
        captured = []
        handle = bn.register_forward_hook(
            lambda m, inp, out: captured.append(inp[0].mean((0, 2, 3))))
        model.eval()
        for layer in model.backbone.hop_norm_layers():
            layer.train()
        with torch.no_grad():
            model.forward_hops(data['inputs'], cues, counts)
        handle.remove()
        seen[b] = torch.stack(captured)
    for layer in model.backbone.hop_norm_layers():
        layer.momentum = 0.1
    reestimate(model, batches, batches=2, per_hop=True)
    torch.testing.assert_close(bn.hop_running_mean, seen.mean(0))
    assert not torch.allclose(bn.hop_running_mean[0], bn.hop_running_mean[2])
    torch.testing.assert_close(model.backbone.bn1.running_mean, stem_mean)
    assert not model.training


def test_shared_statistics_average_all_hops(tiny_synth):
    from hintpose_hops import reestimate
    model, batches = _model_and_batches(tiny_synth)
    bn = _last_stage_bn(model)
    captured = []
    handle = bn.register_forward_hook(
        lambda m, inp, out: captured.append(inp[0].mean((0, 2, 3))))
    reestimate(model, batches, batches=2, per_hop=False)
    handle.remove()
    torch.testing.assert_close(bn.running_mean, torch.stack(captured).mean(0))
