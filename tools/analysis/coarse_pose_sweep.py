"""How good must the coarse poses be for DetPoseNet's filter to pay?

Person recall and pose-estimator runs per person of the coarse-pose filter
(its default, and Algorithm 1 as published) and of the best box-NMS setting,
as the simulated coarse poses degrade one factor at a time from the filter
benchmark's default simulation (``benchmark_proposal_filter.py``):

- keypoint noise (a fraction of the person's size),
- found joints (the chance a visible labelled joint is found),
- missed people (the chance a person gets no coarse pose),
- stray fragments per image (1-3 joints each, as a bottom-up model's
  spurious groups).

It also tries the settings of the filter's strong-box rule (ours:
``unposed_score_thr``, ``unposed_iou_thr``) and of δ_kpt on each layout at
the default simulation (``unposed_grid``).

Detections are simulated as in the filter benchmark. Box NMS does not use
the poses: its row is the same at every level. The crowd chain's AP with the
trained bottom-up models (AE, the sequential decoder) is in the crowd
benchmark (docs/benchmark.md).

Usage::

    python tools/analysis/coarse_pose_sweep.py [ANN_FILE ...] [--seed 0]
        [--out docs/detposenet/coarse_pose_sweep.json]

Without files: the synthetic validation set and, when ``../shared`` is
here, COCO-mini val. Writes the JSON and a plot (PNG) next to it.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import benchmark_proposal_filter as bpf  # noqa: E402
from evidence_common import (DEFAULT_DATA_ROOT, ROOT, ensure_data,  # noqa
                             write_json)

# factor: (simulated_poses argument, levels; the first is the default)
FACTORS = {
    'keypoint noise (x person size)': ('noise', (0.02, 0.05, 0.1, 0.2)),
    'joints found': ('keep_visible', (0.95, 0.8, 0.6, 0.4)),
    'people missed': ('miss_person', (0.0, 0.1, 0.2, 0.4)),
    'stray fragments per image': ('stray', (2, 5, 10, 20)),
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('ann_files', nargs='*')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', default=osp.join(ROOT, 'docs', 'detposenet',
                                             'coarse_pose_sweep.json'))
    return p.parse_args(argv)


def sweep(ann_file: str, seed: int) -> dict:
    """{factor: {'levels': [...], method: {'recall': [...], 'runs':
    [...]}}} for one layout file."""
    out = {}
    for factor, (arg, levels) in FACTORS.items():
        res = dict(levels=list(levels))
        for level in levels:
            data = bpf.layouts(ann_file, seed, pose_kw={arg: level})
            _, _, rows, _ = bpf.evaluate(ann_file, data, repeats=0)
            table = {label: (runs, rec) for label, runs, rec, _ in rows}
            picks = {
                'filter (default)': table['coarse-pose filter + unposed '
                                          f'boxes >= {bpf.DEFAULT_UNPOSED} '
                                          '(default)'],
                'Algorithm 1': table['coarse-pose filter (Algorithm 1)'],
                'best box NMS': bpf.best_nms(rows)[1:3],
            }
            for method, (runs, rec) in picks.items():
                m = res.setdefault(method, dict(recall=[], runs=[]))
                m['recall'].append(float(rec))
                m['runs'].append(float(runs))
        out[factor] = res
    return out


def unposed_grid(ann_file: str, seed: int) -> list:
    """Recall and runs per person of the filter for δ_kpt in (3, 2),
    ``unposed_score_thr`` in (0.6, 0.5, 0.4) and ``unposed_iou_thr`` in
    (0.5, 0.6), at the default simulation; the best box NMS first."""
    from mmpose_occlusion.proposals import BoxNMS, CoarsePoseFilter
    data = bpf.layouts(ann_file, seed)
    sigmas = bpf.sigmas_for(data[0][3][0].shape[1])
    _, runs, rec, _, t = bpf.best_nms([
        (f'box NMS, IoU {t}', *bpf.score(data, BoxNMS(t)), t)
        for t in bpf.NMS_THRS
    ])
    rows = [dict(method=f'best box NMS (IoU {t})', recall=rec, runs=runs)]
    for dk in (3, 2):
        for thr in (0.6, 0.5, 0.4):
            for iou in (0.5, 0.6):
                runs, rec, _ = bpf.score(data, CoarsePoseFilter(
                    pose_source=None, sigmas=sigmas, delta_kpt=dk,
                    unposed_score_thr=thr, unposed_iou_thr=iou), dk)
                rows.append(dict(method=f'delta_kpt {dk}, unposed score '
                                 f'{thr}, IoU {iou}', recall=rec,
                                 runs=runs))
    return rows


def plot(results: dict, path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    names = list(results)
    fig, axes = plt.subplots(len(names), len(FACTORS),
                             figsize=(4 * len(FACTORS), 3.2 * len(names)),
                             squeeze=False)
    for r, name in enumerate(names):
        for c, (factor, res) in enumerate(results[name].items()):
            ax = axes[r][c]
            for method, style in (('filter (default)', 'o-'),
                                  ('Algorithm 1', 's--'),
                                  ('best box NMS', 'k:')):
                ax.plot(res['levels'], [100 * v for v in res[method]
                                        ['recall']], style, label=method)
            ax.set_xlabel(factor)
            ax.set_ylabel(f'{name}: recall (%)')
            ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    import mmpose_occlusion  # noqa: F401
    files = args.ann_files
    if not files:
        root = ensure_data(DEFAULT_DATA_ROOT)
        files = [osp.join(root, 'annotations/person_keypoints_val.json')]
        if osp.isfile(bpf.REAL_FILES[0]):
            files.append(bpf.REAL_FILES[0])
    results, grids = {}, {}
    for f in files:
        name = osp.basename(osp.dirname(osp.dirname(f))) or f
        results[name] = sweep(f, args.seed)
        grids[name] = unposed_grid(f, args.seed)
        print(f'\n## {name} ({f})')
        for factor, res in results[name].items():
            print(f'\n{factor}: levels {res["levels"]}')
            for method in ('filter (default)', 'Algorithm 1',
                           'best box NMS'):
                rec = ' '.join(f'{100 * v:5.1f}' for v in res[method]
                               ['recall'])
                runs = ' '.join(f'{v:4.2f}' for v in res[method]['runs'])
                print(f'  {method:17s} recall % {rec} | runs/person {runs}')
    for name, rows in grids.items():
        print(f'\n## {name}: the strong-box rule and delta_kpt')
        for r in rows:
            print(f'  {r["method"]:42s} recall {100 * r["recall"]:5.1f} % '
                  f'runs/person {r["runs"]:.2f}')
    write_json(dict(command='python tools/analysis/coarse_pose_sweep.py ' +
                    ' '.join(argv if argv is not None else sys.argv[1:]),
                    seed=args.seed, factors={k: v[0] for k, v in
                                             FACTORS.items()},
                    results=results, unposed_grid=grids), args.out,
               indent=1)
    png = osp.splitext(args.out)[0] + '.png'
    plot(results, png)
    print(f'\n-> {args.out}\n-> {png}')
    return results


if __name__ == '__main__':
    main()
