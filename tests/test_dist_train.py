"""Multi-process training and testing on the CPU: ``tools/train.py`` and
``tools/test.py`` under ``python -m torch.distributed.run --nproc_per_node 2
... --launcher pytorch``, gloo backend (what ``tools/dist_train.sh`` runs).

Tiny synthetic data and models; a probe hook (written to ``tmp_path`` and
imported through ``custom_imports``) dumps what each rank saw to
``<work_dir>/probe_rank<R>.json``. Select with ``-m dist`` or by file name.
"""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch
from conftest import REPO_ROOT, TINY_HRNET
from mmengine.config import Config
from mmengine.runner import Runner

from mmpose_occlusion.datasets.synthetic import SceneConfig, generate_split

pytestmark = [
    pytest.mark.dist,
    pytest.mark.skipif(
        torch.cuda.is_available(),
        reason='exercises the CPU (gloo) path; CUDA machines take '
        "MMEngine's own NCCL path"),
]

MIPNET = osp.join(REPO_ROOT, 'configs', 'mipnet',
                  'td-hm_res18-half-mipnet_1xb32-6e_synthcrowd-128x96.py')
HINTPOSE = osp.join(
    REPO_ROOT, 'configs', 'hintpose',
    'td-hm_hrnet-w16-small-hintpose_1xb32-6e_synthcrowd-128x96.py')
SEQDEC = osp.join(REPO_ROOT, 'configs', 'seqdecoder',
                  'seqdec_res18-half_1xb16-16e_synthcrowd-128x160.py')

PROBE = '''
"""Test-only hook: what one rank saw, dumped to its work_dir."""
import json
import os.path as osp

import torch
import torch.distributed as dist
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS


@HOOKS.register_module()
class DistProbeHook(Hook):
    priority = 'LOWEST'  # after the hooks it observes

    def __init__(self):
        self.record = dict(epochs=[])

    def _dump(self, runner):
        path = osp.join(runner.work_dir, f'probe_rank{runner.rank}.json')
        with open(path, 'w') as f:
            json.dump(self.record, f)

    def before_train(self, runner):
        model = runner.model
        bare = model.module if is_model_wrapper(model) else model
        self.record.update(
            backend=dist.get_backend(), world_size=dist.get_world_size(),
            rank=dist.get_rank(), wrapper=type(model).__name__,
            device_ids=getattr(model, 'device_ids', 'missing'),
            optim_wrapper=type(runner.optim_wrapper).__name__,
            sync_bn=sum(isinstance(m, torch.nn.SyncBatchNorm)
                        for m in bare.modules()),
            bn=sum(isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
                   for m in bare.modules()),
            start_iter=runner.iter, start_epoch=runner.epoch)

    def before_train_epoch(self, runner):
        bare = runner.model.module
        self.record['epochs'].append(dict(
            epoch=runner.epoch,
            max_train_people=getattr(bare.head, 'max_train_people', None)))

    def after_train_epoch(self, runner):
        for hook in runner.hooks:
            if type(hook).__name__ == 'PersonCurriculumHook':
                self.record['epochs'][-1].update(
                    limit=hook.limit, last_loss=hook.last_loss,
                    local_sum=hook._loss_sum, local_count=hook._loss_count)
        self._dump(runner)

    def after_val_epoch(self, runner, metrics=None):
        self.record['val'] = dict(metrics or {})
        self._dump(runner)

    def after_train(self, runner):
        params = runner.model.module.parameters()
        self.record.update(end_iter=runner.iter, end_epoch=runner.epoch,
                           param_sum=float(sum(p.detach().double().sum()
                                               for p in params)))
        self._dump(runner)

    def before_test(self, runner):
        self.record['test_samples'] = 0

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None):
        self.record['test_samples'] += len(outputs)

    def after_test_epoch(self, runner, metrics=None):
        self.record['test'] = dict(metrics or {})
        self._dump(runner)
'''


@pytest.fixture(scope='module')
def dist_data(tmp_path_factory):
    """8 crowded training images; 3 validation images of 3 people each: 9
    top-down samples, an odd number, so 2 processes get a padded sample
    whenever the sampler rounds up."""
    root = str(tmp_path_factory.mktemp('dist_synth'))
    generate_split(
        root,
        'train',
        8,
        seed=5,
        progress=False,
        cfg=SceneConfig(min_people=2, max_people=4, overlap=0.7))
    generate_split(
        root,
        'val',
        3,
        seed=5,
        progress=False,
        cfg=SceneConfig(min_people=3, max_people=3, overlap=0.7))
    return root


@pytest.fixture(scope='module')
def probe_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp('probe')
    (path / 'dist_probe.py').write_text(PROBE)
    return str(path)


def _write_cfg(path, base, data_root, max_epochs, extra=''):
    """A config inheriting ``base`` with tiny loaders on ``data_root``."""
    ann = osp.join(data_root, 'annotations', 'person_keypoints_val.json')
    loader = (f'dict(batch_size=2, num_workers=0, persistent_workers=False, '
              f'dataset=dict(data_root={data_root!r}))')
    text = f'''_base_ = [{base!r}]
custom_imports = dict(imports=['mmpose_occlusion', 'dist_probe'],
                      allow_failed_imports=False)
train_cfg = dict(max_epochs={max_epochs}, val_interval=1)
param_scheduler = [dict(type='ConstantLR', factor=1.0)]
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=1, save_best=None))
custom_hooks = [dict(type='SyncBuffersHook'), dict(type='DistProbeHook')]
train_dataloader = {loader}
val_dataloader = {loader}
test_dataloader = val_dataloader
val_evaluator = dict(ann_file={ann!r})
test_evaluator = val_evaluator
{extra}'''
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _torchrun(tool, args, probe_dir, nproc=2):
    """Run ``tools/<tool>`` in ``nproc`` CPU processes; fail with its log."""
    env = dict(
        os.environ,
        OMP_NUM_THREADS='1',
        MKL_NUM_THREADS='1',
        PYTHONPATH=os.pathsep.join(
            [REPO_ROOT, probe_dir,
             os.environ.get('PYTHONPATH', '')]))
    proc = subprocess.run([
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node',
        str(nproc), '--master_addr', '127.0.0.1', '--master_port',
        str(_free_port()),
        osp.join(REPO_ROOT, 'tools', tool), *args, '--launcher', 'pytorch'
    ],
                          capture_output=True,
                          text=True,
                          env=env,
                          cwd=REPO_ROOT,
                          timeout=600)
    assert proc.returncode == 0, (proc.stdout[-3000:] + proc.stderr[-6000:])
    return proc


def _probes(work_dir, nproc=2):
    out = []
    for rank in range(nproc):
        with open(osp.join(work_dir, f'probe_rank{rank}.json')) as f:
            out.append(json.load(f))
    return out


def _assert_data_parallel(probes):
    """Both ranks ran gloo DDP with the CPU wrapper and ended with the same
    weights (gradients were averaged across them)."""
    assert [p['rank'] for p in probes] == [0, 1]
    for p in probes:
        assert p['backend'] == 'gloo' and p['world_size'] == 2
        assert p['wrapper'] == 'CPUDistributedDataParallel'
        assert p['device_ids'] is None
    assert probes[0]['param_sum'] == pytest.approx(
        probes[1]['param_sum'], rel=1e-9)


@pytest.fixture(scope='module')
def mipnet_epoch1(dist_data, probe_dir, tmp_path_factory):
    """MIPNet trained one epoch in 2 processes (with SyncBN requested, which
    the CPU wrapper must revert), validated at the end of the epoch."""
    tmp = tmp_path_factory.mktemp('mipnet')
    cfg = _write_cfg(
        tmp / 'mipnet.py',
        MIPNET,
        dist_data,
        1,
        extra="sync_bn = 'torch'\n"
        'test_dataloader = dict(val_dataloader, batch_size=1, '
        'sampler=dict(round_up=True))\n')
    work_dir = str(tmp / 'work')
    _torchrun('train.py', [cfg, '--work-dir', work_dir], probe_dir)
    return cfg, work_dir


def test_mipnet_trains_and_validates_in_two_processes(mipnet_epoch1):
    _, work_dir = mipnet_epoch1
    probes = _probes(work_dir)
    _assert_data_parallel(probes)
    for p in probes:
        assert p['sync_bn'] == 0 and p['bn'] > 0  # SyncBN reverted on CPU
        assert p['optim_wrapper'] == 'OptimWrapper'
    # the validation metrics are computed once and broadcast
    assert probes[0]['val'] == probes[1]['val']
    assert 0.0 <= probes[0]['val']['coco/AP'] <= 1.0
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))


def _keypoint_results(prefix):
    with open(prefix + '.keypoints.json') as f:
        return sorted(json.load(f), key=lambda r: (r['image_id'], r['score']))


def test_distributed_test_equals_single_process(mipnet_epoch1, probe_dir,
                                                tmp_path, monkeypatch):
    """Same checkpoint, 2 processes and 1: the sampler pads the 9 samples
    to 10 for 2 processes, yet the metric sees each sample once, so the
    predictions it scores and the COCO metrics are the same."""
    cfg_path, work_dir = mipnet_epoch1
    ckpt = osp.join(work_dir, 'epoch_1.pth')
    dist_dir, out = str(tmp_path / 'dist'), str(tmp_path / 'metrics.json')
    _torchrun('test.py', [
        cfg_path, ckpt, '--work-dir', dist_dir, '--out', out, '--cfg-options',
        f'test_evaluator.outfile_prefix={dist_dir}/preds'
    ], probe_dir)
    with open(out) as f:
        dist_metrics = json.load(f)
    assert [p['test_samples'] for p in _probes(dist_dir)] == [5, 5]

    monkeypatch.syspath_prepend(probe_dir)
    cfg = Config.fromfile(cfg_path)
    single_dir = str(tmp_path / 'single')
    cfg.work_dir, cfg.load_from = single_dir, ckpt
    cfg.test_evaluator.outfile_prefix = f'{single_dir}/preds'
    single = Runner.from_cfg(cfg).test()
    assert _probes(single_dir, nproc=1)[0]['test_samples'] == 9

    assert set(dist_metrics) == set(single) >= {'coco/AP', 'coco/AR'}
    for key, value in single.items():
        assert dist_metrics[key] == pytest.approx(value, abs=1e-9), key
    dist_preds = _keypoint_results(f'{dist_dir}/preds')
    single_preds = _keypoint_results(f'{single_dir}/preds')
    assert len(dist_preds) == len(single_preds) > 0
    for d, s in zip(dist_preds, single_preds):
        assert d['image_id'] == s['image_id']
        assert d['score'] == pytest.approx(s['score'], abs=1e-5)
        assert d['keypoints'] == pytest.approx(s['keypoints'], abs=1e-3)


def test_resume_from_a_ddp_checkpoint_continues_its_iterations(
        mipnet_epoch1, probe_dir, tmp_path):
    cfg_path, work_dir = mipnet_epoch1
    first = _probes(work_dir)[0]
    iters = first['end_iter']
    assert iters > 0
    resumed_dir = str(tmp_path / 'resumed')
    _torchrun('train.py', [
        cfg_path, '--work-dir', resumed_dir, '--resume',
        osp.join(work_dir, 'epoch_1.pth'), '--cfg-options',
        'train_cfg.max_epochs=2'
    ], probe_dir)
    probes = _probes(resumed_dir)
    _assert_data_parallel(probes)
    for p in probes:
        assert (p['start_epoch'], p['start_iter']) == (1, iters)
        assert (p['end_epoch'], p['end_iter']) == (2, 2 * iters)
    ckpt = torch.load(
        osp.join(resumed_dir, 'epoch_2.pth'),
        map_location='cpu',
        weights_only=False)
    assert (ckpt['meta']['epoch'], ckpt['meta']['iter']) == (2, 2 * iters)


def test_hintpose_trains_with_amp_and_validates_in_two_processes(
        dist_data, probe_dir, tmp_path):
    """HintPose (a tiny HRNet) with ``--amp``: the CPU gets
    AutocastOptimWrapper, under DDP."""
    extra = (f'model = dict(backbone=dict(extra={TINY_HRNET!r}, '
             'num_hops=2), head=dict(in_channels=8))\n')
    cfg = _write_cfg(tmp_path / 'hint.py', HINTPOSE, dist_data, 1, extra)
    work_dir = str(tmp_path / 'work')
    _torchrun('train.py', [cfg, '--work-dir', work_dir, '--amp'], probe_dir)
    probes = _probes(work_dir)
    _assert_data_parallel(probes)
    assert {p['optim_wrapper'] for p in probes} == {'AutocastOptimWrapper'}
    assert probes[0]['val'] == probes[1]['val']
    assert 0.0 <= probes[0]['val']['coco/AP'] <= 1.0


def test_person_curriculum_gives_every_rank_the_same_limit(
        dist_data, probe_dir, tmp_path):
    """The plateau test reads the epoch-mean loss all-reduced over the
    ranks, so both ranks take the same decision (with settle_tol=1 the loss
    'settles' after epoch 2: the limit grows from 2 to 3 on both) though
    their own losses differ."""
    extra = ('custom_hooks = [dict(type="SyncBuffersHook"), '
             'dict(type="PersonCurriculumHook", start=2, interval=1, '
             'settle_tol=1.0), dict(type="DistProbeHook")]\n')
    cfg = _write_cfg(tmp_path / 'seq.py', SEQDEC, dist_data, 2, extra)
    work_dir = str(tmp_path / 'work')
    _torchrun('train.py', [cfg, '--work-dir', work_dir, '--no-validate'],
              probe_dir)
    probes = _probes(work_dir)
    _assert_data_parallel(probes)
    for epochs in (p['epochs'] for p in probes):
        assert [e['max_train_people'] for e in epochs] == [2, 2]
        assert [e['limit'] for e in epochs] == [2, 3]
    for r0, r1 in zip(*(p['epochs'] for p in probes)):
        local = [r['local_sum'] / r['local_count'] for r in (r0, r1)]
        assert local[0] != pytest.approx(local[1], rel=1e-6)
        global_mean = (r0['local_sum'] + r1['local_sum']) / (
            r0['local_count'] + r1['local_count'])
        assert r0['last_loss'] == pytest.approx(global_mean, rel=1e-9)
        assert r1['last_loss'] == pytest.approx(global_mean, rel=1e-9)
