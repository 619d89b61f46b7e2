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
the poses: its row is the same at every level.

With ``--pose-config``/``--pose-checkpoint`` (a top-down model trained on
the synthetic scenes), it also runs the whole crowd chain on the synthetic
validation images at every level: simulated detections -> proposal stage
(the filter on coarse poses simulated at that level, or the best box NMS)
-> the pose model -> OKS-NMS, and reports COCO AP with the runs per person.
The chain's AP with the trained bottom-up models (AE, the sequential
decoder) is in the crowd benchmark (docs/benchmark.md).

Usage::

    python tools/analysis/coarse_pose_sweep.py [ANN_FILE ...] [--seed 0]
        [--out docs/detposenet/coarse_pose_sweep.json]
        [--pose-config CFG --pose-checkpoint CKPT]

Without files: the synthetic validation set and, when ``../shared`` is
here, COCO-mini val. Writes the JSON and a plot (PNG) next to it.
"""
import argparse
import os.path as osp
import sys

import benchmark_proposal_filter as bpf
from evidence_common import DEFAULT_DATA_ROOT, ROOT, ensure_data, write_json

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
    p.add_argument(
        '--out',
        default=osp.join(ROOT, 'docs', 'detposenet', 'coarse_pose_sweep.json'))
    p.add_argument(
        '--pose-config',
        default=None,
        help='top-down config for the chain AP per level')
    p.add_argument('--pose-checkpoint', default=None)
    p.add_argument(
        '--data-root',
        default=DEFAULT_DATA_ROOT,
        help='synthetic scenes (validation images for the chain)')
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
                'filter (default)': table[bpf.DEFAULT_LABEL],
                'Algorithm 1': table[bpf.ALGORITHM1],
                'best box NMS': bpf.best_nms(rows)[1:3],
            }
            for method, (runs, rec) in picks.items():
                m = res.setdefault(method, dict(recall=[], runs=[]))
                m['recall'].append(float(rec))
                m['runs'].append(float(runs))
        out[factor] = res
    return out


def chain_sweep(data_root: str, pose_config: str, pose_checkpoint: str,
                seed: int, work_dir: str) -> dict:
    """The crowd chain's COCO AP and runs per person on the synthetic
    validation images at every level of every factor: {'best box NMS':
    {'iou_thr', 'ap', 'runs'}, factor: {'levels', method: {'ap': [...],
    'runs': [...]}}}."""
    from detposenet_evidence import SimulatedPoses, run_chain

    from mmpose_occlusion.proposals import BoxNMS, CoarsePoseFilter
    ann = osp.join(data_root, 'annotations/person_keypoints_val.json')
    img_dir = osp.join(data_root, 'val')
    data = bpf.layouts(ann, seed)
    sigmas = bpf.sigmas_for(data[0][3][0].shape[1])
    nms_thr = bpf.best_nms([(f'box NMS, IoU {t}', *bpf.score(data, BoxNMS(t)),
                             t) for t in bpf.NMS_THRS])[-1]

    def run(proposal, tag):
        return run_chain(pose_config, pose_checkpoint, proposal, ann, img_dir,
                         osp.join(work_dir, f'chain_{tag}.json'))

    ap, runs = run(BoxNMS(nms_thr), 'nms')
    out = {'best box NMS': dict(iou_thr=nms_thr, ap=ap, runs=runs)}
    ap, runs = run(BoxNMS(0.5), 'nms_0.5')  # the usual setting
    out['box NMS 0.5'] = dict(iou_thr=0.5, ap=ap, runs=runs)
    for factor, (arg, levels) in FACTORS.items():
        res = dict(levels=list(levels))
        for level in levels:
            poses = SimulatedPoses(ann, img_dir, seed, **{arg: level})
            for method, thr in (('filter (default)', bpf.DEFAULT_UNPOSED),
                                ('Algorithm 1', None)):
                proposal = CoarsePoseFilter(
                    pose_source=poses, sigmas=sigmas, unposed_score_thr=thr)
                ap, runs = run(proposal, f'{arg}_{level}_{thr}')
                m = res.setdefault(method, dict(ap=[], runs=[]))
                m['ap'].append(float(ap))
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
    _, runs, rec, _, t = bpf.best_nms([(f'box NMS, IoU {t}',
                                        *bpf.score(data, BoxNMS(t)), t)
                                       for t in bpf.NMS_THRS])
    rows = [dict(method=f'best box NMS (IoU {t})', recall=rec, runs=runs)]
    for dk in (3, 2):
        for thr in (0.6, 0.5, 0.4):
            for iou in (0.5, 0.6):
                runs, rec, _ = bpf.score(
                    data,
                    CoarsePoseFilter(
                        pose_source=None,
                        sigmas=sigmas,
                        delta_kpt=dk,
                        unposed_score_thr=thr,
                        unposed_iou_thr=iou), dk)
                rows.append(
                    dict(
                        method=f'delta_kpt {dk}, unposed score '
                        f'{thr}, IoU {iou}',
                        recall=rec,
                        runs=runs))
    return rows


def plot(results: dict, path: str, chain: dict = None) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    names = list(results)
    rows = len(names) + (chain is not None)
    fig, axes = plt.subplots(
        rows,
        len(FACTORS),
        figsize=(4 * len(FACTORS), 3.2 * rows),
        squeeze=False)
    if chain is not None:
        for c, factor in enumerate(FACTORS):
            ax, res = axes[-1][c], chain[factor]
            for method, style in (('filter (default)', 'o-'), ('Algorithm 1',
                                                               's--')):
                ax.plot(
                    res['levels'], [100 * v for v in res[method]['ap']],
                    style,
                    label=method)
            for key, ls in (('best box NMS', ':'), ('box NMS 0.5', '-.')):
                nms = chain[key]
                ax.axhline(
                    100 * nms['ap'],
                    color='k',
                    ls=ls,
                    label=f'box NMS {nms["iou_thr"]} '
                    f'({nms["runs"]:.2f} runs/person)')
            ax.set_xlabel(factor)
            ax.set_ylabel('synthetic: chain AP')
            ax.grid(alpha=0.3)
        axes[-1][0].legend(fontsize=8)
    for r, name in enumerate(names):
        for c, (factor, res) in enumerate(results[name].items()):
            ax = axes[r][c]
            for method, style in (('filter (default)', 'o-'),
                                  ('Algorithm 1', 's--'), ('best box NMS',
                                                           'k:')):
                ax.plot(
                    res['levels'], [100 * v for v in res[method]['recall']],
                    style,
                    label=method)
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
            for method in ('filter (default)', 'Algorithm 1', 'best box NMS'):
                rec = ' '.join(f'{100 * v:5.1f}'
                               for v in res[method]['recall'])
                runs = ' '.join(f'{v:4.2f}' for v in res[method]['runs'])
                print(f'  {method:17s} recall % {rec} | runs/person {runs}')
    for name, rows in grids.items():
        print(f'\n## {name}: the strong-box rule and delta_kpt')
        for r in rows:
            print(f'  {r["method"]:42s} recall {100 * r["recall"]:5.1f} % '
                  f'runs/person {r["runs"]:.2f}')
    chain = None
    if args.pose_config:
        import tempfile
        with tempfile.TemporaryDirectory() as work_dir:
            chain = chain_sweep(
                ensure_data(args.data_root), args.pose_config,
                args.pose_checkpoint, args.seed, work_dir)
        print('\n## chain on the synthetic validation images '
              f'({args.pose_config})')
        for key in ('best box NMS', 'box NMS 0.5'):
            nms = chain[key]
            print(f'  {key} (IoU {nms["iou_thr"]}): AP '
                  f'{100 * nms["ap"]:.1f}, runs/person {nms["runs"]:.2f}')
        for factor in FACTORS:
            res = chain[factor]
            print(f'\n{factor}: levels {res["levels"]}')
            for method in ('filter (default)', 'Algorithm 1'):
                ap = ' '.join(f'{100 * v:5.1f}' for v in res[method]['ap'])
                runs = ' '.join(f'{v:4.2f}' for v in res[method]['runs'])
                print(f'  {method:17s} AP {ap} | runs/person {runs}')
    write_json(
        dict(
            command='python tools/analysis/coarse_pose_sweep.py ' +
            ' '.join(argv if argv is not None else sys.argv[1:]),
            seed=args.seed,
            factors={
                k: v[0]
                for k, v in FACTORS.items()
            },
            results=results,
            unposed_grid=grids,
            chain=chain,
            pose_config=args.pose_config,
            pose_checkpoint=args.pose_checkpoint),
        args.out,
        indent=1)
    png = osp.splitext(args.out)[0] + '.png'
    plot(results, png, chain)
    print(f'\n-> {args.out}\n-> {png}')
    return results


if __name__ == '__main__':
    main()
