"""MIPNet's cost, measured side by side with its stock baseline in one run.

For HRNet-W32, HRNet-W48 (256x192) and SimpleBaseline ResNet-50 (256x192):
parameters of the stock MMPose model and of MIPNet (N = 2), and the forward
latency (backbone + head, no flip test, eval mode) at batch 8 of the stock
model and of MIPNet with N = 2 and N = 3. Timings of the three variants are
interleaved, repeat by repeat, so drifts of the machine hit them alike.

Usage::

    python tools/analysis/benchmark_mipnet.py [--repeats 5] [--device cpu]

Targets (the issue's): MIPNet adds at most 0.5 % parameters; N = 2 costs at
most 1.45x the stock HRNet-W32 forward (its stage 4, 38 % of the FLOPs, runs
per instance; running the whole network twice would cost 2x).
"""
import argparse
import statistics
import time

import torch
from mmengine.config import Config
from mmengine.hub import get_config
from mmengine.registry import init_default_scope

import mmpose_occlusion  # noqa: F401
from mmpose.registry import MODELS

MODELS_TO_COMPARE = [
    ('HRNet-W32 256x192',
     'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
     'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py',
     'configs/mipnet/td-hm_hrnet-w32-mipnet_8xb64-210e_coco-256x192.py'),
    ('HRNet-W48 256x192',
     'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
     'td-hm_hrnet-w48_8xb32-210e_coco-256x192.py',
     'configs/mipnet/td-hm_hrnet-w48-mipnet_8xb32-210e_coco-256x192.py'),
    ('ResNet-50 256x192',
     'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
     'td-hm_res50_8xb64-210e_coco-256x192.py',
     'configs/mipnet/td-hm_res50-mipnet_8xb64-210e_coco-256x192.py'),
]
PARAM_TARGET = 0.5  # percent
LATENCY_TARGET = 1.45  # N = 2 vs stock, HRNet-W32


def build(path, num_instances=None, device='cpu'):
    cfg = get_config(path) if '::' in path else Config.fromfile(path)
    cfg.model.pop('init_cfg', None)
    cfg.model.backbone.pop('init_cfg', None)
    if num_instances is not None:
        cfg.model.backbone.num_instances = num_instances
    model = MODELS.build(cfg.model).to(device)
    model.eval()
    return model


def n_params(model):
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def time_forward(model, x):
    if x.is_cuda:
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    model(x, None, mode='tensor')
    if x.is_cuda:
        torch.cuda.synchronize()
    return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch\'s choice)')
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    init_default_scope('mmpose')
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
        stock = build(stock_cfg, device=args.device)
        mip2 = build(mip_cfg, 2, args.device)
        mip3 = build(mip_cfg, 3, args.device)
        x = torch.randn(args.batch_size, 3, 256, 192, device=args.device)
        for m in (stock, mip2, mip3):  # warm-up
            time_forward(m, x)
        times = {'stock': [], 'n2': [], 'n3': []}
        for _ in range(args.repeats):
            for key, m in (('stock', stock), ('n2', mip2), ('n3', mip3)):
                times[key].append(time_forward(m, x))
        t = {k: statistics.median(v) * 1000 for k, v in times.items()}
        p0, p2 = n_params(stock), n_params(mip2)
        extra = 100.0 * (p2 - p0) / p0
        print(f'{name:20s} {p0 / 1e6:12.3f}M {p2 / 1e6:12.3f}M '
              f'{extra:6.2f} | {t["stock"]:9.1f} {t["n2"]:9.1f} '
              f'{t["n3"]:9.1f} {t["n2"] / t["stock"]:7.2f} '
              f'{t["n3"] / t["stock"]:7.2f}')
        verdicts.append((f'{name}: params +{extra:.2f} % <= '
                         f'{PARAM_TARGET} %', extra <= PARAM_TARGET))
        if name.startswith('HRNet-W32'):
            ratio = t['n2'] / t['stock']
            verdicts.append((f'{name}: N=2 forward {ratio:.2f}x <= '
                             f'{LATENCY_TARGET}x stock',
                             ratio <= LATENCY_TARGET))
        del stock, mip2, mip3
    print()
    for text, ok in verdicts:
        print(f'[{"PASS" if ok else "FAIL"}] {text}')


if __name__ == '__main__':
    main()
