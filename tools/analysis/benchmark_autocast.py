"""bf16 autocast against float32 training, side by side: the quickstart's
model trained both ways with two seeds each, on the same data and budget.

For each seed, the float32 run and the ``AutocastOptimWrapper`` run are
trained one after the other (one training at a time: two at once on two
cores slow both), so drifts of the machine hit both alike. Each model is
tested twice on the 200 validation images (ground-truth boxes, flip test):
in float32 (MMEngine's ``TestLoop``) and under ``AutocastTestLoop``.

Reported: training wall time (the Runner's ``train()``, data loading
included), its ratio, and COCO AP of each run; written to
``OUT`` (default ``docs/benchmark/autocast.json``) and printed as a table.

Usage::

    python tools/analysis/benchmark_autocast.py [--seeds 0 1] [--epochs 6]
        [--config CONFIG] [--work-dir DIR] [--out FILE]
"""
import argparse
import json
import os
import os.path as osp
import time

from evidence_common import (DEFAULT_DATA_ROOT, ROOT, ensure_data, evaluate,
                             train)

CONFIG = 'configs/baseline/td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py'


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--config', default=CONFIG)
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    p.add_argument('--epochs', type=int, default=6)
    p.add_argument('--data-root', default=DEFAULT_DATA_ROOT)
    p.add_argument('--work-dir',
                   default=osp.join(ROOT, 'work_dirs/benchmark_autocast'))
    p.add_argument('--out',
                   default=osp.join(ROOT, 'docs/benchmark/autocast.json'))
    return p.parse_args()


def force_precision(dtype):
    """A config edit that trains in float32 (MMEngine's ``OptimWrapper``)
    or under ``AutocastOptimWrapper`` in ``dtype``, whatever the config's
    default."""

    def edit(cfg):
        if dtype is None:
            cfg.optim_wrapper.type = 'OptimWrapper'
            cfg.optim_wrapper.pop('dtype', None)
        else:
            cfg.optim_wrapper.type = 'AutocastOptimWrapper'
            cfg.optim_wrapper.dtype = dtype

    return edit


def main():
    args = parse_args()
    import torch

    import mmpose_occlusion  # noqa: F401
    from mmpose_occlusion.engine import cpu_supports_bf16
    data_root = ensure_data(args.data_root)
    val_ann = osp.join(data_root, 'annotations/person_keypoints_val.json')
    runs = []
    for seed in args.seeds:
        for name, dtype in (('float32', None), ('bfloat16', 'bfloat16')):
            work = osp.join(args.work_dir, f'{name}_s{seed}')
            ckpt = osp.join(work, f'epoch_{args.epochs}.pth')
            t0 = time.time()
            train(args.config, work, data_root, args.epochs, seed=seed,
                  cfg_edit=force_precision(dtype))
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
                m = evaluate(args.config, ckpt, data_root, val_ann, None,
                             osp.join(work, f'test_{loop}'), autocast=cast)
                ap[loop] = dict(ap=m['coco/AP'], ap50=m['coco/AP .5'],
                                seconds=time.time() - t1)
            runs.append(dict(training=name, seed=seed, train_s=seconds,
                             test=ap))
    by = {n: [r for r in runs if r['training'] == n]
          for n in ('float32', 'bfloat16')}

    def mean(xs):
        return sum(xs) / len(xs)

    summary = {
        n: dict(train_s=mean([r['train_s'] for r in rs]),
                ap=mean([r['test']['float32']['ap'] for r in rs]),
                ap_runs=[r['test']['float32']['ap'] for r in rs],
                ap_autocast_test=mean([r['test']['bfloat16']['ap']
                                       for r in rs]),
                test_s=mean([r['test']['float32']['seconds'] for r in rs]),
                test_autocast_s=mean([r['test']['bfloat16']['seconds']
                                      for r in rs]))
        for n, rs in by.items()
    }
    result = dict(
        command='python tools/analysis/benchmark_autocast.py',
        date=time.strftime('%Y-%m-%d'), config=args.config,
        epochs=args.epochs, seeds=args.seeds, torch=torch.__version__,
        threads=torch.get_num_threads(), cpu_bf16=cpu_supports_bf16(),
        runs=runs, summary=summary,
        train_speedup=summary['float32']['train_s'] /
        summary['bfloat16']['train_s'])
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
    print(f'\ntraining speed-up bf16 vs fp32: {result["train_speedup"]:.2f}x;'
          f' mean AP fp32 {100 * summary["float32"]["ap"]:.1f}, bf16 '
          f'{100 * summary["bfloat16"]["ap"]:.1f}')
    print(f'written: {args.out}')


if __name__ == '__main__':
    main()
