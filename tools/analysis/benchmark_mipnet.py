"""MIPNet's cost, measured side by side with its stock baseline in one run.

For HRNet-W32, HRNet-W48 (256x192) and SimpleBaseline ResNet-50 (256x192):
parameters of the stock MMPose model and of MIPNet (N = 2), and the forward
latency (backbone + head, no flip test, eval mode) at batch 8 of the stock
model and of MIPNet with N = 2 and N = 3. Timings of the three variants are
interleaved, repeat by repeat, so drifts of the machine hit them alike.

Usage::

    python tools/analysis/benchmark_mipnet.py [--repeats 5] [--device cpu]

Checks: the parameters MIPNet adds are the paper's (HRNet-W32 28.5 M ->
28.6 M, ResNet-50 34.0 M -> 35.0 M, Table 2; with the official MIMB layers
and placement); N = 2 costs at most 1.45x the stock HRNet-W32 forward (its
stage 4, 38 % of the FLOPs, runs per instance; running the whole network
twice would cost 2x).
"""
import argparse

import torch
from evidence_common import build_model, count_params, interleaved_median_ms

MODELS_TO_COMPARE = [
    ('HRNet-W32 256x192', 'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
     'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py',
     'configs/mipnet/td-hm_hrnet-w32-mipnet_8xb64-210e_coco-256x192.py'),
    ('HRNet-W48 256x192', 'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
     'td-hm_hrnet-w48_8xb32-210e_coco-256x192.py',
     'configs/mipnet/td-hm_hrnet-w48-mipnet_8xb32-210e_coco-256x192.py'),
    ('ResNet-50 256x192', 'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
     'td-hm_res50_8xb64-210e_coco-256x192.py',
     'configs/mipnet/td-hm_res50-mipnet_8xb64-210e_coco-256x192.py'),
]
# the paper's parameters added by MIPNet (M), to 0.05 M (its rounding)
PAPER_EXTRA_M = {'HRNet-W32 256x192': 0.1, 'ResNet-50 256x192': 1.0}
LATENCY_TARGET = 1.45  # N = 2 vs stock, HRNet-W32


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch CPU threads (default: torch\'s choice)')
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f'device {args.device}, batch {args.batch_size}, '
          f'{args.repeats} repeats (median), torch threads '
          f'{torch.get_num_threads()}\n')
    header = (f'{"model":20s} {"params stock":>13s} {"MIPNet":>13s} '
              f'{"+%":>6s} | {"stock ms":>9s} {"N=2 ms":>9s} {"N=3 ms":>9s} '
              f'{"N=2/st":>7s} {"N=3/st":>7s}')
    print(header)
    print('-' * len(header))
    verdicts = []
    for name, stock_cfg, mip_cfg in MODELS_TO_COMPARE:
        models = dict(
            stock=build_model(stock_cfg, args.device),
            n2=build_model(mip_cfg, args.device,
                           dict(backbone=dict(num_instances=2))),
            n3=build_model(mip_cfg, args.device,
                           dict(backbone=dict(num_instances=3))))
        x = torch.randn(args.batch_size, 3, 256, 192, device=args.device)
        t = interleaved_median_ms(
            {
                k: (lambda m=m: m(x, None, mode='tensor'))
                for k, m in models.items()
            },
            repeats=args.repeats,
            cuda=x.is_cuda)
        p0, p2 = count_params(models['stock']), count_params(models['n2'])
        extra = 100.0 * (p2 - p0) / p0
        print(f'{name:20s} {p0 / 1e6:12.3f}M {p2 / 1e6:12.3f}M '
              f'{extra:6.2f} | {t["stock"]:9.1f} {t["n2"]:9.1f} '
              f'{t["n3"]:9.1f} {t["n2"] / t["stock"]:7.2f} '
              f'{t["n3"] / t["stock"]:7.2f}')
        if name in PAPER_EXTRA_M:
            added = (p2 - p0) / 1e6
            verdicts.append(
                (f'{name}: +{added:.3f} M parameters, the paper\'s '
                 f'+{PAPER_EXTRA_M[name]:.1f} M (to its rounding)',
                 abs(added - PAPER_EXTRA_M[name]) <= 0.05))
        if name.startswith('HRNet-W32'):
            ratio = t['n2'] / t['stock']
            verdicts.append((f'{name}: N=2 forward {ratio:.2f}x <= '
                             f'{LATENCY_TARGET}x stock', ratio
                             <= LATENCY_TARGET))
        del models
    print()
    for text, ok in verdicts:
        print(f'[{"PASS" if ok else "FAIL"}] {text}')


if __name__ == '__main__':
    main()
