"""DetPoseNet on crowded synthetic scenes: the chain with box NMS vs with the
coarse-pose filter, and the refinement ablations.

Trains (or reuses), with the same data, schedule and budget (6 epochs): the
stock small HRNet, DetPoseNet's refinement on it (multi-scale supervision and
regression, structure-aware loss, keypoint masking), the same without
masking and without the structure-aware term (α2 = 0), and the bottom-up
model that gives the coarse poses (Associative Embedding, shared with the
HintPose evidence). Then runs the whole crowd chain on the validation images
with simulated detections (``SimulatedDetector``: jittered true boxes, a
duplicate for most people, false positives, occluded people missed more
often) and reports COCO AP (pycocotools) and pose-estimator runs per person,
with box NMS (IoU 0.5) or the coarse-pose filter as the proposal stage. The
filter takes the AE model's poses (all of them, or those with an instance
score of at least ``--pose-min-score``), and, as an upper bound, poses
simulated from the annotations as in the filter benchmark.

Usage::

    python tools/analysis/detposenet_evidence.py [--epochs 6] [--work-dir DIR]

Prints a markdown table (also written to WORK_DIR/detposenet_evidence.md).
"""
import argparse
import json
import os
import os.path as osp

import numpy as np
from evidence_common import (DEFAULT_DATA_ROOT, ROOT, coco_ap, coco_results,
                             ensure_data, load_cfg, train, write_report)

CONFIGS = {
    'stock':
    'configs/baseline/'
    'td-hm_hrnet-w16-small_1xb32-6e_synthcrowd-128x96.py',
    'detposenet':
    'configs/detposenet/'
    'td-hm_hrnet-w16-small-detposenet_1xb32-6e_synthcrowd-128x96.py',
    'nomask':
    'configs/detposenet/'
    'td-hm_hrnet-w16-small-detposenet-nomask_1xb32-6e_synthcrowd-128x96.py',
    'nosa':
    'configs/detposenet/'
    'td-hm_hrnet-w16-small-detposenet-nosa_1xb32-6e_synthcrowd-128x96.py',
    'bottomup_ae':
    'configs/bottomup/'
    'ae_hrnet-w16-small_1xb16-6e_synthcrowd-256x256.py',
}
NAMES = {
    'stock': 'stock HRNet (small)',
    'detposenet': 'DetPoseNet refinement',
    'nomask': 'DetPoseNet refinement, no keypoint masking',
    'nosa': 'DetPoseNet refinement, no structure-aware term',
}
ROWS = [('stock', 'nms'), ('stock', 'filter'), ('detposenet', 'nms'),
        ('detposenet', 'filter'), ('nomask', 'filter'), ('nosa', 'filter'),
        ('stock', 'filter_min'), ('detposenet', 'filter_min'),
        ('nomask', 'filter_min'), ('nosa', 'filter_min'),
        ('stock', 'filter_sim')]
STAGES = {
    'nms':
    'box NMS (IoU {nms})',
    'filter':
    'coarse-pose filter, AE poses (all)',
    'filter_min':
    'coarse-pose filter, AE poses with instance score >= '
    '{min_score}',
    'filter_sim':
    'coarse-pose filter, simulated poses (true keypoints, '
    'noisy, hidden ones often lost)',
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data-root', default=DEFAULT_DATA_ROOT)
    p.add_argument(
        '--work-dir', default=osp.join(ROOT, 'work_dirs/detposenet_evidence'))
    p.add_argument(
        '--reuse-from',
        default=osp.join(ROOT, 'work_dirs/hintpose_evidence'),
        help='a work dir whose stock/ and bottomup_ae/ '
        'checkpoints (same configs, same budget) are reused')
    p.add_argument('--epochs', type=int, default=6)
    p.add_argument('--nms-iou', type=float, default=0.5)
    p.add_argument(
        '--pose-min-score',
        type=float,
        default=0.3,
        help='instance score cut of the AE poses in the '
        'filter_min rows')
    return p.parse_args()


class SimulatedPoses:
    """Coarse poses made from the annotations (as in the filter
    benchmark, ``simulated_poses`` with ``pose_kw``), looked up by image
    content: at the default simulation, an upper bound for what a good
    bottom-up model would give the filter."""

    def __init__(self, ann_file, img_dir, seed=0, **pose_kw):
        import cv2
        from benchmark_proposal_filter import simulated_poses
        with open(ann_file) as f:
            coco = json.load(f)
        by_image = {}
        for a in coco['annotations']:
            if a.get('num_keypoints', 1) > 0:
                by_image.setdefault(a['image_id'], []).append(a)
        rng = np.random.default_rng(seed)
        self.poses = {}
        for info in coco['images']:
            img = cv2.imread(osp.join(img_dir, info['file_name']))
            self.poses[_key(img)] = simulated_poses(
                by_image.get(info['id'], []), rng, **pose_kw)

    def __call__(self, img):
        return self.poses[_key(img)]


def _key(img):
    return (img.shape, img[::17, ::13].tobytes())


class CachedPoses:
    """The bottom-up model's poses of each image, computed once for all
    rows."""

    def __init__(self, source):
        self.source, self.cache = source, {}

    def __call__(self, img):
        key = _key(img)
        if key not in self.cache:
            self.cache[key] = self.source(img)
        return self.cache[key]


def run_chain(cfg_path,
              ckpt,
              proposal,
              ann_file,
              img_dir,
              out_file,
              cfg_edit=None,
              device='cpu'):
    """COCO AP of the chain on every image of ``ann_file``, and runs per
    person. ``cfg_edit`` edits the pose config (``load_cfg``)."""
    from pycocotools.coco import COCO

    from mmpose_occlusion.apis import CrowdPoseInferencer, SimulatedDetector
    from mmpose_occlusion.utils import Progress
    chain = CrowdPoseInferencer(
        load_cfg(cfg_path, cfg_edit),
        ckpt,
        box_source=SimulatedDetector(
            ann_file, jitter=0.05, miss_prob=0.05, dup_prob=0.8, fp_rate=1.0),
        bbox_thr=0.0,
        proposal=proposal,
        device=device)
    gt = COCO(ann_file)
    results, runs = [], 0
    progress = Progress(len(gt.getImgIds()), 'images')
    for img_id in gt.getImgIds():
        info = gt.loadImgs(img_id)[0]
        r = chain(osp.join(img_dir, info['file_name']))
        runs += len(r['proposals'])
        results += coco_results(img_id, r['keypoints'], r['keypoint_scores'],
                                r['scores'])
        progress.update()
    progress.close()
    return coco_ap(gt, results, out_file), runs / len(gt.getAnnIds())


def main():
    args = parse_args()
    import mmpose_occlusion  # noqa: F401
    from mmpose_occlusion.apis import BottomupPoseSource
    from mmpose_occlusion.proposals import BoxNMS, CoarsePoseFilter
    data_root = ensure_data(args.data_root)
    work_dir = osp.abspath(args.work_dir)
    os.makedirs(work_dir, exist_ok=True)
    ckpts = {}
    for tag, cfg in CONFIGS.items():
        reused = osp.join(args.reuse_from, tag, f'epoch_{args.epochs}.pth')
        ckpts[tag] = reused if osp.isfile(reused) else train(
            cfg, osp.join(work_dir, tag), data_root, args.epochs)

    ann = osp.join(data_root, 'annotations/person_keypoints_val.json')
    ae = BottomupPoseSource.from_config(
        osp.join(ROOT, CONFIGS['bottomup_ae']), ckpts['bottomup_ae'])
    proposals = dict(
        nms=BoxNMS(args.nms_iou),
        filter=CoarsePoseFilter(pose_source=CachedPoses(ae)),
        filter_min=CoarsePoseFilter(
            pose_source=CachedPoses(
                BottomupPoseSource(ae.model, min_score=args.pose_min_score))),
        filter_sim=CoarsePoseFilter(
            pose_source=SimulatedPoses(ann, osp.join(data_root, 'val'))))
    table = []
    for tag, stage in ROWS:
        ap, runs = run_chain(CONFIGS[tag], ckpts[tag], proposals[stage], ann,
                             osp.join(data_root, 'val'),
                             osp.join(work_dir, f'results_{tag}_{stage}.json'))
        table.append((tag, stage, ap, runs))

    lines = [
        'Chain on the 200 synthetic validation images: simulated detections '
        '(jitter 5 %, 80 % duplicated, 1 false positive per image, 5 % '
        'missed) -> proposal stage -> pose model -> OKS-NMS; COCO AP with '
        'pycocotools.', '',
        '| pose model | proposal stage | AP | pose runs per person |',
        '| --- | --- | --- | --- |'
    ]
    for tag, stage, ap, runs in table:
        stage_name = STAGES[stage].format(
            nms=args.nms_iou, min_score=args.pose_min_score)
        lines.append(f'| {NAMES[tag]} | {stage_name} | {100 * ap:.1f} | '
                     f'{runs:.2f} |')
    write_report(lines, osp.join(work_dir, 'detposenet_evidence.md'))


if __name__ == '__main__':
    main()
