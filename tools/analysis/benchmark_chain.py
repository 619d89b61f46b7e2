"""Throughput of the crowd chain, measured side by side in one run.

On the synthetic crowded validation images, with simulated detections (the
ground-truth boxes with jitter, misses, duplicates and false positives;
``SimulatedDetector``) and box NMS, the chain runs with MIPNet's small
synthetic model (``td-hm_res18-half-mipnet_...``, its weights do not change
the timings) in four settings: N = 1 or 2 poses per box, crops batched (16
per forward) or one at a time. The settings run in turns over the same images,
``--repeats`` times after a warm-up pass (oneDNN builds its kernels once
per batch shape); the table gives the median images per second and the
median seconds per image of each stage.

A second table times the MMDetection detectors of ``configs/detectors`` on
one image at the synthetic images' size (random weights: only the time is
meaningful; skip with ``--no-detector``).

``--folder N`` instead times a folder of N training images (the demo's
case of thousands of images), side by side in one run: the chain called
image by image as the demo did before ``CrowdPoseInferencer.run`` (decode,
then the image's crops), and ``run`` with crops pooled across 8 images,
decoding in this process (0 workers) or in 2 DataLoader workers.

Usage::

    python tools/analysis/benchmark_chain.py [--images 20] [--repeats 3]
        [--device cpu] [--no-detector]
    python tools/analysis/benchmark_chain.py --folder 1000
"""
import argparse
import os.path as osp
import statistics
import time

from evidence_common import DEFAULT_DATA_ROOT, ROOT, ensure_data

MIPNET = osp.join(
    ROOT, 'configs/mipnet/'
    'td-hm_res18-half-mipnet_1xb32-6e_synthcrowd-128x96.py')
SETTINGS = [
    ('N=1, batched', dict(num_instances=1, batch_size=16)),
    ('N=2, batched', dict(num_instances=2, batch_size=16)),
    ('N=1, one crop at a time', dict(num_instances=1, batch_size=1)),
    ('N=2, one crop at a time', dict(num_instances=2, batch_size=1)),
]
DETECTORS = [
    ('Faster R-CNN R50-FPN', 'configs/detectors/'
     'faster-rcnn_r50_fpn_1x_coco-person.py'),
    ('HTC R50-FPN', 'configs/detectors/htc_r50_fpn_1x_coco-person.py'),
]
STAGES = ('load', 'detect', 'propose', 'pose', 'merge')


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data-root', default=DEFAULT_DATA_ROOT)
    p.add_argument('--images', type=int, default=20)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--device', default='cpu')
    p.add_argument('--no-detector', action='store_true')
    p.add_argument(
        '--folder',
        type=int,
        default=None,
        metavar='N',
        help='time a folder of N images: image by image vs '
        'CrowdPoseInferencer.run')
    return p.parse_args()


FOLDER_SETTINGS = [
    ('image by image (before)', None),
    ('run(), 0 workers, 8 images per batch',
     dict(num_workers=0, images_per_batch=8)),
    ('run(), 2 workers, 8 images per batch',
     dict(num_workers=2, images_per_batch=8)),
]


def folder_throughput(args):
    """Images per second over a folder, before and after ``run``."""
    import json

    import torch

    from mmpose_occlusion.apis import CrowdPoseInferencer, SimulatedDetector
    data_root = ensure_data(args.data_root)
    ann = osp.join(data_root, 'annotations/person_keypoints_train.json')
    with open(ann) as f:
        names = [i['file_name'] for i in json.load(f)['images']]
    if args.folder > len(names):
        raise SystemExit(f'--folder {args.folder}: the training split has '
                         f'{len(names)} images')
    paths = [osp.join(data_root, 'train', n) for n in names[:args.folder]]
    chain = CrowdPoseInferencer(
        MIPNET,
        None,
        box_source=SimulatedDetector(ann),
        num_instances=2,
        batch_size=16,
        device=args.device)
    for path in paths[:16]:  # warm-up: oneDNN kernels per batch shape
        chain(path)
    list(chain.run(paths[:16]))
    rows = []
    for name, kw in FOLDER_SETTINGS:
        t = time.perf_counter()
        if kw is None:
            poses = sum(len(chain(path)['scores']) for path in paths)
        else:
            poses = sum(
                len(item.result['scores']) for item in chain.run(paths, **kw))
        rows.append((name, len(paths) / (time.perf_counter() - t), poses))
    lines = [
        f'{len(paths)} synthetic crowded training images (320x256), '
        'simulated detections, box NMS 0.5; MIPNet res18-half 128x96, N=2, '
        f'16 crops per forward; {args.device}, {torch.get_num_threads()} '
        'threads; one pass each after a warm-up.', '',
        '| setting | images/s | vs image by image | poses |',
        '| --- | --- | --- | --- |'
    ]
    for name, rate, poses in rows:
        lines.append(f'| {name} | {rate:.1f} | {rate / rows[0][1]:.2f}x | '
                     f'{poses} |')
    print('\n' + '\n'.join(lines))


def main():
    args = parse_args()
    if args.folder is not None:
        return folder_throughput(args)
    import json

    import torch

    from mmpose_occlusion.apis import (CrowdPoseInferencer,
                                       MMDetPersonDetector, SimulatedDetector)
    from mmpose_occlusion.utils import load_image
    data_root = ensure_data(args.data_root)
    ann = osp.join(data_root, 'annotations/person_keypoints_val.json')
    with open(ann) as f:
        names = [i['file_name'] for i in json.load(f)['images']]
    paths = [osp.join(data_root, 'val', n) for n in names[:args.images]]
    boxes = SimulatedDetector(ann)

    chains = {}
    for name, kw in SETTINGS:
        chains[name] = CrowdPoseInferencer(
            MIPNET, None, box_source=boxes, device=args.device, **kw)
    state = next(iter(chains.values())).pose_model.state_dict()
    for chain in chains.values():
        chain.pose_model.load_state_dict(state)

    runs = {name: [] for name in chains}  # per repeat: (seconds, stages)
    counts = {}
    for chain in chains.values():  # warm-up: every batch shape once
        for path in paths:
            chain(path)
    for _ in range(args.repeats):
        for name, chain in chains.items():
            stages = dict.fromkeys(STAGES, 0.0)
            crops = poses = 0
            t = time.perf_counter()
            for path in paths:
                r = chain(path)
                for k in STAGES:
                    stages[k] += r['timings'][k]
                crops += len(r['proposals'])
                poses += len(r['scores'])
            runs[name].append((time.perf_counter() - t, stages))
            counts[name] = (crops, poses)

    n = len(paths)
    lines = [
        f'{n} synthetic crowded images (320x256), simulated detections, box '
        f'NMS 0.5; MIPNet res18-half 128x96; {args.device}, '
        f'{torch.get_num_threads()} threads; median of {args.repeats} '
        'interleaved repeats.', '',
        '| setting | images/s | ms/image: load | detect | propose | pose | '
        'merge | crops | poses kept |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- |'
    ]
    for name in chains:
        total = statistics.median(s for s, _ in runs[name])
        stage_ms = [
            1000 * statistics.median(st[k] for _, st in runs[name]) / n
            for k in STAGES
        ]
        lines.append(f'| {name} | {n / total:.2f} | ' +
                     ' | '.join(f'{v:.1f}' for v in stage_ms) +
                     f' | {counts[name][0]} | {counts[name][1]} |')

    if not args.no_detector:
        img = load_image(paths[0])
        lines += [
            '', f'Detectors on one {img.shape[1]}x{img.shape[0]} image '
            '(resized to 1333x800 by their pipelines; random weights), '
            f'median of {args.repeats}:', '', '| detector | s/image |',
            '| --- | --- |'
        ]
        for name, cfg in DETECTORS:
            det = MMDetPersonDetector(osp.join(ROOT, cfg), None, args.device)
            det(img)  # warm-up
            times = []
            for _ in range(args.repeats):
                t = time.perf_counter()
                det(img)
                times.append(time.perf_counter() - t)
            lines.append(f'| {name} | {statistics.median(times):.2f} |')
    print('\n' + '\n'.join(lines))


if __name__ == '__main__':
    main()
