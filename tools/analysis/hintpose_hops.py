"""AP of every hop of a trained HintPose model, with the BatchNorm running
statistics it was trained with and with statistics re-estimated per hop:
does sharing the statistics across hops cost the later hops?

Every hop runs the same weights, and stock BatchNorm keeps one set of
running statistics for all of them, so at test time hop t is normalised by
an average over hops 1..T. Training normalises by batch statistics, so
statistics of any kind can be estimated after training without changing a
weight (precise BN: the exact average over ``--bn-batches`` training
batches, hop-path BatchNorm layers only). Rows:

- ``as trained``: the checkpoint's running statistics;
- ``re-estimated, shared``: one set, re-estimated over all hops;
- ``re-estimated, per hop``: one set per hop (``HintHRNet(hop_norm=
  'per_hop')``).

If the per-hop row lifts the last hop where the shared re-estimate does
not, sharing is the cause; if neither moves it, the statistics are not.

Usage::

    python tools/analysis/hintpose_hops.py CONFIG CHECKPOINT \\
        [--data-root data/synthetic_crowd/] [--cue centre|gt] \\
        [--profile cpu] [--bn-batches 50] [--out hops.json]

``--profile cpu`` applies the crowd benchmark's CPU sizing (96x64 input),
for its checkpoints (``work_dirs/crowd_benchmark_cpu/hintpose_3hop_s0``).
"""
import argparse
import os
import os.path as osp
import tempfile
import time

from evidence_common import ROOT, evaluate, load_cfg, write_json


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument(
        '--data-root', default=osp.join(ROOT, 'data', 'synthetic_crowd'))
    p.add_argument(
        '--cue',
        choices=('centre', 'gt'),
        default='gt',
        help='test cue: the box centre, or the ground-truth '
        'joint nearest the person\'s centroid')
    p.add_argument(
        '--profile',
        choices=('none', 'cpu', 'cuda'),
        default='none',
        help="the crowd benchmark's sizing of its checkpoints")
    p.add_argument(
        '--bn-batches',
        type=int,
        default=50,
        help='training batches for the re-estimated statistics')
    p.add_argument(
        '--work-dir', default=osp.join(ROOT, 'work_dirs', 'hintpose_hops'))
    p.add_argument('--out', default=None, help='JSON of the table')
    return p.parse_args(argv)


def make_cfg_edit(args):
    from crowd_benchmark import PROFILES, profile_cfg_edit
    base = (None if args.profile == 'none' else profile_cfg_edit(
        PROFILES[args.profile], 'topdown'))

    def edit(cfg):
        if base is not None:
            base(cfg)
        for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            cfg[name].num_workers = 0
            cfg[name].persistent_workers = False

    return edit


def reestimate(model, loader, batches: int, per_hop: bool) -> None:
    """Precise BN of the hop path: each set of running statistics becomes
    the plain average over ``batches`` training batches of the batch
    statistics it sees (momentum 1/(i+1) at its i-th update)."""
    import torch
    backbone = model.backbone
    if per_hop:
        backbone.init_hop_stats()
    layers = backbone.hop_norm_layers()
    for bn in layers:
        for name in ('hop_running_mean', 'hop_running_var') if per_hop else \
                ('running_mean', 'running_var'):
            if hasattr(bn, name):
                getattr(bn, name).fill_(0.0 if 'mean' in name else 1.0)
    model.eval()
    for bn in layers:
        bn.train()
    updates = 0
    with torch.no_grad():
        for i, batch in enumerate(loader):
            if i == batches:
                break
            data = model.data_preprocessor(batch, True)
            cues, counts = model._cues(data['data_samples'])
            f1 = backbone.forward_stem(data['inputs'], cues, counts)
            prev = None
            for hop in range(backbone.num_hops):
                # per hop: hop t's set is updated once per batch; shared:
                # one set, updated once per hop of every batch
                updates = i + 1 if per_hop else updates + 1
                for bn in layers:
                    bn.momentum = 1.0 / updates
                prev = model.head.forward(
                    backbone.forward_hop(f1, prev, hop, cues))
    model.eval()


def measure(config: str,
            checkpoint: str,
            data_root: str,
            cfg_edit,
            cue: str = 'gt',
            bn_batches: int = 50,
            work_dir: str = '.',
            autocast=None) -> dict:
    """AP x 1 of every hop: ``{'as trained': [...], 're-estimated,
    shared': [...], 're-estimated, per hop': [...]}`` (ground-truth boxes
    of ``data_root``'s validation set; ``cfg_edit`` as ``load_cfg``'s)."""
    import torch
    from mmengine.runner import Runner, save_checkpoint
    from mmpose.apis import init_model
    val_ann = osp.join(data_root, 'annotations/person_keypoints_val.json')

    def cue_pipeline(pipeline):
        if cue == 'gt':
            for t in pipeline:
                if t['type'] == 'GenerateInstanceCue':
                    t['gt'] = 'nearest_centroid'
        return pipeline

    def with_data(cfg):
        if cfg_edit is not None:
            cfg_edit(cfg)
        for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            cfg[name].dataset.data_root = data_root

    cfg = load_cfg(config, with_data)

    def ap_per_hop(ckpt, hop_norm):
        out = []
        for hop in range(1, cfg.model.backbone.num_hops + 1):

            def edit(cfg, hop=hop):
                with_data(cfg)
                cfg.model.backbone.hop_norm = hop_norm
                cfg.model.test_cfg.output_hop = hop

            metrics = evaluate(
                config,
                ckpt,
                data_root,
                val_ann,
                None,
                osp.join(work_dir, 'eval'),
                edit_pipeline=cue_pipeline,
                cfg_edit=edit,
                autocast=autocast)
            out.append(metrics['coco/AP'])
        return out

    rows = {'as trained': ap_per_hop(checkpoint, 'shared')}
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    for name, per_hop in (('re-estimated, shared', False),
                          ('re-estimated, per hop', True)):
        model = init_model(cfg, checkpoint, device='cpu')
        reestimate(model, loader, bn_batches, per_hop)
        with tempfile.TemporaryDirectory() as tmp:
            ckpt = osp.join(tmp, 'stats.pth')
            save_checkpoint(dict(state_dict=model.state_dict()), ckpt)
            rows[name] = ap_per_hop(ckpt, 'per_hop' if per_hop else 'shared')
        del model
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    return rows


def main(argv=None):
    args = parse_args(argv)
    from mmengine.registry import init_default_scope

    import mmpose_occlusion  # noqa: F401
    init_default_scope('mmpose')
    os.makedirs(args.work_dir, exist_ok=True)
    t0 = time.time()
    rows = measure(args.config, args.checkpoint, args.data_root,
                   make_cfg_edit(args), args.cue, args.bn_batches,
                   args.work_dir)
    hops = len(rows['as trained'])
    print(f'\nAP x 100 of each hop ({args.cue} cues, ground-truth boxes, '
          f'{args.data_root}):\n')
    print('| BatchNorm statistics | ' +
          ' | '.join(f'hop {h}' for h in range(1, hops + 1)) + ' |')
    print('| --- ' * (hops + 1) + '|')
    for name, aps in rows.items():
        print(f'| {name} | ' + ' | '.join(f'{100 * a:.1f}'
                                          for a in aps) + ' |')
    result = dict(
        config=args.config,
        checkpoint=args.checkpoint,
        cue=args.cue,
        bn_batches=args.bn_batches,
        ap=rows,
        wall_s=time.time() - t0)
    if args.out:
        write_json(result, args.out, indent=1)
    return result


if __name__ == '__main__':
    main()
