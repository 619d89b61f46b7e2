"""What HintPose needs to follow its cue, one change at a time.

The first question was the training cue's jitter.
``hintpose_cue_ambiguity.py`` measured that the configs' training cue jitter
(1.5 cue-map px, ours; the report says only that the joint's position is
"augmented") puts about a third of the crowded training cues nearer another
person's joint than the target's. Both the jitter and the cue's sigma (2
cue-map px) are in cue-map pixels, so the benchmark's small input (96x64, a
24x16 cue map) makes them 2.7 times larger against the person than in the
COCO configs (256x192, 64x48). This trains the crowd benchmark's HintPose
cue-only row (1 hop, seed 0 unless ``--seed``, the benchmark's profile and
budget) once per variant, a training jitter and optionally a cue sigma (used
in training and at test time), and measures what the benchmark's hintpose
section measures: the cue-switch rates on the two-person boxes and AP with
ground-truth and bottom-up cues. A variant may also feed the cue again at
later HRNet stages (``HintHRNet.cue_stages``, ours) or change the share of
crowded crops that teach the other person (``ChooseCueTarget``'s
``other_prob``), train longer, or train at the configs' 128x96 input. With
``--train-pairs N`` the switch rates are also measured on N crowded pairs
of the training images. The configs' own variant is the benchmark's
``hintpose_1hop`` run (reused, not retrained).

Usage::

    python tools/analysis/hintpose_jitter_sweep.py [--variants 0.5/1 0
        0,stages=234] [--out docs/hintpose/jitter_sweep.json]

A variant is ``JITTER`` or ``JITTER/SIGMA`` (cue-map pixels), optionally
followed by ``,stages=DIGITS`` (e.g. ``,stages=234``), ``,other=P`` and
``,epochs=N`` (another budget, its cosine schedule stretched) and
``,input=128x96`` (the configs' input size instead of the profile's 96x64;
the cue map and its sigma are in cue-map pixels, so they scale with it).
Runs resume from their checkpoints (``work_dirs/crowd_benchmark_cpu/
hintpose_1hop_jitter<J>[_sigma<S>][_stages<D>][_other<P>][_<N>e]
[_128x96]_s<seed>``); evaluations are cached per run.
"""
import argparse
import os.path as osp
import sys
import time

import crowd_benchmark as cb
from evidence_common import ROOT, write_json

BASE_ROW = 'hintpose_1hop'


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        '--variants',
        nargs='+',
        default=['0.5/1', '0'],
        help='JITTER or JITTER/SIGMA, cue-map pixels')
    p.add_argument(
        '--out',
        default=osp.join(ROOT, 'docs', 'hintpose', 'jitter_sweep.json'))
    p.add_argument(
        '--train-pairs',
        type=int,
        default=0,
        help='also measure the cue-switch rates on the first N '
        'crowded pairs of the training images')
    p.add_argument(
        '--seed',
        type=int,
        default=0,
        help='train and measure this seed of every variant')
    p.add_argument(
        '--quick',
        action='store_true',
        help="the benchmark's quick profile (tiny data, 1 epoch)")
    return p.parse_args(argv)


def parse_variant(text: str, default_sigma: float) -> tuple:
    """'0.5' -> (0.5, default_sigma, {}); '0.5/1' -> (0.5, 1.0, {});
    '0,stages=234,other=0.8,epochs=120' -> (0.0, default_sigma,
    {'cue_stages': (2, 3, 4), 'other_prob': 0.8, 'epochs': 120})."""
    head, *opts = text.split(',')
    try:
        parts = [float(v) for v in head.split('/')]
    except ValueError:
        parts = []
    extra = {}
    for opt in opts:
        key, _, value = opt.partition('=')
        try:
            if key == 'stages':
                extra['cue_stages'] = tuple(sorted({int(c) for c in value}))
                if not extra['cue_stages'] or not set(
                        extra['cue_stages']) <= {2, 3, 4}:
                    raise ValueError
            elif key == 'other':
                extra['other_prob'] = float(value)
                if not 0 <= extra['other_prob'] <= 1:
                    raise ValueError
            elif key == 'input':
                if value != '128x96':
                    raise ValueError
                extra['input'] = value
            elif key == 'epochs':
                extra['epochs'] = int(value)
                if extra['epochs'] < 1:
                    raise ValueError
            else:
                raise ValueError
        except ValueError:
            parts = []
    if len(parts) not in (1, 2) or min(parts, default=-1) < 0:
        raise SystemExit(f'hintpose_jitter_sweep: variant {text!r} is not '
                         'JITTER or JITTER/SIGMA (non-negative numbers), '
                         'optionally followed by ,stages=DIGITS (HRNet '
                         'stages among 2, 3, 4), ,other=P (0..1), '
                         ',epochs=N (the budget) and ,input=128x96 (the '
                         "configs' input instead of the profile's)")
    return parts[0], parts[1] if len(parts) == 2 else default_sigma, extra


def variant_row(jitter: float, sigma: float, extra: dict,
                default_sigma: float) -> str:
    """The run's row name (its work_dir is ``<row>_s<seed>``)."""
    row = f'{BASE_ROW}_jitter{jitter:g}' + (f'_sigma{sigma:g}'
                                            if sigma != default_sigma else '')
    if 'cue_stages' in extra:
        row += '_stages' + ''.join(map(str, extra['cue_stages']))
    if 'other_prob' in extra:
        row += f"_other{extra['other_prob']:g}"
    if 'epochs' in extra:
        row += f"_{extra['epochs']}e"
    if 'input' in extra:
        row += f"_{extra['input']}"
    return row


def config_cue(cfg_path: str) -> tuple:
    """(jitter, sigma) of a HintPose config's training cue."""
    cfg = cb.load_cfg(cfg_path, None)
    for t in cfg.train_dataloader.dataset.pipeline:
        if t['type'] == 'GenerateInstanceCue':
            return float(t.get('jitter', 1.5)), float(t.get('sigma', 2))
    raise ValueError(f'{cfg_path}: no GenerateInstanceCue in the training '
                     'pipeline')


def config_other_prob(cfg_path: str) -> float:
    """``ChooseCueTarget.other_prob`` of a HintPose config's training
    pipeline (0 without that transform)."""
    cfg = cb.load_cfg(cfg_path, None)
    return float(
        next((t.get('other_prob', 0.5)
              for t in cfg.train_dataloader.dataset.pipeline
              if t['type'] == 'ChooseCueTarget'), 0.0))


def set_cue(jitter=None, sigma=None, cue_stages=None, other_prob=None):
    """A config edit: the training cue's jitter, the cue's sigma in every
    pipeline (training and test must draw the same cue), the HRNet stages
    that get the cue again (``HintHRNet.cue_stages``, ours) and the share
    of crowded crops that teach the other person (``ChooseCueTarget``)."""

    def edit(cfg):
        if cue_stages is not None:
            cfg.model.backbone.cue_stages = tuple(cue_stages)
        if other_prob is not None:
            chosen = [
                t for t in cfg.train_dataloader.dataset.pipeline
                if t['type'] == 'ChooseCueTarget'
            ]
            if not chosen:
                raise ValueError('set_cue: the training pipeline has no '
                                 'ChooseCueTarget')
            for t in chosen:
                t['other_prob'] = other_prob
        found = False
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader'):
            for t in cfg[loader].dataset.pipeline:
                if t['type'] != 'GenerateInstanceCue':
                    continue
                found = True
                if sigma is not None:
                    t['sigma'] = sigma
                if jitter is not None and loader == 'train_dataloader':
                    t['jitter'] = jitter
        if not found:
            raise ValueError('set_cue: the pipelines have no '
                             'GenerateInstanceCue')

    return edit


class CueBench(cb.Bench):
    """The benchmark with one cue variant in every top-down config edit
    (training and evaluation; the AE model's edits are untouched)."""

    def __init__(self, args, jitter=None, sigma=None, **extra):
        super().__init__(args)
        self.cue = (jitter, sigma)
        self.extra = extra

    def cfg_edit(self, kind: str, row=None):
        base = super().cfg_edit(kind, row)
        if kind != 'topdown' or (self.cue == (None, None) and not self.extra):
            return base
        cue = set_cue(*self.cue, **self.extra)

        def edit(cfg):
            base(cfg)
            cue(cfg)

        return edit


def sitting_devices(run_dir: str) -> list:
    """Where each sitting of a run trained, oldest first, from the
    environment block at the top of each MMEngine log
    (``<run_dir>/<timestamp>/<timestamp>.log``): the GPU's name, or
    ``'cpu'``, consecutive repeats merged: a run resumed elsewhere lists
    both."""
    import glob
    import re
    devices = []
    for log in sorted(glob.glob(osp.join(run_dir, '*', '*.log'))):
        with open(log, errors='replace') as f:
            head = f.read(20000)
        gpu = re.search(r'^\s*GPU 0(?:,\d+)*: (.+)$', head, re.M)
        if 'CUDA available: True' in head and gpu:
            device = gpu.group(1).strip()
        elif 'CUDA available' in head:
            device = 'cpu'
        else:
            continue
        if not devices or devices[-1] != device:
            devices.append(device)
    return devices


def train_pair_switching(bench: cb.Bench, row: str, seed: int, ckpt: str,
                         num_pairs: int) -> dict:
    """The benchmark's cue-switch rates on the first ``num_pairs`` crowded
    pairs (box IoU >= 0.5) of the training images instead of the
    validation ones: does the model follow its cue on images it was trained
    on? Cached in the run's ``train_pairs<N>/``."""
    ann = osp.join(bench.data_root, 'annotations/person_keypoints_train.json')
    _, _, _, pairs = cb.crowded_subset(ann, 0.5)
    return cb.cue_switching(
        bench,
        row,
        seed,
        ckpt,
        dict(sigmas=cb.sigmas(), pairs=pairs[:num_pairs]),
        split='train')


def measure(bench: cb.Bench,
            row: str,
            ctx: dict,
            seed: int = 0,
            train_pairs: int = 0) -> dict:
    ckpt = bench.train(row, seed)
    aps = {
        cue: cb.topdown_aps(bench, row, seed, ckpt, ctx, cue)
        for cue in ('bottomup', 'gt')
    }
    sw = cb.cue_switching(bench, row, seed, ckpt, ctx)
    run_dir = bench.run_dir(row, seed)
    timing = cb._read_json(osp.join(run_dir, 'timing.json'), {})
    extra = {}
    if train_pairs:
        tr = train_pair_switching(bench, row, seed, ckpt, train_pairs)
        extra = dict(
            train_cue_switch=tr['switch'],
            train_own_followed=tr['own'],
            train_both_followed=tr['both'],
            train_boxes=tr['n'])
    return dict(
        extra,
        row=row,
        seed=seed,
        run_dir=osp.relpath(run_dir, ROOT),
        trained_on=sitting_devices(run_dir),
        cue_switch=sw['switch'],
        own_followed=sw['own'],
        both_followed=sw['both'],
        boxes=sw['n'],
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
    from mmengine.registry import init_default_scope

    import mmpose_occlusion  # noqa: F401
    init_default_scope('mmpose')
    base = CueBench(cb_args)
    cb.check_profile_stamp(base)
    cb.ensure_benchmark_data(base)
    section, label, cfg_path, kind, _ = cb.ROWS[BASE_ROW]
    default = config_cue(cfg_path)
    default_other = config_other_prob(cfg_path)
    variants = []  # (jitter, sigma, extra, row, bench)
    for text in args.variants:
        jitter, sigma, extra = parse_variant(text, default[1])
        if (jitter, sigma) == default and not extra:
            continue
        row = variant_row(jitter, sigma, extra, default[1])
        cb.ROWS[row] = (section, f'{label}, cue jitter {jitter:g}, sigma '
                        f'{sigma:g}' + ''.join(f', {k} {v}'
                                               for k, v in extra.items()),
                        cfg_path, kind, 1)
        model_extra = {
            k: v
            for k, v in extra.items() if k not in ('epochs', 'input')
        }
        args_v = cb.parse_args(
            (['--quick'] if args.quick else []) +
            (['--epochs', str(extra['epochs'])] if 'epochs' in extra else []) +
            (['--scale', 'configs'] if 'input' in extra else []))
        variants.append(
            (jitter, sigma, extra, row,
             CueBench(args_v, jitter, None if sigma == default[1] else sigma,
                      **model_extra)))
    if args.seed == 0 or any(
            parse_variant(t, default[1]) == default + ({}, )
            for t in args.variants):
        # the configs' own (the benchmark's run at seed 0), last
        variants.append(default + ({}, BASE_ROW, base))
    cb.HINT_ROWS = tuple(cb.HINT_ROWS) + tuple(
        v[3] for v in variants if v[3] not in cb.HINT_ROWS)
    ctx = cb.make_context(base)
    cb.ae_context(base, ctx)
    t0 = time.time()
    out = dict(
        command='python tools/analysis/hintpose_jitter_sweep.py' +
        (' ' + ' '.join(argv if argv is not None else sys.argv[1:])).rstrip(),
        date=time.strftime('%Y-%m-%d'),
        profile=base.profile_name,
        epochs=base.epochs,
        scale=base.profile['scale'],
        config=cfg_path,
        config_jitter=default[0],
        config_sigma=default[1],
        config_other_prob=default_other,
        seed=args.seed,
        rows=[])
    for jitter, sigma, extra, row, bench in variants:
        print(f'[jitter sweep] jitter {jitter:g}, sigma {sigma:g} '
              f'{extra}: {row}')
        r = measure(bench, row, ctx, args.seed, args.train_pairs)
        r.update(
            jitter=jitter,
            sigma=sigma,
            cue_stages=list(extra.get('cue_stages', ())),
            other_prob=extra.get('other_prob', default_other),
            epochs=bench.epochs,
            input_size='x'.join(
                map(str, cb.TOPDOWN_SIZES[bench.profile['scale']][0][::-1])))
        out['rows'].append(r)
    out['minutes'] = round((time.time() - t0) / 60, 1)
    write_json(out, args.out, indent=1)
    print('| jitter | sigma | cue stages | other_prob | epochs | input | '
          'switch | own followed | both | AP crowded (gt cues) | AP crowded '
          '(bottom-up) | AP all (bottom-up) |')
    print('| --- ' * 12 + '|')
    for r in out['rows']:
        stages = ''.join(map(str, r['cue_stages'])) or '-'
        print(f"| {r['jitter']:g} | {r['sigma']:g} | {stages} | "
              f"{r['other_prob']:g} | {r['epochs']} | {r['input_size']} | "
              f"{100 * r['cue_switch']:.1f} | "
              f"{100 * r['own_followed']:.1f} | "
              f"{100 * r['both_followed']:.1f} | "
              f"{100 * r['ap_crowded_gt']:.1f} | "
              f"{100 * r['ap_crowded_bottomup']:.1f} | "
              f"{100 * r['ap_all_bottomup']:.1f} |")
    print(f'[jitter sweep] written {args.out}')
    return out


if __name__ == '__main__':
    main()
