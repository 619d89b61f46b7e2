"""Instant end-to-end run of the quickstart config on a tiny synthetic set:
train, save, resume from the Runner's checkpoint, and test from it."""
import json
import os.path as osp

import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.runner import Runner

from mmpose_occlusion.datasets.crowd_regions import crowd_statistics

CONFIG = osp.join(REPO_ROOT, 'configs', 'baseline',
                  'td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py')
MIPNET = osp.join(REPO_ROOT, 'configs', 'mipnet',
                  'td-hm_res18-half-mipnet_1xb32-6e_synthcrowd-128x96.py')
HINTPOSE = osp.join(
    REPO_ROOT, 'configs', 'hintpose',
    'td-hm_hrnet-w16-small-hintpose_1xb32-6e_synthcrowd-128x96.py')


def _tiny_cfg(data_root, work_dir, max_epochs, config=CONFIG):
    cfg = Config.fromfile(config)
    cfg.work_dir = work_dir
    cfg.train_cfg.max_epochs = max_epochs
    cfg.train_cfg.val_interval = 100
    cfg.default_hooks.logger.interval = 1
    cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0)]
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[name]
        loader.batch_size = 8
        loader.num_workers = 0
        loader.persistent_workers = False
        loader.dataset.data_root = data_root
    cfg.test_evaluator.ann_file = osp.join(
        data_root, 'annotations/person_keypoints_val.json')
    cfg.val_evaluator = cfg.test_evaluator
    return cfg


def test_train_resume_and_test(tiny_synth, tmp_path):
    work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(_tiny_cfg(tiny_synth, work_dir, max_epochs=1))
    runner.train()
    ckpt = osp.join(work_dir, 'epoch_1.pth')
    assert osp.isfile(ckpt)
    trained = {k: v.clone() for k, v in runner.model.state_dict().items()}

    # Resume: MMEngine reads the whole checkpoint (meta with numpy arrays and
    # HistoryBuffers, optimizer state) through our weights_only loader.
    cfg = _tiny_cfg(tiny_synth, work_dir, max_epochs=2)
    cfg.resume = True
    cfg.load_from = ckpt
    resumed = Runner.from_cfg(cfg)
    resumed.train()
    assert resumed.epoch == 2
    assert resumed.iter == 2 * runner.iter
    assert osp.isfile(osp.join(work_dir, 'epoch_2.pth'))

    # Test from the first checkpoint: the weights are exactly the trained ones.
    cfg = _tiny_cfg(tiny_synth, str(tmp_path / 'test'), max_epochs=1)
    cfg.load_from = ckpt
    tester = Runner.from_cfg(cfg)
    metrics = tester.test()
    for k, v in tester.model.state_dict().items():
        torch.testing.assert_close(v, trained[k])
    assert 0.0 <= metrics['coco/AP'] <= 1.0
    assert set(metrics) >= {'coco/AP', 'coco/AP .5', 'coco/AR'}


def test_mipnet_trains_and_tests_with_n_instances_per_box(
        tiny_synth, tmp_path):
    cfg = _tiny_cfg(tiny_synth, str(tmp_path / 'mip'), 1, config=MIPNET)
    runner = Runner.from_cfg(cfg)
    runner.train()
    seen = []
    runner.test_evaluator.metrics[0].process = (
        lambda batch, samples, _p=runner.test_evaluator.metrics[0].process:
        (seen.extend(len(s['pred_instances']['keypoints'])
                     for s in samples), _p(batch, samples)))
    metrics = runner.test()
    assert seen and set(seen) == {2}
    assert 0.0 <= metrics['coco/AP'] <= 1.0


def test_hintpose_trains_with_a_loss_per_hop_and_tests(tiny_synth, tmp_path):
    cfg = _tiny_cfg(tiny_synth, str(tmp_path / 'hint'), 1, config=HINTPOSE)
    runner = Runner.from_cfg(cfg)
    runner.train()
    scalars = runner.message_hub.log_scalars
    assert {
        'train/loss_kpt_hop1', 'train/loss_kpt_hop2', 'train/loss_kpt_hop3'
    } <= set(scalars)
    metrics = runner.test()
    assert 0.0 <= metrics['coco/AP'] <= 1.0


SEQDEC = osp.join(REPO_ROOT, 'configs', 'seqdecoder',
                  'seqdec_res18-half_1xb16-16e_synthcrowd-128x160.py')


def _tiny_seqdec_cfg(data_root, work_dir):
    cfg = _tiny_cfg(data_root, work_dir, 1, config=SEQDEC)
    cfg.model.test_cfg.max_steps = 3
    cfg.model.test_cfg.flip_test = True
    return cfg


def test_sequential_decoder_trains_with_curriculum_and_tests(
        tiny_synth, tmp_path):
    runner = Runner.from_cfg(
        _tiny_seqdec_cfg(tiny_synth, str(tmp_path / 'seq')))
    runner.train()
    scalars = runner.message_hub.log_scalars
    assert {'train/loss_part', 'train/loss_person'} <= set(scalars)
    assert scalars['train/max_people'].current() == 2
    assert runner.model.head.max_train_people == 2
    metrics = runner.test()
    assert 0.0 <= metrics['coco/AP'] <= 1.0


def test_sequential_decoder_trains_on_crowd_regions(tiny_synth, tmp_path):
    """The COCO-crowd training path: one sample per crowd region, cropped
    from the original image with scale augmentation."""
    cfg = _tiny_seqdec_cfg(tiny_synth, str(tmp_path / 'crowd'))
    cfg.train_dataloader.dataset.type = 'CocoCrowdDataset'
    cfg.train_dataloader.dataset.pipeline.insert(
        1, dict(type='RandomCrowdRegionCrop', scale_factor=(0.75, 1.5)))
    runner = Runner.from_cfg(cfg)
    with open(osp.join(tiny_synth,
                       'annotations/person_keypoints_train.json')) as f:
        regions = crowd_statistics(json.load(f))['regions']
    assert regions > 0
    assert len(runner.train_dataloader.dataset) == regions
    runner.train()
    assert runner.iter == -(-regions // cfg.train_dataloader.batch_size)


def test_sequential_decoder_resumes_from_a_pre_neck_checkpoint(
        tiny_synth, tmp_path):
    """A Runner checkpoint written before the part-feature fusion became the
    neck (its 1x1 convs under head.part_localizer.laterals.*) resumes: the
    weights land in the neck, and the optimizer's state (kept by parameter
    order) fits every parameter."""
    work = str(tmp_path / 'seq')
    runner = Runner.from_cfg(_tiny_seqdec_cfg(tiny_synth, work))
    runner.train()
    ckpt = torch.load(osp.join(work, 'epoch_1.pth'), weights_only=False)
    ckpt['state_dict'] = type(ckpt['state_dict'])(
        (k.replace('neck.laterals.', 'head.part_localizer.laterals.'), v)
        for k, v in ckpt['state_dict'].items())
    old = str(tmp_path / 'pre_neck.pth')
    torch.save(ckpt, old)

    cfg = _tiny_seqdec_cfg(tiny_synth, str(tmp_path / 'resumed'))
    cfg.train_cfg.max_epochs = 2
    resumed = Runner.from_cfg(cfg)
    resumed.resume(old)
    weight = ckpt['state_dict']['head.part_localizer.laterals.0.weight']
    torch.testing.assert_close(resumed.model.neck.laterals[0].weight, weight)
    state = resumed.optim_wrapper.optimizer.state
    params = list(resumed.model.parameters())
    assert len(state) == len(params)
    for p in params:
        assert state[p]['exp_avg'].shape == p.shape
    assert resumed.epoch == 1
