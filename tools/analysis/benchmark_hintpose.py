"""HintPose's cost, measured side by side with stock HRNet in one run.

Parameters and forward latency (eval mode, no flip test, one cue per box) at
batch 8, 256x192, of MMPose's stock HRNet-W32 and of the three HintPose rows
of the report's Table 1: instance cue only (1 hop), recurrent refinement only
(3 hops) and both. The stem runs once; every hop re-runs HRNet from layer1's
output on, so 3 hops cost about 3x the part after the stem.

Usage::

    python tools/analysis/benchmark_hintpose.py [--repeats 5] [--device cpu]
"""
import argparse

import torch
from evidence_common import build_model, count_params, interleaved_median_ms

STOCK = ('mmpose::body_2d_keypoint/topdown_heatmap/coco/'
         'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py')
VARIANTS = [
    ('stock HRNet-W32', STOCK),
    ('instance cue (1 hop)', 'configs/hintpose/'
     'td-hm_hrnet-w32-hintpose-cue_8xb64-210e_coco-256x192.py'),
    ('recurrent refinement (3 hops)', 'configs/hintpose/'
     'td-hm_hrnet-w32-hintpose-rr_8xb64-210e_coco-256x192.py'),
    ('both (cue + 3 hops)', 'configs/hintpose/'
     'td-hm_hrnet-w32-hintpose_8xb64-210e_coco-256x192.py'),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    models = {name: build_model(path, args.device) for name, path in VARIANTS}
    x = torch.randn(args.batch_size, 3, 256, 192, device=args.device)
    t = interleaved_median_ms(
        {
            k: (lambda m=m: m(x, None, mode='tensor'))
            for k, m in models.items()
        },
        repeats=args.repeats,
        cuda=x.is_cuda)
    p0 = count_params(models['stock HRNet-W32'])
    t0 = t['stock HRNet-W32']
    print(f'device {args.device}, batch {args.batch_size}, 256x192, '
          f'{args.repeats} repeats (median), torch threads '
          f'{torch.get_num_threads()}\n')
    print(
        f'{"model":32s} {"params":>10s} {"+%":>6s} {"ms":>9s} {"x stock":>8s}')
    for name, model in models.items():
        p = count_params(model)
        print(f'{name:32s} {p / 1e6:9.3f}M {100 * (p - p0) / p0:6.2f} '
              f'{t[name]:9.1f} {t[name] / t0:8.2f}')


if __name__ == '__main__':
    main()
