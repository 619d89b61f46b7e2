"""MIPNet vs its stock baseline on crowded synthetic scenes (paper Fig. 5).

Trains (or reuses) the quickstart's stock model and MIPNet (N = 2) with the
same data, schedule and budget, then evaluates both on the validation images
that hold an OCHuman-like pair (two people whose boxes overlap with IoU >= 0.5):

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
import json
import os
import os.path as osp

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = {
    'stock (SimpleBaseline)': 'configs/baseline/'
    'td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py',
    'MIPNet N=2': 'configs/mipnet/'
    'td-hm_res18-half-mipnet_1xb32-6e_synthcrowd-128x96.py',
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data-root', default=osp.join(ROOT,
                                                   'data/synthetic_crowd'))
    p.add_argument('--work-dir',
                   default=osp.join(ROOT, 'work_dirs/mipnet_evidence'))
    p.add_argument('--epochs', type=int, default=6)
    p.add_argument('--iou', type=float, default=0.5)
    return p.parse_args()


def crowded_subset(val_ann, iou_thr):
    """GT of the crowded images, and the two box sets (a) and (b)."""
    from mmpose_occlusion.datasets.synthetic import box_iou
    with open(val_ann) as f:
        coco = json.load(f)
    by_image = {}
    for ann in coco['annotations']:
        by_image.setdefault(ann['image_id'], []).append(ann)
    keep_images, all_boxes, front_boxes = set(), [], []
    for img_id, anns in by_image.items():
        hidden = set()
        for a in anns:
            for b in anns:
                if a is not b and box_iou(a['bbox'], b['bbox']) >= iou_thr \
                        and a['depth_order'] < b['depth_order']:
                    hidden.add(a['id'])  # a stands behind b
        if not hidden:
            continue
        keep_images.add(img_id)
        for a in anns:
            det = dict(image_id=img_id, category_id=1, bbox=a['bbox'],
                       score=1.0)
            all_boxes.append(det)
            if a['id'] not in hidden:
                front_boxes.append(det)
    subset = dict(coco,
                  images=[i for i in coco['images'] if i['id'] in keep_images],
                  annotations=[
                      a for a in coco['annotations']
                      if a['image_id'] in keep_images
                  ])
    return subset, all_boxes, front_boxes


def train(cfg_path, work_dir, data_root, epochs):
    from mmengine.config import Config
    from mmengine.runner import Runner
    ckpt = osp.join(work_dir, f'epoch_{epochs}.pth')
    if osp.isfile(ckpt):
        print(f'[evidence] reusing {ckpt}')
        return ckpt
    cfg = Config.fromfile(osp.join(ROOT, cfg_path))
    cfg.work_dir = work_dir
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs + 1  # evaluate below instead
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = data_root
    val_ann = osp.join(data_root, 'annotations/person_keypoints_val.json')
    cfg.val_evaluator.ann_file = val_ann
    cfg.test_evaluator.ann_file = val_ann
    Runner.from_cfg(cfg).train()
    return ckpt


def evaluate(cfg_path, ckpt, data_root, ann_file, bbox_file, work_dir):
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(osp.join(ROOT, cfg_path))
    cfg.work_dir = work_dir
    cfg.load_from = ckpt
    ds = cfg.test_dataloader.dataset
    ds.data_root = data_root
    ds.ann_file = ann_file
    ds.bbox_file = bbox_file
    ds.data_prefix = dict(img='val/')
    cfg.test_evaluator.ann_file = ann_file
    return Runner.from_cfg(cfg).test()


def main():
    args = parse_args()
    import mmpose_occlusion  # noqa: F401
    from mmpose_occlusion.datasets.synthetic import (generate_split,
                                                     split_is_complete)
    data_root = osp.abspath(args.data_root) + '/'
    args.work_dir = osp.abspath(args.work_dir)
    for split, num in (('train', 1500), ('val', 200)):
        if not split_is_complete(data_root, split):
            generate_split(data_root, split, num, seed=0)
    os.makedirs(args.work_dir, exist_ok=True)

    subset, all_boxes, front_boxes = crowded_subset(
        osp.join(data_root, 'annotations/person_keypoints_val.json'),
        args.iou)
    paths = {}
    for name, obj in (('gt', subset), ('boxes_all', all_boxes),
                      ('boxes_front', front_boxes)):
        paths[name] = osp.join(args.work_dir, f'crowded_{name}.json')
        with open(paths[name], 'w') as f:
            json.dump(obj, f)

    rows = []
    for name, cfg_path in CONFIGS.items():
        tag = 'mipnet' if 'MIPNet' in name else 'stock'
        ckpt = train(cfg_path, osp.join(args.work_dir, tag), data_root,
                     args.epochs)
        aps = []
        for boxes in ('boxes_all', 'boxes_front'):
            m = evaluate(cfg_path, ckpt, data_root, paths['gt'],
                         paths[boxes],
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
    text = '\n'.join(lines)
    with open(osp.join(args.work_dir, 'mipnet_evidence.md'), 'w') as f:
        f.write(text + '\n')
    print('\n' + text)


if __name__ == '__main__':
    main()
