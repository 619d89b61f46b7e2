"""How often does HintPose's training cue point at the wrong person?

In training, ``GenerateInstanceCue(gt='random_joint', jitter=j)`` puts the
cue on a random labelled joint of the sample's target person (the one
``ChooseCueTarget`` chose) and moves it by a Gaussian of ``j`` cue-map
pixels (``j x stride`` input pixels; the report says only that the joint's
position is "augmented", the magnitude is ours). On crowded crops the
people's joints lie a few pixels apart, so a jittered cue can land nearer
another person's joint than any of the target's: for that sample the cue
tells the network the wrong person.

For the training samples whose crop holds two or more labelled people, this
runs the config's training pipeline up to the cue (no model) and reports,
per input size and jitter, the share of cues nearer another person's
labelled joint than the target's, and the median distances (input pixels).

Usage::

    python tools/analysis/hintpose_cue_ambiguity.py [CONFIG]
        [--jitters 0 0.5 1.5] [--samples 600] [--data-root DIR]

By default the synthetic cue-only config at its own input size (128x96)
and at the crowd benchmark's ``cpu`` profile size (96x64).
"""
import argparse
import os.path as osp

import numpy as np
from evidence_common import DEFAULT_DATA_ROOT, ROOT, ensure_data  # noqa

CONFIG = osp.join(
    ROOT, 'configs/hintpose/td-hm_hrnet-w16-small-hintpose-'
    'cue_1xb32-6e_synthcrowd-128x96.py')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('config', nargs='?', default=CONFIG)
    p.add_argument('--jitters', type=float, nargs='+', default=[0.0, 0.5, 1.5])
    p.add_argument('--samples', type=int, default=600)
    p.add_argument('--data-root', default=DEFAULT_DATA_ROOT)
    return p.parse_args(argv)


def ambiguity(cfg,
              data_root: str,
              jitter: float,
              samples: int,
              seed: int = 0) -> dict:
    """Share of wrong-person cues on ``samples`` training samples (those
    with 2+ labelled people in the crop count)."""
    from mmpose.registry import DATASETS, TRANSFORMS
    ds_cfg = cfg.train_dataloader.dataset.copy()
    ds_cfg.data_root = data_root
    transforms = [TRANSFORMS.build(t) for t in ds_cfg.pipeline]
    ds_cfg.pipeline = []
    dataset = DATASETS.build(ds_cfg)
    names = [type(t).__name__ for t in transforms]
    upto = names.index('ChooseCueTarget')
    choose = transforms[upto]
    cue = transforms[names.index('GenerateInstanceCue')]
    cue.jitter = jitter
    np.random.seed(seed)
    picks = np.random.default_rng(seed).choice(
        len(dataset), min(samples, len(dataset)), replace=False)
    wrong, to_target, to_other = 0, [], []
    for i in picks:
        r = dataset[int(i)]
        for t in transforms[:upto]:
            r = t(r)
        kpts = r['transformed_keypoints'][..., :2].copy()
        labelled = np.asarray(r['keypoints_visible']) > 0
        if len(kpts) < 2:
            continue
        r = choose(r)
        point = cue._gt_point(r)
        if point is None:
            continue
        dist = [
            np.linalg.norm(kpts[j][labelled[j]] - point[0], axis=1).min()
            if labelled[j].any() else np.inf for j in range(len(kpts))
        ]
        target = r['cue_target']
        other = min(d for j, d in enumerate(dist) if j != target)
        wrong += other < dist[target]
        to_target.append(dist[target])
        to_other.append(other)
    n = len(to_target)
    return dict(
        samples=n,
        wrong=wrong / max(n, 1),
        to_target=float(np.median(to_target)) if n else None,
        to_other=float(np.median(to_other)) if n else None,
        input_size=tuple(r['input_size']))


def main(argv=None):
    args = parse_args(argv)
    import crowd_benchmark as cb
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import mmpose_occlusion  # noqa: F401
    init_default_scope('mmpose')
    # the synthetic set is made when missing; another root (e.g. COCO with
    # a COCO config) is read as it is
    data_root = (
        ensure_data(args.data_root) if osp.abspath(args.data_root)
        == osp.abspath(DEFAULT_DATA_ROOT) else osp.abspath(args.data_root) +
        '/')
    sizes = [('config', None)]
    if args.config == CONFIG:
        sizes.append(('cpu profile',
                      cb.profile_cfg_edit(cb.PROFILES['cpu'], 'topdown',
                                          False)))
    rows = []
    for label, edit in sizes:
        for jitter in args.jitters:
            cfg = Config.fromfile(args.config)
            if edit is not None:
                edit(cfg)
            res = ambiguity(cfg, data_root, jitter, args.samples)
            rows.append((label, jitter, res))
    print(f'\nTraining cues on crops with 2+ labelled people '
          f'({osp.relpath(args.config, ROOT)}, {args.samples} samples drawn, '
          'seed 0):\n')
    print('| input (w, h) | jitter (cue-map px) | crops | cue nearer another '
          'person | median px to target / to nearest other |')
    print('| --- | --- | --- | --- | --- |')
    for label, jitter, r in rows:
        print(f'| {r["input_size"]} ({label}) | {jitter} | {r["samples"]} | '
              f'{100 * r["wrong"]:.1f} % | {r["to_target"]:.1f} / '
              f'{r["to_other"]:.1f} |')
    return rows


if __name__ == '__main__':
    main()
