"""bf16 autocast against float32 training, side by side: the quickstart's
model trained each way with two seeds, on the same data and budget.

Variants: ``float32`` (MMEngine's ``OptimWrapper``), ``bfloat16``
(``AutocastOptimWrapper``) and ``bfloat16_cl`` (the same with
channels-last weights). For each seed the variants are trained one after
the other (one training at a time: two at once on two cores slow both), so
drifts of the machine hit them alike. Each model is tested twice on the
200 validation images (ground-truth boxes, flip test): in float32
(MMEngine's ``TestLoop``) and under ``AutocastTestLoop``.

Reported: training wall time (the Runner's ``train()``, data loading
included), its ratio to float32, and COCO AP of each run; written to
``OUT`` (default ``docs/benchmark/autocast.json``) and printed as a table.
Finished runs are reused.

``--steps`` instead times one training step (forward, backward, AdamW;
no data loading) of every synthetic model of the crowd benchmark in each
variant, interleaved, and prints the ratios.

Usage::

    python tools/analysis/benchmark_autocast.py [--seeds 0 1] [--epochs 6]
        [--variants float32 bfloat16 bfloat16_cl] [--config CONFIG]
        [--work-dir DIR] [--out FILE]
    python tools/analysis/benchmark_autocast.py --steps [--repeats 5]
"""
import argparse
import json
import os
import os.path as osp
import time

from evidence_common import (DEFAULT_DATA_ROOT, ROOT, ensure_data, evaluate,
                             train)

CONFIG = 'configs/baseline/td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py'
# name: (autocast dtype or None, channels-last weights)
VARIANTS = {
    'float32': (None, False),
    'bfloat16': ('bfloat16', False),
    'bfloat16_cl': ('bfloat16', True),
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--config', default=CONFIG)
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    p.add_argument('--epochs', type=int, default=6)
    p.add_argument('--data-root', default=DEFAULT_DATA_ROOT)
    p.add_argument(
        '--work-dir', default=osp.join(ROOT, 'work_dirs/benchmark_autocast'))
    p.add_argument(
        '--out', default=osp.join(ROOT, 'docs/benchmark/autocast.json'))
    p.add_argument(
        '--variants',
        nargs='+',
        choices=tuple(VARIANTS),
        default=list(VARIANTS))
    p.add_argument(
        '--steps',
        action='store_true',
        help='time single training steps instead')
    p.add_argument('--repeats', type=int, default=5)
    return p.parse_args()


def force_precision(dtype, channels_last=False):
    """A config edit that trains in float32 (MMEngine's ``OptimWrapper``)
    or under ``AutocastOptimWrapper`` in ``dtype``, whatever the config's
    default."""

    def edit(cfg):
        if dtype is None:
            cfg.optim_wrapper.type = 'OptimWrapper'
            cfg.optim_wrapper.pop('dtype', None)
            cfg.optim_wrapper.pop('channels_last', None)
        else:
            cfg.optim_wrapper.type = 'AutocastOptimWrapper'
            cfg.optim_wrapper.dtype = dtype
            cfg.optim_wrapper.channels_last = channels_last

    return edit


def step_timings(repeats: int) -> None:
    """Median seconds of one training step of each crowd-benchmark model
    in each variant, interleaved repeat by repeat; printed."""
    import statistics
    import time as _time

    import torch
    from crowd_benchmark import ROWS
    from evidence_common import load_cfg
    from mmpose.registry import MODELS
    print(f'one training step (forward, backward, AdamW), batch of the '
          f'config, {torch.get_num_threads()} threads, median of '
          f'{repeats}\n')
    print('| model | batch x input | float32 (s) | bfloat16 (s) | '
          'bfloat16 + channels-last (s) | speed-up bf16 | speed-up bf16 + '
          'cl |')
    print('| --- | --- | --- | --- | --- | --- | --- |')
    for row, (_, label, cfg_path, _, _) in ROWS.items():
        cfg = load_cfg(cfg_path)
        cfg.model.backbone.pop('init_cfg', None)
        model = MODELS.build(cfg.model)
        w, h = cfg.codec['input_size']
        b = cfg.train_dataloader.batch_size
        x = torch.randn(b, 3, h, w)
        opt = torch.optim.AdamW(model.parameters(), 1e-3)

        def step(dtype, cl):
            model.to(memory_format=torch.channels_last if cl else torch.
                     contiguous_format)
            with torch.autocast(
                    'cpu', dtype=torch.bfloat16, enabled=dtype is not None):
                out = model(x, None, mode='tensor')
                while isinstance(out, (list, tuple)):
                    out = out[-1] if row == 'seqdecoder' else out[0]
                loss = out.float().pow(2).mean()
            loss.backward()
            opt.step()
            opt.zero_grad()

        times = {v: [] for v in VARIANTS}
        for v, (dtype, cl) in VARIANTS.items():  # warm-up
            step(dtype, cl)
        for _ in range(repeats):
            for v, (dtype, cl) in VARIANTS.items():
                t0 = _time.perf_counter()
                step(dtype, cl)
                times[v].append(_time.perf_counter() - t0)
        med = {v: statistics.median(t) for v, t in times.items()}
        print(
            f'| {label} | {b} x {w}x{h} | {med["float32"]:.3f} | '
            f'{med["bfloat16"]:.3f} | {med["bfloat16_cl"]:.3f} | '
            f'{med["float32"] / med["bfloat16"]:.2f} | '
            f'{med["float32"] / med["bfloat16_cl"]:.2f} |',
            flush=True)


def main():
    args = parse_args()
    import torch

    import mmpose_occlusion  # noqa: F401
    from mmpose_occlusion.engine import cpu_supports_bf16
    if args.steps:
        from mmengine.registry import init_default_scope
        init_default_scope('mmpose')
        return step_timings(args.repeats)
    data_root = ensure_data(args.data_root)
    val_ann = osp.join(data_root, 'annotations/person_keypoints_val.json')
    runs = []
    for seed in args.seeds:
        for name in args.variants:
            dtype, cl = VARIANTS[name]
            work = osp.join(args.work_dir, f'{name}_s{seed}')
            ckpt = osp.join(work, f'epoch_{args.epochs}.pth')
            t0 = time.time()
            train(
                args.config,
                work,
                data_root,
                args.epochs,
                seed=seed,
                cfg_edit=force_precision(dtype, cl))
            seconds = time.time() - t0
            if osp.isfile(osp.join(work, 'train_seconds.json')):
                with open(osp.join(work, 'train_seconds.json')) as f:
                    seconds = json.load(f)  # reused: the first run's time
            else:
                with open(osp.join(work, 'train_seconds.json'), 'w') as f:
                    json.dump(seconds, f)
            ap = {}
            for loop, cast in (('float32', None), ('bfloat16', 'bfloat16')):
                t1 = time.time()
                m = evaluate(
                    args.config,
                    ckpt,
                    data_root,
                    val_ann,
                    None,
                    osp.join(work, f'test_{loop}'),
                    autocast=cast)
                ap[loop] = dict(
                    ap=m['coco/AP'],
                    ap50=m['coco/AP .5'],
                    seconds=time.time() - t1)
            runs.append(
                dict(training=name, seed=seed, train_s=seconds, test=ap))
    by = {n: [r for r in runs if r['training'] == n] for n in args.variants}

    def mean(xs):
        return sum(xs) / len(xs)

    summary = {
        n:
        dict(
            train_s=mean([r['train_s'] for r in rs]),
            ap=mean([r['test']['float32']['ap'] for r in rs]),
            ap_runs=[r['test']['float32']['ap'] for r in rs],
            ap_autocast_test=mean([r['test']['bfloat16']['ap'] for r in rs]),
            test_s=mean([r['test']['float32']['seconds'] for r in rs]),
            test_autocast_s=mean(
                [r['test']['bfloat16']['seconds'] for r in rs]))
        for n, rs in by.items()
    }
    result = dict(
        command='python tools/analysis/benchmark_autocast.py',
        date=time.strftime('%Y-%m-%d'),
        config=args.config,
        epochs=args.epochs,
        seeds=args.seeds,
        torch=torch.__version__,
        threads=torch.get_num_threads(),
        cpu_bf16=cpu_supports_bf16(),
        runs=runs,
        summary=summary,
        train_speedup={
            n: summary['float32']['train_s'] / v['train_s']
            for n, v in summary.items()
        } if 'float32' in summary else None)
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out + '.part', 'w') as f:
        json.dump(result, f, indent=1)
    os.replace(args.out + '.part', args.out)

    print(f'\n{osp.basename(args.config)}, {args.epochs} epochs, seeds '
          f'{args.seeds}, {torch.get_num_threads()} threads, native bf16: '
          f'{cpu_supports_bf16()}\n')
    print('| training | seed | training time (s) | AP (fp32 test) | '
          'AP (bf16 test) | test time fp32 / bf16 (s) |')
    print('| --- | --- | --- | --- | --- | --- |')
    for r in runs:
        t = r['test']
        print(f'| {r["training"]} | {r["seed"]} | {r["train_s"]:.0f} | '
              f'{100 * t["float32"]["ap"]:.1f} | '
              f'{100 * t["bfloat16"]["ap"]:.1f} | '
              f'{t["float32"]["seconds"]:.0f} / '
              f'{t["bfloat16"]["seconds"]:.0f} |')
    print()
    for n, v in summary.items():
        speed = (result['train_speedup'] or {}).get(n)
        print(f'{n}: mean training {v["train_s"]:.0f} s' +
              (f' ({speed:.2f}x float32)' if speed else '') +
              f', mean AP {100 * v["ap"]:.1f} (runs ' +
              ', '.join(f'{100 * a:.1f}' for a in v['ap_runs']) + ')')
    print(f'written: {args.out}')


if __name__ == '__main__':
    main()
