"""The sequential ConvLSTM person decoder on the synthetic crowded scenes:
counting, AP by number of people, AP under crowd-box jitter (paper 004,
Fig. 6, Table 2, Table 3).

Trains (or reuses ``WORK_DIR/seqdec/epoch_N.pth``; an interrupted run
resumes from its last epoch)
``configs/seqdecoder/seqdec_res18-half_1xb16-8e_synthcrowd-128x160.py``,
then with MMPose's ``inference_bottomup`` (flip test, stop at 0.05):

1. **Counting** (Fig. 6): on the 200 validation images, people the decoder
   emitted vs annotated people (with at least one labelled keypoint), as a
   confusion matrix.
2. **AP by number of people** (Table 2): COCO AP (pycocotools) over the
   validation images with 1, 2, ..., 5 people; the Associative Embedding
   model of the HintPose evidence (``--ae-checkpoint``, trained on the same
   data, 6 epochs at 256x256) as the bottom-up reference row when present.
3. **Box jitter** (Table 3): the crowd regions of the validation split
   written as crops by ``tools/dataset_converters/make_coco_crowd.py`` with
   each region edge jittered by up to 0/5/10/15 px, and COCO AP on each set.

Usage::

    python tools/analysis/seqdecoder_evidence.py [--epochs 8] [--work-dir DIR]

Prints markdown tables (also written to WORK_DIR/seqdecoder_evidence.md and
the figures to WORK_DIR/seqdecoder_evidence.json).
"""
import argparse
import json
import os.path as osp
import sys

import numpy as np
from evidence_common import (DEFAULT_DATA_ROOT, ROOT, ensure_data, train,
                             write_json, write_report)

CONFIG = ('configs/seqdecoder/'
          'seqdec_res18-half_1xb16-8e_synthcrowd-128x160.py')
AE_CONFIG = 'configs/bottomup/ae_hrnet-w16-small_1xb16-6e_synthcrowd-256x256.py'


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data-root', default=DEFAULT_DATA_ROOT)
    p.add_argument('--work-dir',
                   default=osp.join(ROOT, 'work_dirs/seqdecoder_evidence'))
    p.add_argument('--epochs', type=int, default=8)
    p.add_argument('--jitters', type=int, nargs='+', default=[0, 5, 10, 15])
    p.add_argument('--ae-checkpoint',
                   default=osp.join(ROOT, 'work_dirs/hintpose_evidence/'
                                    'bottomup_ae/epoch_6.pth'))
    return p.parse_args()


def predict_all(model, ann_file, img_dir):
    """COCO results and the number of people emitted per image."""
    from mmengine.utils import ProgressBar
    from mmpose.apis import inference_bottomup
    from pycocotools.coco import COCO
    gt = COCO(ann_file)
    results, counts = [], {}
    progress = ProgressBar(len(gt.getImgIds()))
    for img_id in gt.getImgIds():
        info = gt.loadImgs(img_id)[0]
        inst = inference_bottomup(
            model, osp.join(img_dir, info['file_name']))[0].pred_instances
        counts[img_id] = len(inst.keypoints)
        for kp, ks, s in zip(inst.keypoints, inst.keypoint_scores,
                             inst.bbox_scores):
            flat = np.concatenate([kp, ks[:, None]], 1).reshape(-1)
            results.append(dict(image_id=img_id, category_id=1,
                                score=float(s), keypoints=flat.tolist()))
        progress.update()
    return gt, results, counts


def coco_ap(gt, results, out_file, img_ids=None):
    """COCO keypoint AP of ``results`` (on ``img_ids`` if given)."""
    from pycocotools.cocoeval import COCOeval
    if not results:
        return 0.0
    with open(out_file, 'w') as f:
        json.dump(results, f)
    ev = COCOeval(gt, gt.loadRes(out_file), 'keypoints')
    if img_ids is not None:
        ev.params.imgIds = sorted(img_ids)
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    return float(ev.stats[0])


def true_counts(gt):
    """Annotated people (>= 1 labelled keypoint) per image."""
    return {
        i: sum(a['num_keypoints'] > 0 for a in gt.loadAnns(
            gt.getAnnIds(imgIds=i, iscrowd=False)))
        for i in gt.getImgIds()
    }


def ap_by_people(gt, results, work_dir, tag):
    truth = true_counts(gt)
    out = {}
    for n in sorted(set(truth.values())):
        ids = [i for i, c in truth.items() if c == n]
        out[n] = (coco_ap(gt, results,
                          osp.join(work_dir, f'results_{tag}.json'), ids),
                  len(ids))
    return out


def main():
    args = parse_args()
    import mmpose_occlusion  # noqa: F401
    from mmengine.config import Config
    from mmpose.apis import init_model
    sys.path.insert(0, osp.join(ROOT, 'tools', 'dataset_converters'))
    from make_coco_crowd import main as make_coco_crowd

    data_root = ensure_data(args.data_root)
    work_dir = osp.abspath(args.work_dir)
    ckpt = train(CONFIG, osp.join(work_dir, 'seqdec'), data_root,
                 args.epochs, resumable=True)
    cfg = Config.fromfile(osp.join(ROOT, CONFIG))
    model = init_model(cfg, ckpt, device='cpu')
    ann = osp.join(data_root, 'annotations/person_keypoints_val.json')
    img_dir = osp.join(data_root, 'val')

    # 1 + 2: whole validation images
    gt, results, counts = predict_all(model, ann, img_dir)
    ap_all = coco_ap(gt, results, osp.join(work_dir, 'results_val.json'))
    truth = true_counts(gt)
    max_pred = max(max(counts.values()), max(truth.values()))
    confusion = np.zeros((max(truth.values()) + 1, max_pred + 1), int)
    for i, c in counts.items():
        confusion[truth[i], c] += 1
    by_people = {'sequential decoder': ap_by_people(gt, results, work_dir,
                                                    'seq_sub')}
    if osp.isfile(args.ae_checkpoint):
        ae = init_model(Config.fromfile(osp.join(ROOT, AE_CONFIG)),
                        args.ae_checkpoint, device='cpu')
        gt_ae, res_ae, _ = predict_all(ae, ann, img_dir)
        by_people['Associative Embedding (reference)'] = ap_by_people(
            gt_ae, res_ae, work_dir, 'ae_sub')
        by_people['Associative Embedding (reference)']['all'] = (coco_ap(
            gt_ae, res_ae, osp.join(work_dir, 'results_ae.json')), len(
                gt_ae.getImgIds()))
    by_people['sequential decoder']['all'] = (ap_all, len(gt.getImgIds()))

    # 3: crowd-region crops with jittered boxes
    jitter_ap = {}
    for px in args.jitters:
        out_dir = osp.join(work_dir, f'crowd_crops_jitter{px}')
        crop_ann = osp.join(out_dir, 'annotations',
                            'person_keypoints_val_crowd.json')
        if not osp.isfile(crop_ann):
            status = make_coco_crowd(
                [ann, img_dir, out_dir, '--jitter', str(px), '--seed', '0'])
            if status != 0:
                raise RuntimeError(f'make_coco_crowd exited with {status}')
        gt_c, res_c, _ = predict_all(model, crop_ann,
                                     osp.join(out_dir, 'images'))
        jitter_ap[px] = (coco_ap(gt_c, res_c,
                                 osp.join(work_dir, f'results_j{px}.json')),
                         len(gt_c.getImgIds()))

    # report
    exact = np.trace(confusion[:, :confusion.shape[0]]) / confusion.sum()
    lines = [
        f'Sequential decoder ({osp.basename(CONFIG)}, {args.epochs} epochs, '
        f'CPU), MMPose inference_bottomup with flip test, stop at 0.05.', '',
        f'**Counting** (paper Fig. 6): rows = annotated people, columns = '
        f'people emitted; {100 * exact:.1f} % of the '
        f'{confusion.sum()} validation images exactly right.', '',
        '| true \\ emitted | ' + ' | '.join(
            str(c) for c in range(confusion.shape[1])) + ' |',
        '| --- ' * (confusion.shape[1] + 1) + '|'
    ]
    for t in range(1, confusion.shape[0]):
        lines.append(f'| {t} | ' + ' | '.join(
            str(v) for v in confusion[t]) + ' |')
    ns = sorted({n for row in by_people.values() for n in row
                 if n != 'all'})
    lines += [
        '', '**AP by number of people per image** (paper Table 2; COCO AP, '
        'pycocotools; images per column in brackets):', '',
        '| model | ' + ' | '.join(
            f'{n} ({by_people["sequential decoder"][n][1]})'
            for n in ns) + ' | all |',
        '| --- ' * (len(ns) + 2) + '|'
    ]
    for name, row in by_people.items():
        lines.append(f'| {name} | ' + ' | '.join(
            f'{100 * row[n][0]:.1f}' if n in row else '-'
            for n in ns) + f' | {100 * row["all"][0]:.1f} |')
    lines += [
        '', '**Crowd-box jitter** (paper Table 3): crowd regions of the '
        'validation split (box IoU >= 0.1 linked) cropped with every edge '
        'moved by up to ±PX px (images are 320x256, about half COCO\'s '
        'size); COCO AP on the crops.', '',
        '| jitter (px) | ' + ' | '.join(f'±{px}' for px in jitter_ap) +
        ' |', '| --- ' * (len(jitter_ap) + 1) + '|',
        '| AP | ' + ' | '.join(f'{100 * v[0]:.1f}'
                               for v in jitter_ap.values()) + ' |'
    ]
    write_report(lines, osp.join(work_dir, 'seqdecoder_evidence.md'))
    write_json(
        dict(confusion=confusion.tolist(),
             ap_by_people={k: {str(n): v for n, v in row.items()}
                           for k, row in by_people.items()},
             jitter_ap={str(k): v for k, v in jitter_ap.items()},
             checkpoint=ckpt),
        osp.join(work_dir, 'seqdecoder_evidence.json'))


if __name__ == '__main__':
    main()
