"""Export a pose model of this repository to ONNX.

Usage::

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT \
        [--output-file F] [--opset N] [--input-shape H W] \
        [--dynamic-batch] [--verify]

Exports the network (backbone + neck + head forward, i.e. the heatmaps of
``forward(mode='tensor')``) of a top-down model (stock MMPose, DetPoseNet),
MIPNet (the selectors λ as a second input), HintPose (the cue heatmaps as a
second input, its hops unrolled) or the sequential decoder (two graphs, the
encoder and one ConvLSTM step, ``F.encoder.onnx`` and ``F.step.onnx``).
The inputs and outputs of each are in docs/deployment.md and
:mod:`mmpose_occlusion.apis.export`. ``CHECKPOINT`` may be ``none`` (random
weights, for trying the export). ``--verify`` runs ONNX Runtime on random
inputs at batch 1 (and 3 with ``--dynamic-batch``) and prints the max abs
difference to PyTorch of every output.
"""
import argparse
import os
import os.path as osp


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('config')
    p.add_argument('checkpoint', help="a .pth file, or 'none'")
    p.add_argument('--output-file', default='tmp.onnx')
    p.add_argument('--opset', type=int, default=17)
    p.add_argument(
        '--input-shape',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help="the network input; default: the config's codec "
        'input_size')
    p.add_argument(
        '--dynamic-batch',
        action='store_true',
        help='dynamic batch axis (and selector / cue count; '
        "the sequential decoder's spatial axes)")
    p.add_argument(
        '--verify',
        action='store_true',
        help='compare ONNX Runtime with PyTorch on random inputs')
    return p.parse_args()


def input_shape_of(cfg):
    """(H, W) from the config's codec (``input_size`` is (W, H))."""
    codec = cfg.get('codec') or cfg.model.get('head', {}).get('decoder')
    if isinstance(codec, (list, tuple)):
        codec = codec[-1]
    if not codec or 'input_size' not in codec:
        raise ValueError('the config has no codec input_size: pass '
                         '--input-shape H W')
    w, h = codec['input_size']
    return h, w


def main():
    args = parse_args()
    from mmengine.config import Config
    from mmpose.apis import init_model

    from mmpose_occlusion.apis import (build_export_wrappers, export_model,
                                       load_pose_checkpoint, onnx_max_abs_diff)
    cfg = Config.fromfile(args.config)
    shape = tuple(args.input_shape or input_shape_of(cfg))
    model = init_model(cfg, None, device='cpu')
    if args.checkpoint.lower() != 'none':
        load_pose_checkpoint(model, args.checkpoint, args.config)
    model.eval()
    out_dir = osp.dirname(osp.abspath(args.output_file))
    os.makedirs(out_dir, exist_ok=True)
    files = export_model(
        model,
        args.output_file,
        shape,
        opset=args.opset,
        dynamic_batch=args.dynamic_batch)
    for name, path in files.items():
        print(f'[pytorch2onnx] wrote {name or "model"}: {path}')
    if args.verify:
        wrappers = build_export_wrappers(model)
        for name, path in files.items():
            wrapper = wrappers[name]
            for batch in ((1, 3) if args.dynamic_batch else (2, )):
                diffs = onnx_max_abs_diff(wrapper, path,
                                          wrapper.example_inputs(batch, shape))
                worst = max(range(len(diffs)), key=diffs.__getitem__)
                print(f'[pytorch2onnx] verify {name or "model"} batch '
                      f'{batch}: max abs diff to PyTorch {diffs[worst]:.2e} '
                      f'(output {wrapper.output_names[worst]!r}, the worst '
                      f'of {len(diffs)})')


if __name__ == '__main__':
    main()
