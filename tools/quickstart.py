"""The main job: synthetic data -> train a small top-down model -> COCO AP ->
a picture of predicted skeletons on a crowded validation image.

Usage::

    python tools/quickstart.py [--config CONFIG] [--work-dir DIR]
                               [--data-root DIR] [--epochs N]

Everything is made on this machine: the synthetic set is generated when its
annotation files are missing, the model trains from scratch on the CPU (or a
GPU when one is visible), and the outputs land in the work dir:

    WORK_DIR/epoch_*.pth        checkpoints (MMEngine Runner)
    WORK_DIR/metrics.json       COCO keypoint metrics on the validation split
    WORK_DIR/vis/<image>.jpg    predicted skeletons on the most crowded image
"""
import argparse
import json
import os
import os.path as osp
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_CONFIG = osp.join(
    ROOT, 'configs/baseline/td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py')


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--config', default=DEFAULT_CONFIG)
    p.add_argument('--work-dir', default=osp.join(ROOT,
                                                  'work_dirs/quickstart'))
    p.add_argument('--data-root', default=osp.join(ROOT,
                                                   'data/synthetic_crowd'))
    p.add_argument('--num-train', type=int, default=1500)
    p.add_argument('--num-val', type=int, default=200)
    p.add_argument('--epochs', type=int, default=None,
                   help='override the config\'s max_epochs')
    return p.parse_args()


def ensure_data(data_root, num_train, num_val):
    from mmpose_occlusion.datasets.synthetic import (generate_split,
                                                     split_is_complete)
    for split, num in (('train', num_train), ('val', num_val)):
        if split_is_complete(data_root, split):
            print(f'[quickstart] {split} split found in {data_root}')
        else:
            print(f'[quickstart] generating {num} synthetic {split} images '
                  f'in {data_root}')
            generate_split(data_root, split, num, seed=0)


def most_crowded_image(ann_file):
    """The validation image with the most people whose boxes overlap."""
    from mmpose_occlusion.datasets.synthetic import box_iou
    with open(ann_file) as f:
        coco = json.load(f)
    by_image = {}
    for ann in coco['annotations']:
        by_image.setdefault(ann['image_id'], []).append(ann)

    def crowding(anns):
        pairs = sum(box_iou(a['bbox'], b['bbox']) > 0.3
                    for i, a in enumerate(anns) for b in anns[i + 1:])
        return (pairs, len(anns))

    image_id = max(by_image, key=lambda i: crowding(by_image[i]))
    image = next(im for im in coco['images'] if im['id'] == image_id)
    return image['file_name'], [a['bbox'] for a in by_image[image_id]]


def draw_predictions(cfg, checkpoint, img_path, boxes_xywh, out_file):
    import mmcv
    import numpy as np
    from mmpose.apis import inference_topdown, init_model
    from mmpose.registry import VISUALIZERS
    from mmpose.structures import merge_data_samples

    model = init_model(cfg, checkpoint, device='cpu')
    boxes = np.array(boxes_xywh, dtype=np.float32)
    boxes[:, 2:] += boxes[:, :2]  # xywh -> xyxy
    results = merge_data_samples(inference_topdown(model, img_path, boxes))
    visualizer = VISUALIZERS.build(
        dict(model.cfg.visualizer, name='quickstart_visualizer'))
    visualizer.set_dataset_meta(model.dataset_meta)
    image = mmcv.imread(img_path, channel_order='rgb')
    visualizer.add_datasample(
        'prediction', image, data_sample=results, draw_gt=False,
        draw_bbox=True, kpt_thr=0.3, show=False, out_file=out_file)


def main():
    args = parse_args()
    t0 = time.time()
    import mmpose_occlusion  # noqa: F401  (registers our components)
    from mmengine.config import Config
    from mmengine.runner import Runner

    ensure_data(args.data_root, args.num_train, args.num_val)

    cfg = Config.fromfile(args.config)
    cfg.work_dir = args.work_dir
    data_root = args.data_root.rstrip('/') + '/'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = data_root
    val_ann = osp.join(data_root, cfg.val_dataloader.dataset.ann_file)
    cfg.val_evaluator.ann_file = val_ann
    cfg.test_evaluator.ann_file = val_ann
    if args.epochs:
        cfg.train_cfg.max_epochs = args.epochs
        cfg.train_cfg.val_interval = args.epochs
    # The final evaluation below is the one we report; skip the in-training
    # one at the last epoch when it would duplicate it.
    if cfg.train_cfg.val_interval >= cfg.train_cfg.max_epochs:
        cfg.train_cfg.val_interval = cfg.train_cfg.max_epochs + 1

    print(f'[quickstart] training {osp.basename(args.config)} '
          f'for {cfg.train_cfg.max_epochs} epochs')
    runner = Runner.from_cfg(cfg)
    runner.train()
    t_train = time.time() - t0
    print('[quickstart] evaluating on the validation split')
    metrics = runner.test()
    metrics = {k: float(v) for k, v in metrics.items()}
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=2)

    checkpoint = osp.join(args.work_dir,
                          f'epoch_{cfg.train_cfg.max_epochs}.pth')
    file_name, boxes = most_crowded_image(val_ann)
    img_path = osp.join(data_root, cfg.val_dataloader.dataset.data_prefix.img,
                        file_name)
    out_file = osp.join(args.work_dir, 'vis', file_name)
    draw_predictions(cfg, checkpoint, img_path, boxes, out_file)

    print('\n[quickstart] done in {:.0f} s (training {:.0f} s)'.format(
        time.time() - t0, t_train))
    print(f'[quickstart] COCO AP on {len(json.load(open(val_ann))["images"])}'
          f' validation images (ground-truth boxes): '
          f'AP {metrics["coco/AP"]:.3f}, AP50 {metrics["coco/AP .5"]:.3f}')
    print(f'[quickstart] checkpoint: {checkpoint}')
    print(f'[quickstart] metrics:    {osp.join(args.work_dir, "metrics.json")}')
    print(f'[quickstart] picture:    {out_file}')


if __name__ == '__main__':
    main()
