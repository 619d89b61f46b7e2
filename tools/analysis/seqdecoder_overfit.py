"""Can the sequential person decoder tell people apart? Overfit a few
training images and watch it learn to count.

Builds the model of
``configs/seqdecoder/seqdec_res18-half_1xb16-16e_synthcrowd-128x160.py``
(all people taught, no augmentation, Adam), trains it on the first
``--images`` synthetic training images and every ``--report-every``
iterations prints:

- the losses (λ0·L_part, L_person);
- **emitted / true people** per image, decoded as at test time
  (``SequentialDecoderHead.run_steps``: steps until a step's maximum is
  below 0.05);
- **image dependence**: the largest difference between the first three steps'
  heatmaps of image 0 and image 1 (0 means the decoder ignores the image);
- the gradient norm reaching the coarsest and the finest scale's ConvLSTMs.

``--plain-cells`` uses Shi et al.'s ConvLSTM without normalisation (the
head's ``lstm_norm_cfg=None``), the ablation behind the default
(docs/seqdecoder.md). Usage::

    python tools/analysis/seqdecoder_overfit.py [--plain-cells] \
        [--images 4] [--iters 600]

Takes about 5 min for 600 iterations on 2 CPU cores.
"""
import argparse
import copy
import os.path as osp
import time

from evidence_common import (DEFAULT_DATA_ROOT, ROOT, bottomup_target_batch,
                             ensure_data)

CONFIG = ('configs/seqdecoder/'
          'seqdec_res18-half_1xb16-16e_synthcrowd-128x160.py')


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data-root', default=DEFAULT_DATA_ROOT)
    p.add_argument('--images', type=int, default=4)
    p.add_argument('--iters', type=int, default=600)
    p.add_argument('--report-every', type=int, default=100)
    p.add_argument('--lr', type=float, default=2e-3)
    p.add_argument(
        '--plain-cells',
        action='store_true',
        help='ConvLSTMs without normalisation')
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args()


def grad_norm(module) -> float:
    return sum(
        float(p.grad.norm())**2 for p in module.parameters()
        if p.grad is not None)**0.5


def main():
    args = parse_args()
    if args.images < 2:
        raise SystemExit('--images must be >= 2 (image dependence compares '
                         'image 0 with image 1)')
    import torch
    from mmengine.config import Config
    from mmengine.logging import MMLogger
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    import mmpose_occlusion  # noqa: F401  (registers our components)

    torch.manual_seed(args.seed)
    # the current logger at WARNING: no per-parameter init_weights report
    MMLogger.get_instance('seqdecoder_overfit', log_level='WARNING')
    data_root = ensure_data(args.data_root)
    cfg = Config.fromfile(osp.join(ROOT, CONFIG))
    init_default_scope('mmpose')
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.head.max_train_people = None
    if args.plain_cells:
        model_cfg.head.lstm_norm_cfg = None
    model = MODELS.build(model_cfg)
    model.init_weights()
    data = bottomup_target_batch(
        model,
        cfg.model.head.decoder,
        data_root,
        'train',
        args.images,
        training=True)
    inputs, samples = data['inputs'], data['data_samples']
    true = [
        int((d.gt_instance_labels.keypoint_weights.sum(-1) > 0).sum())
        for d in samples
    ]
    head = model.head
    cells = head.person_decoder.cells
    optim = torch.optim.Adam(model.parameters(), lr=args.lr)

    def decode():
        model.eval()
        with torch.no_grad():
            feats = model.extract_feat(inputs)
            _, emitted = head.run_steps(feats, max_steps=8)
            _, steps = head(feats, 3)
        model.train()
        dependence = float((steps[0] - steps[1]).abs().max())
        return [len(s) for s in emitted], dependence

    rows = []
    start = time.time()
    for it in range(args.iters + 1):
        losses = model.loss(inputs, samples)
        optim.zero_grad()
        sum(losses.values()).backward()
        if it % args.report_every == 0:
            emitted, dependence = decode()
            rows.append((it, losses['loss_part'].item(),
                         losses['loss_person'].item(), emitted, dependence,
                         grad_norm(cells[-1]), grad_norm(cells[0])))
            print(
                f'[{it}/{args.iters}] {time.time() - start:.0f}s '
                f'emitted {emitted} true {true} '
                f'dependence {dependence:.3f}',
                flush=True)
        if it < args.iters:
            optim.step()

    cells_name = 'plain' if args.plain_cells else 'GroupNorm'
    print(f'\nOverfitting {args.images} synthetic training images '
          f'({cells_name} ConvLSTMs, Adam {args.lr:g}, no augmentation); '
          f'true people per image: {true}.\n')
    print('| iteration | λ0·L_part | L_person | emitted people | '
          'image dependence | grad coarsest / finest cells |')
    print('| --- | --- | --- | --- | --- | --- |')
    for it, lp, lq, emitted, dep, g_coarse, g_fine in rows:
        print(f'| {it} | {lp:.4f} | {lq:.4f} | {emitted} | {dep:.3f} | '
              f'{g_coarse:.1e} / {g_fine:.1e} |')


if __name__ == '__main__':
    main()
