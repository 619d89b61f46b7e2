"""DetPoseNet's coarse-pose filter vs box NMS on crowded layouts.

For every image of a COCO keypoint file, a detector is simulated on the true
people (``SimulatedDetector``: jittered boxes, a duplicate for most people,
false positives, occluded people missed more often and scored lower) and a
bottom-up model on their keypoints (each person's labelled keypoints with
Gaussian noise, hidden ones often lost, plus a few stray fragments of 1-3
keypoints). Then, side by side on the same boxes and poses:

- box NMS (MMPose's ``nms``) at several IoU thresholds, and
- ``CoarsePoseFilter``: Algorithm 1 as published (tuples by box score,
  ``pairing='score'``); with every pose's best-fitting box first
  (``pairing='best'``, ours); with the rule that also keeps strong boxes
  without a pose (``unposed_score_thr``, ours); and its default, which also
  keeps weaker boxes with a confident coarse keypoint in them
  (``partial_pose_score_thr``, ours),

each giving the proposals the pose estimator would run on. Reported: pose
estimator runs per person (proposals / people) and person recall (people
with a proposal of IoU >= 0.5 with their box, each proposal used once), and
the default filter's throughput in boxes per second. Targets: at most 1.6
runs per person (the paper's figure for DetPoseNet), at a recall no lower
than the best NMS setting and at least 10,000 boxes per second (both ours).

Usage::

    python tools/analysis/benchmark_proposal_filter.py [ANN_FILE ...]
        [--repeats 3] [--seed 0 [1 2]]

Without files: the synthetic validation set and, when ``../shared`` is
here, the real annotated layouts of ``../shared/data/real``.
"""
import argparse
import json
import os.path as osp
import time

import numpy as np
from evidence_common import DEFAULT_DATA_ROOT, ROOT, ensure_data

NMS_THRS = (0.3, 0.5, 0.6, 0.7, 0.8)
# the filter's rules for boxes without a pose (ours): keep strong ones
# (unposed_score_thr; the simulated false positives score below 0.6), and
# weaker ones with a confident coarse keypoint in them
# (partial_pose_score_thr)
DEFAULT_UNPOSED = 0.6  # CoarsePoseFilter's defaults
DEFAULT_PARTIAL = 0.3
ALGORITHM1 = 'coarse-pose filter (Algorithm 1 as published)'
DEFAULT_LABEL = (f'coarse-pose filter, best box first + unposed boxes >= '
                 f'{DEFAULT_UNPOSED} + boxes with coarse keypoints >= '
                 f'{DEFAULT_PARTIAL} '
                 '(default)')
FILTER_VARIANTS = (
    (ALGORITHM1, dict(unposed_score_thr=None, pairing='score')),
    ('coarse-pose filter, best box first',
     dict(unposed_score_thr=None, pairing='best')),
    (f'coarse-pose filter, best box first + unposed boxes >= '
     f'{DEFAULT_UNPOSED}',
     dict(
         unposed_score_thr=DEFAULT_UNPOSED,
         partial_pose_score_thr=None,
         pairing='best')),
    (DEFAULT_LABEL,
     dict(
         unposed_score_thr=DEFAULT_UNPOSED,
         partial_pose_score_thr=DEFAULT_PARTIAL,
         pairing='best')),
)
REAL = osp.join(osp.dirname(ROOT), 'shared', 'data', 'real')
REAL_FILES = [
    osp.join(REAL, 'coco_mini/annotations/person_keypoints_val2017.json'),
    osp.join(REAL, 'coco_mini/annotations/person_keypoints_train2017.json'),
    osp.join(REAL, 'ochuman/test_ochuman.json'),
    osp.join(REAL, 'crowdpose/test_crowdpose.json'),
]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('ann_files', nargs='*')
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument(
        '--seed',
        type=int,
        nargs='+',
        default=[0],
        help='simulation seeds; several pool their draws (the '
        'real layouts are small: one person of COCO-mini val '
        'is 1.5 %% of its recall)')
    return p.parse_args()


def simulated_poses(people,
                    rng,
                    stray=2,
                    noise=0.02,
                    keep_visible=0.95,
                    keep_hidden=0.5,
                    miss_person=0.0):
    """Coarse poses of the people (noisy, hidden joints often lost) and a
    few stray fragments: keypoints (P, K, 2), scores (P, K).

    ``noise``: keypoint noise, a fraction of the person's size;
    ``keep_visible`` / ``keep_hidden``: the chance that a visible / hidden
    labelled joint is found; ``miss_person``: the chance that a person gets
    no pose at all; ``stray``: fragments (1-3 joints) per image."""
    kpts, scores = [], []
    for a in people:
        if miss_person > 0 and rng.random() < miss_person:
            continue
        g = np.asarray(a['keypoints'], np.float32).reshape(-1, 3)
        size = max(a['bbox'][2], a['bbox'][3], 1.0)
        keep = np.where(
            g[:, 2] == 2,
            rng.random(len(g)) < keep_visible,
            np.where(g[:, 2] == 1,
                     rng.random(len(g)) < keep_hidden, False))
        kpts.append(g[:, :2] + rng.normal(0, noise * size, (len(g), 2)))
        scores.append(np.where(keep, rng.uniform(0.5, 1.0, len(g)), 0.0))
    if people and not kpts:  # every person missed: keep the shape
        k = len(people[0]['keypoints']) // 3
        kpts, scores = [np.zeros((k, 2), np.float32)], [np.zeros(k)]
    k = len(kpts[0]) if kpts else 17
    for _ in range(stray if people else 0):
        a = people[rng.integers(len(people))]
        x, y, w, h = a['bbox']
        frag = np.zeros((k, 2), np.float32)
        frag[:] = [x + rng.random() * w, y + rng.random() * h]
        sc = np.zeros(k)
        sc[rng.choice(k, rng.integers(1, 4), replace=False)] = 0.6
        kpts.append(frag + rng.normal(0, 3, (k, 2)))
        scores.append(sc)
    if not kpts:
        return np.zeros((0, k, 2), np.float32), np.zeros((0, k), np.float32)
    return (np.asarray(kpts, np.float32), np.asarray(scores, np.float32))


def recalled(gt_boxes, proposals, thr=0.5):
    """(N,) whether each person is matched, one-to-one, by a proposal with
    IoU >= thr (SciPy's Hungarian matching on IoU)."""
    hit = np.zeros(len(gt_boxes), bool)
    if len(gt_boxes) == 0 or len(proposals) == 0:
        return hit
    from scipy.optimize import linear_sum_assignment

    from mmpose_occlusion.structures import iou_matrix
    iou = iou_matrix(gt_boxes, proposals)
    rows, cols = linear_sum_assignment(-iou)
    hit[rows[iou[rows, cols] >= thr]] = True
    return hit


def layouts(ann_file, seed, pose_fn=None, pose_kw=None):
    """Per image: true boxes (N, 4), detections, coarse poses, the number
    of labelled keypoints of each person. The coarse poses are simulated
    from the annotations (``simulated_poses`` with ``pose_kw``), or
    ``pose_fn(file_name)`` -> (keypoints (P, K, 2), scores (P, K)), e.g. a
    bottom-up model's."""
    from mmpose_occlusion.apis import SimulatedDetector
    with open(ann_file) as f:
        coco = json.load(f)
    det = SimulatedDetector(
        ann_file,
        jitter=0.05,
        miss_prob=0.05,
        dup_prob=0.8,
        fp_rate=1.0,
        seed=seed)
    by_image = {}
    for a in coco['annotations']:
        if not a.get('iscrowd', 0) and a.get('num_keypoints', 1) > 0:
            by_image.setdefault(a['image_id'], []).append(a)
    rng = np.random.default_rng(seed)
    out = []
    for img in coco['images']:
        people = by_image.get(img['id'], [])
        if not people:
            continue
        canvas = np.zeros((img['height'], img['width'], 1), np.uint8)
        boxes, scores = det(canvas, img['file_name'])
        gt = np.array([[x, y, x + w, y + h]
                       for x, y, w, h in (a['bbox'] for a in people)],
                      np.float32)
        labelled = np.array([(np.asarray(a['keypoints']).reshape(-1, 3)[:, 2]
                              > 0).sum() for a in people])
        poses = simulated_poses(people, rng, **(pose_kw or {})) \
            if pose_fn is None else pose_fn(img['file_name'])
        out.append((gt, boxes, scores, poses, labelled))
    return out


def sigmas_for(k):
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    name = {17: 'coco', 14: 'crowdpose'}[k]
    meta = parse_pose_metainfo(
        dict(from_file=f'configs/_base_/datasets/{name}.py'))
    return np.asarray(meta['sigmas'], np.float32)


def score(data, method, delta_kpt=3):
    """(runs per person, recall, recall among the people with more than
    ``delta_kpt`` labelled keypoints) of one proposal stage on the
    ``layouts``; a ``CoarsePoseFilter`` gets each image's coarse poses."""
    from mmpose_occlusion.proposals import CoarsePoseFilter
    people = sum(len(gt) for gt, *_ in data)
    visible = sum((n > delta_kpt).sum() for *_, n in data)
    runs = hits = hits_visible = 0
    for gt, boxes, scores, poses, labelled in data:
        if isinstance(method, CoarsePoseFilter):
            prop = method(boxes, scores, poses=poses)
        else:
            prop = method(boxes, scores)
        runs += len(prop)
        hit = recalled(gt, prop.bboxes)
        hits += hit.sum()
        hits_visible += hit[labelled > delta_kpt].sum()
    return (float(runs / people), float(hits / people),
            float(hits_visible / max(visible, 1)))


def best_nms(rows):
    """The row (label, runs, recall, ...) of the box-NMS setting with the
    best recall, the fewest runs among equals."""
    return max((r for r in rows if r[0].startswith('box')),
               key=lambda r: (r[2], -r[1]))


def evaluate(name, data, repeats):
    from mmpose_occlusion.proposals import BoxNMS, CoarsePoseFilter
    k = data[0][3][0].shape[1]
    people = sum(len(gt) for gt, *_ in data)
    boxes_in = sum(len(b) for _, b, *_ in data)
    rows = []
    methods = [(f'box NMS, IoU {t}', BoxNMS(t)) for t in NMS_THRS]
    methods += [
        (label, CoarsePoseFilter(pose_source=None, sigmas=sigmas_for(k), **kw))
        for label, kw in FILTER_VARIANTS
    ]
    timed = dict(methods)[DEFAULT_LABEL]
    delta_kpt = timed.delta_kpt
    for label, method in methods:
        rows.append((label, *score(data, method, delta_kpt)))
    if repeats < 1:  # recall only
        return people, boxes_in, rows, None
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _, boxes, scores, poses, _ in data:
            timed(boxes, scores, poses=poses)
        times.append(time.perf_counter() - t)
    speed = boxes_in / float(np.median(times))
    return people, boxes_in, rows, speed


def main():
    args = parse_args()
    import mmpose_occlusion  # noqa: F401
    files = args.ann_files
    if not files:
        data_root = ensure_data(DEFAULT_DATA_ROOT)
        files = [osp.join(data_root, 'annotations/person_keypoints_val.json')]
        files += [f for f in REAL_FILES if osp.isfile(f)]
    lines = []
    for ann in files:
        data = [d for seed in args.seed for d in layouts(ann, seed)]
        if not data:
            continue
        people, boxes_in, rows, speed = evaluate(ann, data, args.repeats)
        best = best_nms(rows)[2]
        name = osp.relpath(ann, osp.dirname(ROOT))
        lines += [
            '', f'`{name}`: {len(data)} images, {people} people, '
            f'{boxes_in} detector boxes ({boxes_in / people:.1f} per '
            'person)' + (f', simulation seeds {args.seed} pooled'
                         if len(args.seed) > 1 else ''), '',
            '| proposals | runs per person | recall | recall, people with '
            '> 3 labelled keypoints |', '| --- | --- | --- | --- |'
        ]
        lines += [
            f'| {label} | {runs:.2f} | {100 * rec:.1f} % | '
            f'{100 * vis:.1f} % |' for label, runs, rec, vis in rows
        ]
        lines.append('')
        if speed is None:
            lines.append('filter speed: not timed (--repeats 0)')
        else:
            lines.append(
                f'filter speed (default): {speed:,.0f} boxes/s (our '
                f'target 10,000: {"met" if speed >= 1e4 else "missed"})')
        for label, runs, rec, _ in rows[len(NMS_THRS):]:
            lines.append(
                f'{label}: runs per person {runs:.2f} (target <= 1.6: '
                f'{"met" if runs <= 1.6 else "missed"}), recall '
                f'{100 * rec:.1f} % vs best NMS {100 * best:.1f} % '
                f'({"met" if rec >= best else "missed"})')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
