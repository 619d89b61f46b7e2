"""Does HintPose follow its cue when the training cue is not jittered onto
other people?

``hintpose_cue_ambiguity.py`` measured that the configs' training cue
jitter (1.5 cue-map px, ours; the report says only that the joint's
position is "augmented") puts about a third of the crowded training cues
nearer another person's joint than the target's. This trains the crowd
benchmark's HintPose cue-only row (1 hop, seed 0, the benchmark's profile
and budget) once per jitter and measures what the benchmark's hintpose
section measures: the cue-switch rates on the two-person boxes and AP with
ground-truth and bottom-up cues. The jitter the configs use is the
benchmark's own ``hintpose_1hop`` run (reused, not retrained).

Usage::

    python tools/analysis/hintpose_jitter_sweep.py [--jitters 0 0.5]
        [--out docs/hintpose/jitter_sweep.json]

Runs resume from their checkpoints (``work_dirs/crowd_benchmark_cpu/
hintpose_1hop_jitter<J>_s0``); evaluations are cached per run.
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import crowd_benchmark as cb  # noqa: E402
from evidence_common import ROOT, write_json  # noqa: E402

BASE_ROW = 'hintpose_1hop'


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--jitters', type=float, nargs='+', default=[0.0, 0.5])
    p.add_argument('--out', default=osp.join(ROOT, 'docs', 'hintpose',
                                             'jitter_sweep.json'))
    p.add_argument('--quick', action='store_true',
                   help="the benchmark's quick profile (tiny data, 1 epoch)")
    return p.parse_args(argv)


def config_jitter(cfg_path: str) -> float:
    """The training cue jitter of a HintPose config."""
    cfg = cb.load_cfg(cfg_path, None)
    for t in cfg.train_dataloader.dataset.pipeline:
        if t['type'] == 'GenerateInstanceCue':
            return float(t.get('jitter', 1.5))
    raise ValueError(f'{cfg_path}: no GenerateInstanceCue in the training '
                     'pipeline')


def set_jitter(jitter: float):
    """A config edit: the training cue's jitter (cue-map pixels)."""

    def edit(cfg):
        found = False
        for t in cfg.train_dataloader.dataset.pipeline:
            if t['type'] == 'GenerateInstanceCue':
                t['jitter'] = jitter
                found = True
        if not found:
            raise ValueError('set_jitter: the training pipeline has no '
                             'GenerateInstanceCue')

    return edit


class JitterBench(cb.Bench):
    """The benchmark with the jitter rows' training edit."""

    jitters = {}

    def train(self, row, seed, epochs=None):
        if row not in self.jitters:
            return super().train(row, seed, epochs)
        # the row's config edit: the profile's, then the jitter
        orig = self.cfg_edit
        jitter = self.jitters[row]

        def with_jitter(kind):
            base = orig(kind)

            def edit(cfg):
                base(cfg)
                set_jitter(jitter)(cfg)
            return edit

        self.cfg_edit = with_jitter
        try:
            return super().train(row, seed, epochs)
        finally:
            self.cfg_edit = orig


def measure(bench: cb.Bench, row: str, ctx: dict) -> dict:
    ckpt = bench.train(row, 0)
    aps = {cue: cb.topdown_aps(bench, row, 0, ckpt, ctx, cue)
           for cue in ('bottomup', 'gt')}
    sw = cb.cue_switching(bench, row, 0, ckpt, ctx)
    timing = cb._read_json(osp.join(bench.run_dir(row, 0), 'timing.json'),
                           {})
    return dict(
        row=row, run_dir=osp.relpath(bench.run_dir(row, 0), ROOT),
        cue_switch=sw['switch'], own_followed=sw['own'],
        both_followed=sw['both'], boxes=sw['n'],
        ap_all_bottomup=aps['bottomup']['all'],
        ap_crowded_bottomup=aps['bottomup']['crowded'],
        ap_crowded_gt=aps['gt']['crowded'],
        ap_crowded_front_bottomup=aps['bottomup']['crowded_front'],
        train_s=timing.get('train_s'))


def main(argv=None) -> dict:
    args = parse_args(argv)
    cb_args = cb.parse_args(['--quick'] if args.quick else [])
    import os
    os.environ.setdefault('CUDA_VISIBLE_DEVICES', '')
    import mmpose_occlusion  # noqa: F401
    from mmengine.registry import init_default_scope
    init_default_scope('mmpose')
    bench = JitterBench(cb_args)
    cb.check_profile_stamp(bench)
    cb.ensure_benchmark_data(bench)
    base_cfg = cb.ROWS[BASE_ROW][2]
    default = config_jitter(base_cfg)
    rows = {}
    for j in args.jitters:
        if j == default:
            continue
        row = f'{BASE_ROW}_jitter{j:g}'
        section, label, cfg_path, kind, _ = cb.ROWS[BASE_ROW]
        cb.ROWS[row] = (section, f'{label}, cue jitter {j:g}', cfg_path,
                        kind, 1)
        JitterBench.jitters[row] = j
        rows[j] = row
    rows[default] = BASE_ROW
    cb.HINT_ROWS = tuple(cb.HINT_ROWS) + tuple(
        r for r in rows.values() if r not in cb.HINT_ROWS)
    ctx = cb.make_context(bench)
    cb.ae_context(bench, ctx)
    t0 = time.time()
    out = dict(
        command='python tools/analysis/hintpose_jitter_sweep.py' + (
            ' ' + ' '.join(argv if argv is not None else sys.argv[1:])
        ).rstrip(),
        date=time.strftime('%Y-%m-%d'), profile=bench.profile_name,
        epochs=bench.epochs, scale=bench.profile['scale'],
        config=base_cfg, config_jitter=default, seed=0, rows=[])
    for j in rows:  # the given order, the configs' jitter last
        print(f'[jitter sweep] jitter {j:g}: {rows[j]}')
        r = measure(bench, rows[j], ctx)
        r['jitter'] = j
        out['rows'].append(r)
    out['minutes'] = round((time.time() - t0) / 60, 1)
    write_json(out, args.out, indent=1)
    print('| jitter | switch | own followed | both | AP crowded (gt cues) '
          '| AP crowded (bottom-up) | AP all (bottom-up) |')
    print('| --- | --- | --- | --- | --- | --- | --- |')
    for r in out['rows']:
        print(f"| {r['jitter']:g} | {100 * r['cue_switch']:.1f} | "
              f"{100 * r['own_followed']:.1f} | "
              f"{100 * r['both_followed']:.1f} | "
              f"{100 * r['ap_crowded_gt']:.1f} | "
              f"{100 * r['ap_crowded_bottomup']:.1f} | "
              f"{100 * r['ap_all_bottomup']:.1f} |")
    print(f'[jitter sweep] written {args.out}')
    return out


if __name__ == '__main__':
    main()
