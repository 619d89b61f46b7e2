"""tools/analysis/crowd_benchmark.py --quick runs end to end (tiny data,
one epoch, every section), writes a results file with every method's
section and the mechanism keys, the report between its markers and the
plots; a re-run with --only reuses the finished runs and keeps the other
sections."""
import json
import os.path as osp
import subprocess
import sys

import pytest
from conftest import REPO_ROOT

SCRIPT = osp.join(REPO_ROOT, 'tools/analysis/crowd_benchmark.py')


def _run(*args):
    proc = subprocess.run([sys.executable, SCRIPT, *args],
                          capture_output=True,
                          text=True,
                          cwd=REPO_ROOT)
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


@pytest.fixture(scope='module')
def quick_run(tmp_path_factory):
    work = tmp_path_factory.mktemp('bench')
    _run('--quick', '--work-dir', str(work))
    return work


def test_quick_benchmark_writes_every_section(quick_run):
    out = quick_run / 'benchmark'
    with open(out / 'results_quick.json') as f:
        res = json.load(f)
    assert {
        'stock', 'mipnet', 'hintpose', 'detposenet', 'seqdecoder',
        'bottomup_ae', 'cost', 'meta', 'data'
    } <= set(res)
    for key in ('own_recall', 'other_recall', 'both_recall',
                'stock_other_recall'):
        assert set(res['mipnet'][key]) >= {'mean', 'spread', 'runs'}
        assert len(res['mipnet'][key]['runs']) == 2  # two seeds
    assert {'mipnet', 'mipnet_ft_neutral',
            'mipnet_ft_official'} <= set(res['mipnet']['rows'])
    decay = res['mipnet']['secondary_score_decay']
    assert set(decay) == {'0.5', '1.0'}
    assert set(decay['0.5']) == {'gt_boxes', 'detections'}
    for key in ('cue_switch_1hop', 'cue_switch_3hop', 'both_followed_1hop'):
        assert key in res['hintpose']
    hops = res['hintpose']['hops']
    assert set(hops) == {
        'as trained', 're-estimated, shared', 're-estimated, per hop'
    }
    assert all(len(v) == 3 for v in hops.values())
    assert len(res['hintpose']['cue_switch_1hop']['runs']) == 1  # ablation
    det = res['detposenet']
    assert {'detposenet', 'detposenet_nomask',
            'detposenet_mask_ft'} <= set(det['rows'])
    assert 'synthetic, simulated poses' in det['filter_recall']
    assert set(det['best_nms_recall']) == set(det['filter_recall'])
    assert set(det['filter_runs_per_person']) == set(det['filter_recall'])
    assert set(det['chain_ap']) == {'nms', 'filter'}
    seq = res['seqdecoder']
    assert set(seq['exact_count_rate']) == {'steps', 'steps_x_parts'}
    assert set(seq['ap_by_people']) == {'steps', 'steps_x_parts'}
    # the decoder's people as DetPoseNet's coarse poses: the layouts of the
    # pooled quick seeds and the chain
    assert seq['filter']['layout']['seeds'] == 2
    assert seq['filter']['layout']['people'] > 0
    assert seq['filter']['chain']['runs_per_person'] >= 0
    assert det['layouts']['synthetic, simulated poses']['seeds'] == 2
    for row in ('stock', 'mipnet', 'hintpose_3hop', 'detposenet'):
        section = 'hintpose' if row.startswith('hint') else row
        ap = res[section]['rows'][row]['ap']
        assert {'all', 'crowded', 'crowded_front', 'by_occlusion'} <= set(ap)
    budget = res['stock']['budget_check']
    assert budget['epochs'] == res['meta']['epochs'] == 1
    # every run of the one process logs its own learning curve
    from crowd_benchmark import read_curves
    for run, last in (('stock_s0', 1), ('stock_s1', 1), ('stock_s0_2e', 2)):
        curves = read_curves(str(quick_run / run))
        assert [e for e, _ in curves['ap']] == [last], run
    assert set(budget['runs']) == {'2'}  # twice; half of 1 epoch is none
    assert 0.0 <= budget['runs']['2']['ap_all'] <= 1.0
    assert res['cost']['stock']['params_ratio'] == 1.0
    assert res['cost']['mipnet']['params_ratio'] > 1.0  # the MIMBs
    assert (out / 'learning_curves_quick.png').stat().st_size > 1000
    assert (out / 'ap_vs_occlusion_quick.png').stat().st_size > 1000
    report = (quick_run / 'benchmark.md').read_text()
    assert report.count('<!-- benchmark:quick:start -->') == 1
    assert '| MIPNet N=2 | 2 |' in report
    # the learning curve comes from the run's own validation
    curve = res['stock']['rows']['stock']['curves']['0']
    assert curve['ap'] and curve['loss']


def test_only_reuses_runs_and_keeps_the_other_sections(quick_run):
    out = quick_run / 'benchmark'
    with open(out / 'results_quick.json') as f:
        before = json.load(f)
    report = quick_run / 'benchmark.md'
    report.write_text('# My notes\n\nkept\n' + report.read_text())
    proc = _run('--quick', '--work-dir', str(quick_run), '--only', 'mipnet')
    assert 'reusing' in proc.stdout  # no training again
    with open(out / 'results_quick.json') as f:
        after = json.load(f)
    assert after['hintpose'] == before['hintpose']
    assert after['mipnet']['own_recall'] == before['mipnet']['own_recall']
    text = report.read_text()
    assert text.startswith('# My notes\n\nkept\n')
    assert text.count('<!-- benchmark:quick:start -->') == 1


def test_a_section_at_another_budget_is_refused(quick_run):
    proc = subprocess.run([
        sys.executable, SCRIPT, '--quick', '--work-dir',
        str(quick_run), '--only', 'cost', '--epochs', '2'
    ],
                          capture_output=True,
                          text=True,
                          cwd=REPO_ROOT)
    assert proc.returncode != 0
    assert 'measured at 1 epochs' in proc.stderr


def test_occlusion_levels_and_bins():
    from crowd_benchmark import OCCLUSION_BINS, occlusion_levels
    coco = dict(annotations=[
        dict(id=1, keypoints=[1, 1, 2] * 17),
        dict(id=2, keypoints=[1, 1, 1] * 4 + [1, 1, 2] * 12 + [0, 0, 0]),
        dict(id=3, keypoints=[1, 1, 1] * 17),
    ])
    lv = occlusion_levels(coco)
    assert lv == {1: 0.0, 2: 0.25, 3: 1.0}
    # every level falls in exactly one bin
    for v in lv.values():
        assert sum((v == 0 if hi == 0 else lo < v <= hi)
                   for lo, hi in OCCLUSION_BINS) == 1


def test_verdict_calls_a_difference_inside_the_spread_parity():
    from crowd_benchmark import agg, verdict
    stock = agg([0.50, 0.52])
    assert verdict(agg([0.54, 0.55]), stock).startswith('better')  # +3.5
    # +2.0 is not more than the stock seeds' spread (2.0): parity
    assert verdict(agg([0.525, 0.535]), stock).startswith('parity')
    assert verdict(agg([0.515, 0.52]), stock).startswith('parity')
    assert verdict(agg([0.47, 0.48]), stock).startswith('worse')
    # one seed each: the floor (0.5 AP) is the noise
    assert verdict(agg([0.503]), agg([0.50])).startswith('parity')


def test_schedule_stretches_with_the_budget():
    from evidence_common import load_cfg, stretch_schedule
    cfg = load_cfg('configs/baseline/'
                   'td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py')
    stretch_schedule(cfg, 24)
    cos = [s for s in cfg.param_scheduler if s.type == 'CosineAnnealingLR']
    assert cos[0].end == 24 and cos[0].T_max == 24
    assert cfg.train_cfg.max_epochs == 24
    warm = [s for s in cfg.param_scheduler if s.type == 'LinearLR']
    assert warm[0].end == 50  # iterations: unchanged
    cfg = load_cfg('configs/seqdecoder/'
                   'seqdec_res18-half_1xb16-16e_synthcrowd-128x160.py')
    stretch_schedule(cfg, 32)
    ms = [s for s in cfg.param_scheduler if s.type == 'MultiStepLR'][0]
    assert ms.milestones == [24, 30] and ms.end == 32


@pytest.mark.parametrize('profile', ['cpu', 'cuda'])
@pytest.mark.parametrize('row', [
    'stock', 'mipnet', 'hintpose_3hop', 'detposenet', 'seqdecoder',
    'bottomup_ae'
])
def test_profile_models_build_and_run_at_their_size(row, profile):
    """Each profile's edit of every row: the CPU profile runs the top-down
    rows at 96x64 (24x16 heatmaps) with loading in the training process;
    --device cuda at HRNet-W32, 256x192, ResNet-50 for the sequential
    decoder. Each edited config builds and runs a forward pass at its input
    size (here on the CPU)."""
    import torch
    from crowd_benchmark import (PROFILES, ROWS, build_model_from_cfg,
                                 profile_cfg_edit)
    from evidence_common import load_cfg
    _, _, cfg_path, kind, _ = ROWS[row]
    cfg = load_cfg(cfg_path, profile_cfg_edit(PROFILES[profile], kind))
    w, h = cfg.codec['input_size']
    size, out_size, width = {
        'cpu': ((64, 96), (24, 16), 16),
        'cuda': ((192, 256), (64, 48), 32)
    }[profile]
    if kind == 'topdown':
        assert (w, h) == size
        assert cfg.model.backbone.extra.stage4.num_channels[0] == width
        pipeline_sizes = {
            tuple(t['input_size'])
            for t in cfg.train_dataloader.dataset.pipeline if 'input_size' in t
        }
        assert pipeline_sizes == {size}
    if profile == 'cpu':
        assert cfg.train_dataloader.num_workers == 0
        assert not cfg.train_dataloader.persistent_workers
    model = build_model_from_cfg(cfg, 'cpu')
    with torch.no_grad():
        out = model(torch.randn(1, 3, h, w), None, mode='tensor')
    while isinstance(out, (list, tuple)):
        out = out[0]
    if kind == 'topdown':
        assert out.shape[-2:] == out_size


def test_resize_topdown_refuses_a_size_it_does_not_know():
    from crowd_benchmark import resize_topdown
    from mmengine.config import Config
    cfg = Config(
        dict(codec=dict(input_size=(192, 256), heatmap_size=(48, 64))))
    with pytest.raises(ValueError, match='input_size=.192, 256.'):
        resize_topdown(cfg, (64, 96), (16, 24))


def test_a_work_dir_of_another_profile_is_refused(tmp_path):
    from crowd_benchmark import Bench, check_profile_stamp, parse_args
    bench = Bench(parse_args(['--quick', '--work-dir', str(tmp_path)]))
    check_profile_stamp(bench)  # writes the stamp
    check_profile_stamp(bench)  # the same profile resumes
    bench.profile['scale'] = None
    with pytest.raises(SystemExit, match='another profile'):
        check_profile_stamp(bench)


def test_budget_check_runs_half_and_twice_the_budget():
    from types import SimpleNamespace

    from crowd_benchmark import budget_epochs
    assert budget_epochs(SimpleNamespace(epochs=60)) == [30, 120]
    assert budget_epochs(SimpleNamespace(epochs=1)) == [2]


def test_plan_times_every_row(tmp_path):
    proc = _run('--quick', '--plan', '3', '--work-dir', str(tmp_path))
    table = proc.stdout[proc.stdout.index('| row |'):]
    for label in ('stock HRNet (top-down)', 'MIPNet N=2',
                  'sequential decoder (bottom-up)', '**all**'):
        assert f'| {label} |' in table


def test_sections_written_by_another_process_are_kept(tmp_path):
    """--only runs in separate processes: one process's write keeps what
    another wrote to the results file since it started."""
    from crowd_benchmark import Bench, _merge_from_disk, parse_args
    from evidence_common import write_json
    bench = Bench(
        parse_args(
            ['--quick', '--work-dir',
             str(tmp_path), '--only', 'mipnet']))
    write_json(
        dict(stock=dict(ap=2), mipnet=dict(ap=0), meta=dict(m=0)),
        bench.results_file)
    results = dict(stock=dict(ap=1), mipnet=dict(ap=3), meta=dict(m=1))
    _merge_from_disk(bench, results, {'meta', 'data', 'mipnet'})
    assert results == dict(stock=dict(ap=2), mipnet=dict(ap=3), meta=dict(m=1))


def test_gpu_report_is_rewritten_on_a_machine_without_gpu(tmp_path):
    """--device cuda --report-only needs no GPU: the GPU results file
    carried back is turned into its block here."""
    from evidence_common import write_json
    out = tmp_path / 'out'
    write_json(
        dict(
            meta=dict(
                command='x',
                date='2026-01-01',
                profile='cuda',
                epochs=60,
                autocast='bfloat16',
                device='cuda',
                torch='t',
                device_name='GPU X')), str(out / 'results_cuda.json'))
    proc = _run('--device', 'cuda', '--report-only', '--out-dir', str(out),
                '--work-dir', str(tmp_path / 'wd'))
    assert 'report:' in proc.stdout
    text = (tmp_path / 'out.md').read_text()
    assert '<!-- benchmark:cuda:start -->' in text and 'GPU X' in text


def test_offline_stack_ops_stand_in_names_the_missing_op():
    """The mmcv-lite stand-in that tools/misc/offline_stack.sh writes:
    every op exists for MMCV's import-time check, and running one raises
    an error that names it and the fix."""
    import types
    script = open(osp.join(REPO_ROOT, 'tools/misc/offline_stack.sh')).read()
    src = script.split("<<'PY'\n", 1)[1].split('\nPY\n', 1)[0]
    mod = types.ModuleType('mmcv_ext_stand_in')
    exec(compile(src, 'offline_stack_ext', 'exec'), mod.__dict__)
    assert hasattr(mod, 'nms') and hasattr(mod, 'roi_align_forward')
    assert not hasattr(mod, '__wrapped__')
    with pytest.raises(RuntimeError, match=r"'nms'.*full MMCV"):
        mod.nms(None, None, 0.5)


def test_a_checkpoint_of_another_network_is_refused(tmp_path):
    """A finished run trained before the code changed its network is not
    silently half-loaded."""
    import torch
    from crowd_benchmark import (PROFILES, ROWS, build_model_from_cfg,
                                 check_checkpoint, profile_cfg_edit)
    from evidence_common import load_cfg
    cfg_path = ROWS['mipnet'][2]
    edit = profile_cfg_edit(PROFILES['quick'], 'topdown', True)
    model = build_model_from_cfg(load_cfg(cfg_path, edit), 'cpu')
    good = tmp_path / 'good.pth'
    torch.save(dict(state_dict=model.state_dict()), good)
    check_checkpoint(cfg_path, str(good), edit, str(tmp_path))
    state = model.state_dict()
    state['backbone.mimb.stage3.0.excite.0.bias'] = torch.zeros(2)
    bad = tmp_path / 'bad.pth'
    torch.save(dict(state_dict=state), bad)
    with pytest.raises(SystemExit, match='Move .* aside'):
        check_checkpoint(cfg_path, str(bad), edit, str(tmp_path))


def test_a_decoder_checkpoint_of_the_pre_neck_layout_is_reused(tmp_path):
    """The sequential decoder's runs trained before its fusion became the
    neck (keys head.part_localizer.laterals.*) pass the check: the same
    network, read through the checkpoint upgrade."""
    import torch
    from crowd_benchmark import (PROFILES, ROWS, build_model_from_cfg,
                                 check_checkpoint, profile_cfg_edit)
    from evidence_common import load_cfg
    cfg_path = ROWS['seqdecoder'][2]
    edit = profile_cfg_edit(PROFILES['quick'], 'bottomup', True)
    model = build_model_from_cfg(load_cfg(cfg_path, edit), 'cpu')
    state = {
        k.replace('neck.laterals.', 'head.part_localizer.laterals.'): v
        for k, v in model.state_dict().items()
    }
    assert sum('head.part_localizer.laterals.' in k for k in state) == 8
    old = tmp_path / 'pre_neck.pth'
    torch.save(dict(state_dict=state), old)
    check_checkpoint(cfg_path, str(old), edit, str(tmp_path))


def test_a_finetuned_row_is_evaluated_with_its_own_network(tmp_path):
    """Found on the benchmark: the neutral-init fine-tuning row was
    evaluated with the profile's edit only (the official MIMB init) and
    scored 13 AP instead of 54. Every evaluation takes the row's network
    edit; the training-only Pretrained init stays out of it."""
    from crowd_benchmark import ROWS, Bench, load_cfg, parse_args
    bench = Bench(parse_args(['--quick', '--work-dir', str(tmp_path)]))
    cfg_path = ROWS['mipnet_ft_neutral'][2]
    cfg = load_cfg(cfg_path, bench.cfg_edit('topdown', 'mipnet_ft_neutral'))
    assert cfg.model.backbone.mimb_cfg == dict(init='neutral')
    assert cfg.model.get('init_cfg') is None
    plain = load_cfg(cfg_path, bench.cfg_edit('topdown'))
    assert plain.model.backbone.get('mimb_cfg', {}).get('init') != 'neutral'
