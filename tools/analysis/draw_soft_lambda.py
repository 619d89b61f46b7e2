"""Draw how a MIPNet pose moves as the instance selector goes from λ = 0 to
λ = 1 with soft selectors [1 - t, t] (paper Fig. 6).

Usage::

    python tools/analysis/draw_soft_lambda.py CONFIG CHECKPOINT IMAGE \
        --bbox X1 Y1 X2 Y2 [--steps 6] [--out soft_lambda.jpg]

Each step's skeleton is drawn over the image in a colour running from blue
(t = 0, the box's own person) to red (t = 1, the other instance); the box is
drawn in white. The figure is written atomically to ``--out``.
"""
import argparse
import os
import os.path as osp

import numpy as np


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('image')
    p.add_argument(
        '--bbox',
        type=float,
        nargs=4,
        required=True,
        metavar=('X1', 'Y1', 'X2', 'Y2'))
    p.add_argument('--steps', type=int, default=6)
    p.add_argument('--kpt-thr', type=float, default=0.2)
    p.add_argument('--device', default='cpu')
    p.add_argument('--out', default='soft_lambda.jpg')
    return p.parse_args()


def soft_lambda_poses(model, image_path, bbox, ts):
    """Keypoints (T, K, 2) and scores (T, K) for selectors [1 - t, t]."""
    import torch
    from mmcv.transforms import Compose
    from mmengine.dataset import pseudo_collate

    from mmpose_occlusion.models import soft_selectors

    pipeline = Compose(model.cfg.test_dataloader.dataset.pipeline)
    info = dict(
        img_path=image_path,
        bbox=np.array([bbox], np.float32),
        bbox_score=np.ones(1, np.float32))
    info.update(model.dataset_meta)
    batch = model.data_preprocessor(pseudo_collate([pipeline(info)]), False)
    with torch.no_grad():
        sample = model.predict_with_selectors(batch['inputs'],
                                              batch['data_samples'],
                                              soft_selectors(ts))[0]
    pred = sample.pred_instances
    return pred.keypoints, pred.keypoint_scores


def main():
    args = parse_args()
    import cv2
    from mmpose.apis import init_model

    import mmpose_occlusion  # noqa: F401
    from mmpose_occlusion.models import MIPNetPoseEstimator

    if not osp.isfile(args.image):
        raise SystemExit(f'error: image {args.image} does not exist')
    model = init_model(args.config, args.checkpoint, device=args.device)
    if not isinstance(model, MIPNetPoseEstimator):
        raise SystemExit(f'error: {args.config} is not a MIPNet config '
                         f'(its model is {type(model).__name__})')
    ts = np.linspace(0.0, 1.0, args.steps)
    kpts, scores = soft_lambda_poses(model, args.image, args.bbox, ts)

    image = cv2.imread(args.image)
    x1, y1, x2, y2 = (int(round(v)) for v in args.bbox)
    cv2.rectangle(image, (x1, y1), (x2, y2), (255, 255, 255), 1)
    links = model.dataset_meta['skeleton_links']
    for t, k, s in zip(ts, kpts, scores):
        colour = (int(255 * (1 - t)), 40, int(255 * t))  # BGR: blue -> red
        for a, b in links:
            if s[a] > args.kpt_thr and s[b] > args.kpt_thr:
                cv2.line(image, tuple(int(v) for v in k[a]),
                         tuple(int(v) for v in k[b]), colour, 1, cv2.LINE_AA)
        for j in range(len(k)):
            if s[j] > args.kpt_thr:
                cv2.circle(image, tuple(int(v) for v in k[j]), 2, colour, -1,
                           cv2.LINE_AA)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    root, ext = osp.splitext(args.out)
    tmp = f'{root}.tmp{ext or ".jpg"}'
    if not cv2.imwrite(tmp, image):
        raise SystemExit(f'error: could not write {args.out}')
    os.replace(tmp, args.out)
    print(f'wrote {args.out} ({args.steps} steps of t from 0 to 1)')


if __name__ == '__main__':
    main()
