"""MIPNet vs its stock baseline on crowded synthetic scenes (paper Fig. 5).

Trains (or reuses) the quickstart's stock model and MIPNet (N = 2) with the
same data, schedule and budget, then evaluates both on the validation images
that hold an OCHuman-like pair (two people whose boxes overlap with
IoU >= 0.5):

(a) with every ground-truth box, and
(b) with the boxes of the occluded people removed (every person standing
    behind someone whose box overlaps theirs with IoU >= 0.5), as a detector
    that misses occluded people would.

The ground truth keeps everybody in both cases, so a model that gives one pose
per box loses the people whose box is gone; MIPNet can recover them with
λ = 1 from the box of the person in front.

Usage::

    python tools/analysis/mipnet_evidence.py [--epochs 6] [--work-dir DIR]

Prints a markdown table (also written to WORK_DIR/mipnet_evidence.md).
"""
import argparse
import os
import os.path as osp

from evidence_common import (DEFAULT_DATA_ROOT, ROOT, crowded_subset,
                             ensure_data, evaluate, train, write_json,
                             write_report)

CONFIGS = {
    'stock (SimpleBaseline)':
    'configs/baseline/'
    'td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py',
    'MIPNet N=2':
    'configs/mipnet/'
    'td-hm_res18-half-mipnet_1xb32-6e_synthcrowd-128x96.py',
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data-root', default=DEFAULT_DATA_ROOT)
    p.add_argument(
        '--work-dir', default=osp.join(ROOT, 'work_dirs/mipnet_evidence'))
    p.add_argument('--epochs', type=int, default=6)
    p.add_argument('--iou', type=float, default=0.5)
    return p.parse_args()


def main():
    args = parse_args()
    import mmpose_occlusion  # noqa: F401
    data_root = ensure_data(args.data_root)
    args.work_dir = osp.abspath(args.work_dir)
    os.makedirs(args.work_dir, exist_ok=True)

    subset, all_boxes, front_boxes, _ = crowded_subset(
        osp.join(data_root, 'annotations/person_keypoints_val.json'), args.iou)
    paths = {}
    for name, obj in (('gt', subset), ('boxes_all', all_boxes), ('boxes_front',
                                                                 front_boxes)):
        paths[name] = write_json(
            obj, osp.join(args.work_dir, f'crowded_{name}.json'))

    rows = []
    for name, cfg_path in CONFIGS.items():
        tag = 'mipnet' if 'MIPNet' in name else 'stock'
        ckpt = train(cfg_path, osp.join(args.work_dir, tag), data_root,
                     args.epochs)
        aps = []
        for boxes in ('boxes_all', 'boxes_front'):
            m = evaluate(cfg_path, ckpt, data_root, paths['gt'], paths[boxes],
                         osp.join(args.work_dir, f'{tag}_{boxes}'))
            aps.append(m['coco/AP'])
        rows.append((name, *aps))

    n_img, n_gt = len(subset['images']), len(subset['annotations'])
    lines = [
        f'Crowded validation images: {n_img} (people: {n_gt}); boxes given: '
        f'(a) {len(all_boxes)} ground-truth, (b) {len(front_boxes)} after '
        'removing the occluded people\'s.', '',
        '| model | AP (a) all GT boxes | AP (b) occluded boxes removed | '
        'drop |', '| --- | --- | --- | --- |'
    ]
    for name, a, b in rows:
        lines.append(f'| {name} | {100 * a:.1f} | {100 * b:.1f} | '
                     f'{100 * (b - a):+.1f} |')
    write_report(lines, osp.join(args.work_dir, 'mipnet_evidence.md'))


if __name__ == '__main__':
    main()
