"""Write HintPose cue points for every person box of a COCO file, for the
``LoadCuePoints`` transform (dataset evaluation with cues; HintPose §3.1).

Cues come from a bottom-up model (one per person it found, the central
joint of each grouped pose inside the box, or with ``--cue-mode peaks`` the
local peaks of its joint heatmaps inside each box) or from given poses (COCO
keypoint results of another model, or a COCO keypoint file's ground truth
for an upper-bound evaluation): one cue per pose, its confident joint nearest
the pose's centre, for each box it falls in.

Usage::

    # from an MMPose bottom-up model
    python tools/misc/make_cue_file.py ANN_FILE IMG_DIR OUT.json \\
        --bottomup CONFIG CHECKPOINT [--cue-mode poses|peaks] [--thr 0.1]
    # from given poses
    python tools/misc/make_cue_file.py ANN_FILE IMG_DIR OUT.json \\
        --poses RESULTS_OR_GT.json

Add ``--bbox-file DETS.json`` when the evaluation uses detected boxes (the
keys are then MMPose's detection ids). Then, in the test pipeline, before
``GenerateInstanceCue``: ``dict(type='LoadCuePoints', cue_file='OUT.json')``.
"""
import argparse
import json
import os.path as osp

import numpy as np


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('ann_file', help='COCO keypoint file (images, boxes)')
    p.add_argument('img_dir', help='folder of its images')
    p.add_argument('out', help='cue file to write')
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument('--bottomup', nargs=2, metavar=('CONFIG', 'CHECKPOINT'))
    src.add_argument('--poses', help='COCO keypoint results or annotations')
    p.add_argument('--bbox-file', default=None)
    p.add_argument(
        '--thr',
        type=float,
        default=0.1,
        help='peak threshold (bottom-up) or joint score '
        'threshold (poses; visibility for ground truth)')
    p.add_argument('--max-per-box', type=int, default=3)
    p.add_argument(
        '--cue-mode',
        choices=('poses', 'peaks'),
        default='poses',
        help='--bottomup: one cue per grouped person (poses) or '
        'local heatmap peaks (peaks)')
    p.add_argument(
        '--min-distance',
        type=float,
        default=None,
        help='cues of a box closer than this (image pixels) to a '
        'stronger one are dropped (default: 8 for heatmap peaks, '
        '0 for poses)')
    p.add_argument('--device', default='cpu')
    return p.parse_args()


def pose_cue_fn(poses_file, thr, max_per_box, min_distance):
    from mmpose_occlusion.models.utils import pose_cue_points
    with open(poses_file) as f:
        data = json.load(f)
    entries = data['annotations'] if isinstance(data, dict) else data
    by_image = {}
    for e in entries:
        kpts = np.asarray(e['keypoints'], np.float32).reshape(-1, 3)
        by_image.setdefault(e['image_id'], []).append(kpts)

    def cue_fn(image, boxes):
        poses = by_image.get(image['id'], [])
        if not poses:
            return [np.zeros((0, 2), np.float32) for _ in boxes]
        poses = np.stack(poses)
        return pose_cue_points(
            poses[..., :2],
            poses[..., 2],
            boxes,
            score_thr=thr,
            max_per_box=max_per_box,
            min_distance=min_distance)[0]

    return cue_fn


def main():
    args = parse_args()
    import mmpose_occlusion  # noqa: F401
    from mmpose_occlusion.apis import BottomupCueSource, write_cue_file
    if args.bottomup:
        source = BottomupCueSource.from_config(
            args.bottomup[0],
            args.bottomup[1],
            args.device,
            mode=args.cue_mode,
            threshold=args.thr,
            max_per_box=args.max_per_box,
            min_distance=args.min_distance)

        def cue_fn(image, boxes):
            return source(osp.join(args.img_dir, image['file_name']), boxes)[0]
    else:
        cue_fn = pose_cue_fn(args.poses, args.thr, args.max_per_box,
                             args.min_distance or 0.0)
    counts = write_cue_file(cue_fn, args.ann_file, args.out, args.bbox_file)
    print(f'\n{counts["cues"]} cues for {counts["boxes"]} boxes '
          f'({counts["boxes_without_cue"]} without) -> {args.out}')


if __name__ == '__main__':
    main()
