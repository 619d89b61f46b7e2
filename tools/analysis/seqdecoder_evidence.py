"""The sequential ConvLSTM person decoder on the synthetic crowded scenes:
counting, AP by number of people, AP under crowd-box jitter (the
sequential-decoder paper, Fig. 6, Table 2, Table 3).

Trains (or reuses ``WORK_DIR/seqdec/epoch_N.pth``; an interrupted run
resumes from its last epoch)
``configs/seqdecoder/seqdec_res18-half_1xb16-16e_synthcrowd-128x160.py``,
then with MMPose's ``inference_bottomup`` (flip test, stop at 0.05):

1. **Counting** (Fig. 6): on the 200 validation images, people the decoder
   emitted vs annotated people (with at least one labelled keypoint), as a
   confusion matrix.

AP is measured twice, with the paper's decoding (keypoints at the maxima of
each step's heatmaps) and with ``test_cfg.locate_by_parts`` (keypoints at the
maxima of sqrt(step x part heatmap): the step picks the person, the part
heatmap places the keypoint); the count is the same for both.
2. **AP by number of people** (Table 2): COCO AP (pycocotools) over the
   validation images with 1, 2, ..., 5 people; the Associative Embedding
   model of the HintPose evidence (``--ae-checkpoint``, trained on the same
   data, 6 epochs at 256x256) as the bottom-up reference row when present.
3. **Box jitter** (Table 3): the crowd regions of the validation split
   written as crops by ``tools/dataset_converters/make_coco_crowd.py`` with
   each region edge jittered by up to 0/5/10/15 px, and COCO AP on each set.
   The synthetic model is trained on whole images at half size, not on
   crops (the paper trains and tests on crops at 512x512), and a crop
   resized to its input would show people 2-3x larger than it ever saw; so
   each crop is pasted back at its place on a canvas of the original image's
   size filled with the crop's mean colour: the model sees only the
   (jittered) box, at the scale it was trained at.
4. **Where the heatmaps respond** (a diagnostic, not in the paper): on the
   first ``--probe-images`` validation images, the mean part heatmap on the
   ground-truth disks and off them, and the mean of each decoder step on the
   disks of the person it responds to most and of the next best person
   (equal values: the step does not single out one person), by body part;
   and how well each decoding places keypoints: the fraction of a person's
   labelled keypoints within 1.5 heatmap pixels of the truth (and their mean
   distance), for each of the first min(people, 6) steps and the person it
   lands on best, for the two decodings and the centroid of each step's
   plateau (ours, a diagnostic); and how flat the heatmaps are on the
   ground-truth disks (the share of a disk within 10 % of its maximum).

Usage::

    python tools/analysis/seqdecoder_evidence.py [--epochs 16] [--work-dir DIR]
        [--checkpoint CKPT] [--ae-checkpoint CKPT]

``--checkpoint`` measures a trained checkpoint of the config (e.g. the
crowd benchmark's, 60 epochs) instead of training one.

Prints markdown tables (also written to WORK_DIR/seqdecoder_evidence.md and
the figures to WORK_DIR/seqdecoder_evidence.json).
"""
import argparse
import os.path as osp
import subprocess
import sys
from collections import Counter

import numpy as np
from evidence_common import (DEFAULT_DATA_ROOT, ROOT, bottomup_target_batch,
                             coco_ap, coco_keypoint_ap, coco_results,
                             ensure_data, train, write_json, write_report)

CONFIG = ('configs/seqdecoder/'
          'seqdec_res18-half_1xb16-16e_synthcrowd-128x160.py')
AE_CONFIG = ('configs/bottomup/'
             'ae_hrnet-w16-small_1xb16-6e_synthcrowd-256x256.py')


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data-root', default=DEFAULT_DATA_ROOT)
    p.add_argument(
        '--work-dir', default=osp.join(ROOT, 'work_dirs/seqdecoder_evidence'))
    p.add_argument('--epochs', type=int, default=16)
    p.add_argument(
        '--checkpoint',
        default=None,
        help='a trained checkpoint of the synthetic config (e.g. '
        "the crowd benchmark's work_dirs/crowd_benchmark_cpu/"
        'seqdecoder_s0/epoch_60.pth) instead of training')
    p.add_argument('--jitters', type=int, nargs='+', default=[0, 5, 10, 15])
    p.add_argument('--probe-images', type=int, default=40)
    p.add_argument(
        '--ae-checkpoint',
        default=osp.join(
            ROOT, 'work_dirs/hintpose_evidence/'
            'bottomup_ae/epoch_6.pth'))
    return p.parse_args()


DECODINGS = {'steps (paper)': False, 'steps x parts': True}


def predict_all(model, ann_file, img_dir, locate_by_parts=False):
    """COCO results and the number of people emitted per image."""
    from mmpose.apis import inference_bottomup
    from pycocotools.coco import COCO

    from mmpose_occlusion.utils import Progress
    gt = COCO(ann_file)
    if locate_by_parts is not None:
        model.test_cfg['locate_by_parts'] = locate_by_parts
    results, counts = [], {}
    progress = Progress(len(gt.getImgIds()), 'images')
    for img_id in gt.getImgIds():
        info = gt.loadImgs(img_id)[0]
        inst = inference_bottomup(model, osp.join(
            img_dir, info['file_name']))[0].pred_instances
        counts[img_id] = len(inst.keypoints)
        results += coco_results(img_id, inst.keypoints, inst.keypoint_scores,
                                inst.bbox_scores)
        progress.update()
    progress.close()
    return gt, results, counts


def crops_on_canvas(crop_ann: str, crop_dir: str, orig_dir: str,
                    out_dir: str) -> str:
    """Paste every crop of ``crop_ann`` (``make_coco_crowd.py``'s output,
    images in ``crop_dir``) at its ``crop_box`` on a canvas of its original
    image's size (``orig_dir``) filled with the crop's mean colour; the
    annotations move back to the original frame. Returns the new annotation
    file (``out_dir/annotations/person_keypoints_canvas.json``)."""
    import json
    import os

    import mmcv
    out_ann = osp.join(out_dir, 'annotations', 'person_keypoints_canvas.json')
    if osp.isfile(out_ann):
        return out_ann
    with open(crop_ann) as f:
        coco = json.load(f)
    os.makedirs(osp.join(out_dir, 'images'), exist_ok=True)
    offsets = {}
    for info in coco['images']:
        crop = mmcv.imread(osp.join(crop_dir, info['file_name']))
        h, w = mmcv.imread(osp.join(orig_dir,
                                    info['original_file_name'])).shape[:2]
        x1, y1, x2, y2 = info['crop_box']
        canvas = np.empty((h, w, 3), np.uint8)
        canvas[:] = crop.reshape(-1, 3).mean(0).round().astype(np.uint8)
        canvas[y1:y2, x1:x2] = crop
        mmcv.imwrite(canvas, osp.join(out_dir, 'images', info['file_name']))
        info.update(width=w, height=h)
        offsets[info['id']] = (x1, y1)
    for ann in coco['annotations']:
        dx, dy = offsets[ann['image_id']]
        kpts = np.asarray(ann['keypoints'], np.float64).reshape(-1, 3)
        kpts[kpts[:, 2] > 0, :2] += (dx, dy)
        ann['keypoints'] = kpts.ravel().tolist()
        ann['bbox'] = [ann['bbox'][0] + dx, ann['bbox'][1] + dy] + list(
            ann['bbox'][2:])
        ann.pop('segmentation', None)  # keypoint AP does not use it
    os.makedirs(osp.dirname(out_ann), exist_ok=True)
    # written last and whole: a run stopped midway redoes the canvases
    os.replace(write_json(coco, out_ann + '.part'), out_ann)
    return out_ann


def true_counts(gt):
    """Annotated people (>= 1 labelled keypoint) per image."""
    return {
        i:
        sum(a['num_keypoints'] > 0
            for a in gt.loadAnns(gt.getAnnIds(imgIds=i, iscrowd=False)))
        for i in gt.getImgIds()
    }


def ap_by_people(gt, res_file):
    """{people per image: (AP, images)} of the results in ``res_file``."""
    truth = true_counts(gt)
    out = {}
    for n in sorted(set(truth.values())):
        ids = [i for i, c in truth.items() if c == n]
        out[n] = (coco_keypoint_ap(gt, res_file, ids), len(ids))
    return out


BODY_PARTS = {'face': range(0, 5), 'arms': range(5, 11), 'legs': range(11, 17)}


def probe(model, cfg, data_root: str, num_images: int):
    """The first ``num_images`` validation images with their targets (whole
    images resized to the input, no flip), their part heatmaps (B, K, H, W)
    and six decoder steps (B, 6, K, H, W): the input of both diagnostics."""
    import torch
    data = bottomup_target_batch(model, cfg.model.head.decoder, data_root,
                                 'val', num_images)
    with torch.no_grad():
        parts, steps = model.head(model.extract_feat(data['inputs']), 6)
    return data['data_samples'], parts, steps


def heatmap_responses(samples, parts, steps) -> dict:
    """{body part: (part on disks, part off disks, step on its person,
    step on the next person)}, means over the ``probe`` images (the first
    min(people, 6) steps)."""
    import torch
    disks = torch.stack([d.gt_fields.heatmaps for d in samples]).float()
    part_on = (parts * disks).sum((0, 2, 3)) / disks.sum((0, 2, 3))
    part_off = (parts * (1 - disks)).sum((0, 2, 3)) / (1 - disks).sum(
        (0, 2, 3))
    best, other = [], []
    for b, d in enumerate(samples):
        people = d.gt_instance_labels.instance_heatmaps.float()  # P,K,H,W
        area = people.sum((2, 3))
        for t in range(min(len(people), steps.shape[1])):
            resp = (steps[b, t][None] * people).sum(
                (2, 3)) / area.clamp(min=1)  # (P, K)
            order = resp.mean(1).argsort(descending=True)
            best.append(resp[order[0]])
            other.append(resp[order[1]] if len(people) >
                         1 else torch.full_like(resp[0], float('nan')))
    best, other = torch.stack(best), torch.stack(other)
    return {
        name:
        (float(part_on[list(ks)].mean()), float(part_off[list(ks)].mean()),
         float(best[:, list(ks)].mean()), float(other[:, list(ks)].nanmean()))
        for name, ks in BODY_PARTS.items()
    }


def disk_centroid(heatmaps, radius: float):
    """Keypoints (K, 2) at the centroid of each channel's plateau: the pixels
    within 2 x ``radius`` (a disk's diameter: the whole of a disk that holds
    the maximum) of the channel's maximum whose value is at least half that
    maximum, weighted by their value (a diagnostic decoding, ours: the
    centre of a disk-shaped response rather than its arbitrary maximum)."""
    import torch
    k, h, w = heatmaps.shape
    flat = heatmaps.reshape(k, -1)
    peak, idx = flat.max(1)
    ys, xs = torch.meshgrid(
        torch.arange(h, dtype=heatmaps.dtype),
        torch.arange(w, dtype=heatmaps.dtype),
        indexing='ij')
    x0, y0 = (idx % w).to(heatmaps.dtype), (idx // w).to(heatmaps.dtype)
    near = ((xs[None] - x0[:, None, None])**2 +
            (ys[None] - y0[:, None, None])**2) <= (2 * radius)**2
    weight = heatmaps * near * (heatmaps >= 0.5 * peak[:, None, None])
    total = weight.sum((1, 2)).clamp(min=1e-12)
    return torch.stack([(weight * xs).sum((1, 2)) / total, (weight * ys).sum(
        (1, 2)) / total], -1)


def localisation(samples,
                 parts,
                 steps,
                 stride: float,
                 radii=(1.5, 3.0),
                 disk_radius: float = 3.0) -> dict:
    """Where each decoding places keypoints, over the first min(people, 6)
    steps of the ``probe`` images, each step scored against the person it
    lands on best, for the steps' maxima (the paper), the maxima of
    sqrt(step x part) (ours, ``locate_by_parts``) and the steps' plateau
    centroids (:func:`disk_centroid`; ``disk_radius``: the codec's disk
    radius). Per decoding: ``within`` {r: mean fraction of labelled
    keypoints within r heatmap px of the truth} for each of ``radii``;
    ``mean_distance`` (heatmap px); and, at the first radius, the share of
    that person's labelled keypoints placed ``on_person`` / ``on_other``
    (another person's same keypoint) / ``elsewhere``. And ``plateau``:
    {heatmap: the mean share of a labelled keypoint's ground-truth disk
    where the heatmap is within 10 % of its maximum on that disk} for the
    steps and the part heatmaps (1 / disk area: one sharp peak; 1.0: a
    flat disk, whose maximum may be anywhere in it). ``stride``: input
    pixels per heatmap pixel."""
    import torch
    from mmpose.codecs.utils import get_heatmap_maximum

    from mmpose_occlusion.models.heads import locate_on_parts
    decodings = dict(DECODINGS,
                     **{'steps, plateau centroid (diagnostic)': 'centroid'})
    hits = {name: {r: [] for r in radii} for name in decodings}
    dists = {name: [] for name in decodings}
    # per labelled keypoint of the matched person: on it / on another
    # person's same keypoint (within radii[0]) / elsewhere
    where = {name: np.zeros(3) for name in decodings}
    plateau = {'steps': [], 'part heatmaps': []}
    h, w = parts.shape[-2:]
    ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing='ij')
    for b, d in enumerate(samples):
        kpts = torch.as_tensor(d.gt_instances.keypoints).float() / stride
        vis = torch.as_tensor(d.gt_instance_labels.keypoint_weights) > 0
        kpts, vis = kpts[vis.any(1)], vis[vis.any(1)]  # (P, K, 2), (P, K)
        for t in range(min(len(kpts), steps.shape[1])):
            best = {}
            for name, mode in decodings.items():
                if mode == 'centroid':
                    xy = disk_centroid(steps[b, t].float(), disk_radius)
                else:
                    hm = (
                        locate_on_parts(steps[b, t:t + 1], parts[b])[0]
                        if mode else steps[b, t])
                    xy = torch.from_numpy(get_heatmap_maximum(hm.numpy())[0])
                dist = (xy[None] - kpts).norm(dim=-1)  # (P, K)
                for r in radii:
                    frac = ((dist <= r) & vis).sum(1) / vis.sum(1)
                    hits[name][r].append(float(frac.max()))
                    if r == radii[0]:
                        p = int(frac.argmax())
                dists[name].append(float(dist[p][vis[p]].mean()))
                best[name] = p
                others = torch.cat([dist[:p], dist[p + 1:]])
                other_vis = torch.cat([vis[:p], vis[p + 1:]])
                on_other = ((others <= radii[0]) & other_vis).any(0)
                own = dist[p] <= radii[0]
                for k in torch.nonzero(vis[p]).flatten().tolist():
                    where[name][0 if own[k] else 1 if on_other[k] else 2] \
                        += 1
            p = best[next(iter(DECODINGS))]
            for k in torch.nonzero(vis[p]).flatten().tolist():
                disk = ((xs - kpts[p, k, 0])**2 +
                        (ys - kpts[p, k, 1])**2) <= disk_radius**2
                if not disk.any():
                    continue
                for key, hm in (('steps', steps[b, t, k]), ('part heatmaps',
                                                            parts[b, k])):
                    on = hm[disk]
                    plateau[key].append(
                        float((on >= 0.9 * on.max()).float().mean()))
    out = {}
    for name in decodings:
        share = where[name] / where[name].sum()
        out[name] = dict(
            within={
                r: float(np.mean(v))
                for r, v in hits[name].items()
            },
            mean_distance=float(np.mean(dists[name])),
            on_person=float(share[0]),
            on_other=float(share[1]),
            elsewhere=float(share[2]))
    out['plateau'] = {k: float(np.mean(v)) for k, v in plateau.items()}
    return out


def main():
    args = parse_args()
    from mmengine.config import Config
    from mmpose.apis import init_model

    import mmpose_occlusion  # noqa: F401

    data_root = ensure_data(args.data_root)
    work_dir = osp.abspath(args.work_dir)
    ckpt = osp.abspath(args.checkpoint) if args.checkpoint else train(
        CONFIG,
        osp.join(work_dir, 'seqdec'),
        data_root,
        args.epochs,
        resumable=True)
    cfg = Config.fromfile(osp.join(ROOT, CONFIG))
    model = init_model(cfg, ckpt, device='cpu')
    ann = osp.join(data_root, 'annotations/person_keypoints_val.json')
    img_dir = osp.join(data_root, 'val')

    # 1 + 2: whole validation images, both decodings
    by_people = {}
    for name, locate in DECODINGS.items():
        gt, results, counts = predict_all(model, ann, img_dir, locate)
        res_file = osp.join(work_dir, f'results_val_locate{int(locate)}.json')
        ap_all = coco_ap(gt, results, res_file)
        row = ap_by_people(gt, res_file) if results else {
            n: (0.0, c)
            for n, c in Counter(true_counts(gt).values()).items()
        }
        by_people[f'sequential decoder, {name}'] = dict(
            row, all=(ap_all, len(gt.getImgIds())))
    truth = true_counts(gt)
    max_pred = max(max(counts.values()), max(truth.values()))
    confusion = np.zeros((max(truth.values()) + 1, max_pred + 1), int)
    for i, c in counts.items():
        confusion[truth[i], c] += 1
    if osp.isfile(args.ae_checkpoint):
        ae = init_model(
            Config.fromfile(osp.join(ROOT, AE_CONFIG)),
            args.ae_checkpoint,
            device='cpu')
        gt_ae, res_ae, _ = predict_all(ae, ann, img_dir, None)
        ae_file = osp.join(work_dir, 'results_ae.json')
        ae_all = coco_ap(gt_ae, res_ae, ae_file)
        by_people['Associative Embedding (reference)'] = dict(
            ap_by_people(gt_ae, ae_file), all=(ae_all, len(gt_ae.getImgIds())))

    # 3: crowd-region crops with jittered boxes, both decodings
    jitter_ap = {name: {} for name in DECODINGS}
    for px in args.jitters:
        out_dir = osp.join(work_dir, f'crowd_crops_jitter{px}')
        crop_ann = osp.join(out_dir, 'annotations',
                            'person_keypoints_val_crowd.json')
        if not osp.isfile(crop_ann):  # the converter, as a user runs it
            converter = osp.join(ROOT, 'tools', 'dataset_converters',
                                 'make_coco_crowd.py')
            subprocess.run(
                [sys.executable, converter, ann, img_dir, out_dir] +
                ['--jitter', str(px), '--seed', '0'],
                check=True)
        canvas_dir = osp.join(out_dir, 'canvas')
        canvas_ann = crops_on_canvas(crop_ann, osp.join(out_dir, 'images'),
                                     img_dir, canvas_dir)
        for name, locate in DECODINGS.items():
            gt_c, res_c, _ = predict_all(model, canvas_ann,
                                         osp.join(canvas_dir, 'images'),
                                         locate)
            jitter_ap[name][px] = (coco_ap(
                gt_c, res_c,
                osp.join(work_dir, f'results_j{px}_locate{int(locate)}.json')),
                                   len(gt_c.getImgIds()))

    # 4: where the heatmaps respond
    probed = probe(model, cfg, data_root, args.probe_images)
    responses = heatmap_responses(*probed)
    codec = cfg.model.head.decoder
    placed = localisation(
        *probed,
        stride=codec['input_size'][0] / codec['heatmap_size'][0],
        disk_radius=codec.get('radius', 3))

    # report
    exact = np.trace(confusion[:, :confusion.shape[0]]) / confusion.sum()
    lines = [
        f'Sequential decoder ({osp.basename(CONFIG)}, ' +
        (f'checkpoint {osp.relpath(ckpt, ROOT)}'
         if args.checkpoint else f'{args.epochs} epochs, CPU') +
        '), MMPose inference_bottomup with flip test, stop at 0.05.', '',
        f'**Counting** (paper Fig. 6): rows = annotated people, columns = '
        f'people emitted; {100 * exact:.1f} % of the '
        f'{confusion.sum()} validation images exactly right.', '',
        '| true \\ emitted | ' +
        ' | '.join(str(c) for c in range(confusion.shape[1])) + ' |',
        '| --- ' * (confusion.shape[1] + 1) + '|'
    ]
    for t in range(1, confusion.shape[0]):
        lines.append(f'| {t} | ' + ' | '.join(str(v)
                                              for v in confusion[t]) + ' |')
    ns = sorted({n for row in by_people.values() for n in row if n != 'all'})
    lines += [
        '', '**AP by number of people per image** (paper Table 2; COCO AP, '
        'pycocotools; images per column in brackets):', '', '| model | ' +
        ' | '.join(f'{n} ({next(iter(by_people.values()))[n][1]})'
                   for n in ns) + ' | all |', '| --- ' * (len(ns) + 2) + '|'
    ]
    for name, row in by_people.items():
        lines.append(f'| {name} | ' +
                     ' | '.join(f'{100 * row[n][0]:.1f}' if n in row else '-'
                                for n in ns) +
                     f' | {100 * row["all"][0]:.1f} |')
    lines += [
        '', '**Crowd-box jitter** (paper Table 3): crowd regions of the '
        'validation split (box IoU >= 0.1 linked) cropped with every edge '
        'moved by up to ±PX px (images are 320x256, about half COCO\'s '
        'size), each pasted back at its place on a canvas of the image\'s '
        'size in the crop\'s mean colour (the scale the model was trained '
        'at); COCO AP on the canvases.', '', '| decoding \\ jitter (px) | ' +
        ' | '.join(f'±{px}' for px in args.jitters) + ' |', '| --- ' *
        (len(args.jitters) + 1) + '|'
    ] + [
        f'| {name} | ' + ' | '.join(f'{100 * v[0]:.1f}'
                                    for v in row.values()) + ' |'
        for name, row in jitter_ap.items()
    ] + [
        '', f'**Where the heatmaps respond** (diagnostic; first '
        f'{args.probe_images} validation images, mean heatmap value): part '
        'heatmaps on / off the ground-truth disks; decoder steps on the disks '
        'of the person each step responds to most / of the next best person.',
        '', '| body part | part on | part off | step: its person | '
        'step: next person |', '| --- | --- | --- | --- | --- |'
    ] + [
        f'| {name} | ' + ' | '.join(f'{v:.3f}' for v in row) + ' |'
        for name, row in responses.items()
    ] + [
        '', '**Where the keypoints land** (diagnostic; same images, no flip): '
        'labelled keypoints within 1.5 heatmap pixels of the truth, and their '
        'mean distance to it, per step and the person it lands on best; '
        'each of that person\'s labelled keypoints placed on it, on another '
        'person\'s same keypoint (within 1.5 px; a mixed pose), or '
        'elsewhere; and keypoints within 3 px (coarse placement).', '',
        '| decoding | keypoints within 1.5 px | within 3 px | mean distance '
        '(heatmap px) | on its person | on another person | elsewhere |',
        '| --- | --- | --- | --- | --- | --- | --- |'
    ] + [
        f'| {name} | {100 * v["within"][1.5]:.1f} % | '
        f'{100 * v["within"][3.0]:.1f} % | {v["mean_distance"]:.2f} | '
        f'{100 * v["on_person"]:.1f} % | {100 * v["on_other"]:.1f} % | '
        f'{100 * v["elsewhere"]:.1f} % |'
        for name, v in placed.items() if name != 'plateau'
    ] + [
        '', '**Plateaus** (diagnostic): the share of a labelled keypoint\'s '
        f'ground-truth disk (radius {codec.get("radius", 3)} heatmap px) '
        'where the heatmap is within 10 % of its maximum on the disk '
        '(one sharp peak: about 1 / the disk\'s area; a flat disk: 1.0).', '',
        '| heatmap | plateau share |', '| --- | --- |'
    ] + [
        f'| {name} | {100 * v:.1f} % |'
        for name, v in placed['plateau'].items()
    ]
    write_report(lines, osp.join(work_dir, 'seqdecoder_evidence.md'))
    write_json(
        dict(
            confusion=confusion.tolist(),
            ap_by_people={
                k: {
                    str(n): v
                    for n, v in row.items()
                }
                for k, row in by_people.items()
            },
            jitter_ap={
                name: {
                    str(k): v
                    for k, v in row.items()
                }
                for name, row in jitter_ap.items()
            },
            responses=responses,
            localisation=placed,
            checkpoint=ckpt), osp.join(work_dir, 'seqdecoder_evidence.json'))


if __name__ == '__main__':
    main()
