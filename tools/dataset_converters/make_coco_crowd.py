"""Make COCO-crowd (paper §3): crop every crowd region of a COCO keypoint
file into its own image and write a COCO keypoint file for the crops.

A crowd region is the union box of a set of people linked by box IoU >=
``--iou-thr`` (pairs sharing a person merge; people overlapping nobody are
dropped); see ``mmpose_occlusion/datasets/crowd_regions.py``.

Usage::

    python tools/dataset_converters/make_coco_crowd.py ANN_FILE IMG_DIR \\
        OUT_DIR [--iou-thr 0.1] [--jitter PX] [--seed 0]
    # only the counts (no images read or written)
    python tools/dataset_converters/make_coco_crowd.py ANN_FILE --counts-only

Writes ``OUT_DIR/images/<file stem>_crowd<k><ext>`` and, last and
atomically, ``OUT_DIR/annotations/<ANN_FILE stem>_crowd.json``:

- one image entry per region: a new ``id`` (1, 2, ... over all regions in
  file order; the ``region_id`` of ``CocoCrowdDataset``), ``file_name``,
  ``width``, ``height``, ``original_file_name``, ``original_image_id``,
  ``crop_box`` (x1, y1, x2, y2 whole pixels in the original image),
  ``crowd_member_ids`` (annotation ids of the region's people) and the
  original entry's other fields;
- the annotations of every person whose box meets the crop, with new ids
  (``original_id`` keeps the old one; a person can be in two crops):
  keypoints in crop coordinates, those outside the crop (0, 0, 0),
  ``num_keypoints`` recounted, ``bbox`` clipped to the crop, ``area``
  scaled by the part of the box left, ``segmentation`` moved into the crop.
  Other fields (e.g. COCO-WholeBody's face/hand boxes) are not carried;
- ``categories`` (and ``info``, ``licenses``) copied.

``--jitter PX`` moves each edge of a region box by a whole number of pixels
in [-PX, PX] before cropping (paper Table 3), drawn from a generator seeded
by (``--seed``, region id), so a run is reproducible region by region.

Images that cannot be read (or whose size disagrees with the file) are
reported and skipped; the rest is written and the exit status is 1. A
missing ANN_FILE or IMG_DIR, or a file that is not a COCO annotation dict,
exits with 2.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('ann_file', help='COCO keypoint annotation file')
    p.add_argument(
        'img_dir',
        nargs='?',
        default=None,
        help='folder of its images (not needed with '
        '--counts-only)')
    p.add_argument(
        'out_dir',
        nargs='?',
        default=None,
        help='output folder (images/, annotations/)')
    p.add_argument(
        '--iou-thr',
        type=float,
        default=0.1,
        help='box IoU from which two people overlap')
    p.add_argument(
        '--min-keypoints',
        type=int,
        default=1,
        help='only people with at least this many labelled '
        'keypoints form regions')
    p.add_argument(
        '--jitter',
        type=float,
        default=0,
        metavar='PX',
        help='jitter each region edge by up to PX pixels')
    p.add_argument('--seed', type=int, default=0, help='seed of --jitter')
    p.add_argument(
        '--counts-only',
        action='store_true',
        help='print the counts, read and write no images')
    return p.parse_args(argv)


def format_counts(counts: Dict) -> str:
    """The counts of ``crowd_statistics`` as printed lines."""
    people = '  '.join(f'{k}: {v}'
                       for k, v in counts['people_per_region'].items())
    overlaps = '  '.join(f'{k}: {v}'
                         for k, v in counts['overlaps_per_instance'].items())
    return '\n'.join([
        f'source images:                {counts["source_images"]}',
        f'images with a crowd region:   {counts["images_with_crowd"]}',
        f'crowd regions:                {counts["regions"]}',
        f'instances in regions:         {counts["instances_in_regions"]}',
        f'annotations in region crops:  {counts["annotations_in_regions"]}',
        f'people per region:            {people}',
        f'overlaps per instance:        {overlaps}',
        'mean overlaps per instance:   '
        f'{counts["mean_overlaps_per_instance"]:.2f}',
    ])


def load_coco(path: str) -> Dict:
    """Load a COCO annotation dict; ValueError if the file is not one."""
    with open(path) as f:
        coco = json.load(f)
    if not isinstance(coco, dict) or 'images' not in coco or \
            'annotations' not in coco:
        raise ValueError(f'{path} is not a COCO annotation file (a dict with '
                         '"images" and "annotations"; detection result '
                         'lists have no crowd regions to find)')
    return coco


def crop_sample(img: np.ndarray, anns: List[Dict], region, first_id: int):
    """Crop ``img`` to ``region`` and move the annotations whose box meets
    the crop into it (see the module docstring).

    Returns:
        tuple: the crop (h, w, C), its (4,) int64 pixel box in ``img`` and
        the new annotations, with ids from ``first_id`` on and
        ``image_id`` None (the caller sets it).
    """
    from mmpose_occlusion.datasets.crowd_regions import (coco_xyxy,
                                                         crop_region,
                                                         crop_segmentation,
                                                         meets_region,
                                                         pixel_crop_box)
    crop_box = pixel_crop_box(region, img.shape[:2])
    keep = [
        a for a, m in zip(anns, meets_region(coco_xyxy(anns), crop_box)) if m
    ]
    num_k = max((len(a.get('keypoints') or ()) // 3 for a in keep), default=0)
    kpts = np.zeros((len(keep), num_k, 3), np.float32)
    for i, a in enumerate(keep):
        if a.get('keypoints'):
            kpts[i] = np.asarray(a['keypoints'], np.float32).reshape(-1, 3)
    area = np.array([a.get('area', 0) for a in keep], np.float32)
    out = crop_region(img, kpts[..., :2], kpts[..., 2], coco_xyxy(keep),
                      crop_box, area)
    new_anns = []
    for i, a in enumerate(keep):
        bx1, by1, bx2, by2 = (float(v) for v in out['bboxes'][i])
        new = dict(
            id=first_id + i,
            image_id=None,
            category_id=a.get('category_id', 1),
            iscrowd=a.get('iscrowd', 0),
            bbox=[round(v, 2) for v in (bx1, by1, bx2 - bx1, by2 - by1)],
            original_id=a.get('id'))
        if 'area' in a:
            new['area'] = round(float(out['area'][i]), 2)
        if a.get('keypoints'):
            vis = out['keypoints_visible'][i]
            k = np.concatenate([out['keypoints'][i], vis[:, None]], 1)
            k[vis <= 0] = 0
            new['keypoints'] = [
                int(v) if j % 3 == 2 else round(float(v), 2)
                for j, v in enumerate(k.reshape(-1))
            ]
            new['num_keypoints'] = int((vis > 0).sum())
        if 'segmentation' in a:
            new['segmentation'] = crop_segmentation(a['segmentation'],
                                                    crop_box)
        new_anns.append(new)
    return out['img'], crop_box, new_anns


def make_coco_crowd(coco: Dict,
                    img_dir: str,
                    out_dir: str,
                    out_name: str,
                    iou_thr: float = 0.1,
                    min_keypoints: int = 1,
                    jitter: float = 0,
                    seed: int = 0,
                    progress: bool = True) -> Dict:
    """Write the crops and their COCO file (see the module docstring).

    Returns:
        dict: ``ann_file`` written, ``crops`` and ``annotations`` written,
        ``failed``: list of (file name, reason) of images skipped.
    """
    import cv2

    from mmpose_occlusion.datasets.crowd_regions import (find_crowd_regions,
                                                         jitter_box)
    from mmpose_occlusion.utils import Progress
    by_image: Dict = {}
    for ann in coco['annotations']:
        by_image.setdefault(ann['image_id'], []).append(ann)
    plan, region_id = [], 0
    for img_info in coco['images']:
        anns = by_image.get(img_info['id'], [])
        regions = find_crowd_regions(anns, iou_thr, min_keypoints)
        if regions:
            plan.append((img_info, anns, regions, region_id + 1))
            region_id += len(regions)

    images, annotations, failed = [], [], []
    bar = Progress(len(plan), 'images') if progress and plan else None
    for img_info, anns, regions, first_region_id in plan:
        name = img_info['file_name']
        img = cv2.imread(osp.join(img_dir, name), cv2.IMREAD_COLOR)
        expect = (img_info.get('height'), img_info.get('width'))
        if img is None:
            failed.append((name, 'cannot be read (missing or corrupt)'))
        elif None not in expect and img.shape[:2] != expect:
            failed.append((name, f'is {img.shape[1]}x{img.shape[0]}, the '
                           f'annotation says {expect[1]}x{expect[0]}'))
        else:
            stem, ext = osp.splitext(name)
            for k, (members, box) in enumerate(regions):
                rid = first_region_id + k
                if jitter > 0:
                    box = jitter_box(
                        box,
                        jitter,
                        np.random.default_rng([seed, rid]),
                        img_shape=img.shape[:2],
                        integer=True)
                crop, crop_box, new_anns = crop_sample(img, anns, box,
                                                       len(annotations) + 1)
                file_name = f'{stem}_crowd{k}{ext or ".jpg"}'
                path = osp.join(out_dir, 'images', file_name)
                os.makedirs(osp.dirname(path), exist_ok=True)
                if not cv2.imwrite(path, crop):
                    failed.append((name, f'could not write {path}'))
                    continue
                entry = {
                    key: v
                    for key, v in img_info.items()
                    if key not in ('id', 'file_name', 'width', 'height')
                }
                entry.update(
                    id=rid,
                    file_name=file_name,
                    width=int(crop.shape[1]),
                    height=int(crop.shape[0]),
                    original_file_name=name,
                    original_image_id=img_info['id'],
                    crop_box=[int(v) for v in crop_box],
                    crowd_member_ids=[anns[i].get('id') for i in members])
                images.append(entry)
                for a in new_anns:
                    a['image_id'] = rid
                annotations.extend(new_anns)
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()

    out = {key: coco[key] for key in ('info', 'licenses') if key in coco}
    out.update(
        images=images,
        annotations=annotations,
        categories=coco.get('categories', []))
    ann_file = osp.join(out_dir, 'annotations', f'{out_name}_crowd.json')
    os.makedirs(osp.dirname(ann_file), exist_ok=True)
    tmp = ann_file + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(out, f)
    os.replace(tmp, ann_file)
    return dict(
        ann_file=ann_file,
        crops=len(images),
        annotations=len(annotations),
        failed=failed)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the tool; returns the exit status (0 done, 1 some images
    skipped, 2 bad input; argparse usage errors exit 2 themselves)."""
    args = parse_args(argv)

    def fail(msg: str) -> int:
        print(f'make_coco_crowd: error: {msg}', file=sys.stderr)
        return 2

    if not 0 <= args.iou_thr <= 1:
        return fail(f'--iou-thr must be in [0, 1], got {args.iou_thr}')
    if args.jitter < 0:
        return fail(f'--jitter must be >= 0, got {args.jitter}')
    if not osp.isfile(args.ann_file):
        return fail(f'annotation file {args.ann_file} not found; pass a '
                    'COCO keypoint JSON (e.g. person_keypoints_val2017.json)')
    if not args.counts_only:
        if args.img_dir is None or args.out_dir is None:
            return fail('IMG_DIR and OUT_DIR are needed (or pass '
                        '--counts-only)')
        if not osp.isdir(args.img_dir):
            return fail(f'image folder {args.img_dir} not found; pass the '
                        'folder the file_name entries are relative to')
    try:
        coco = load_coco(args.ann_file)
    except (ValueError, json.JSONDecodeError) as e:
        return fail(str(e))

    from mmpose_occlusion.datasets.crowd_regions import crowd_statistics
    counts = crowd_statistics(coco, args.iou_thr, args.min_keypoints)
    print(f'{args.ann_file} (IoU >= {args.iou_thr:g}):')
    print(format_counts(counts), flush=True)
    if args.counts_only:
        return 0

    name = osp.splitext(osp.basename(args.ann_file))[0]
    summary = make_coco_crowd(
        coco,
        args.img_dir,
        args.out_dir,
        name,
        iou_thr=args.iou_thr,
        min_keypoints=args.min_keypoints,
        jitter=args.jitter,
        seed=args.seed)
    print(f'wrote {summary["crops"]} crops, {summary["annotations"]} '
          f'annotations -> {summary["ann_file"]}')
    for file_name, reason in summary['failed']:
        print(f'skipped {file_name}: {reason}', file=sys.stderr)
    if summary['failed']:
        print(f'{len(summary["failed"])} image(s) skipped', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
