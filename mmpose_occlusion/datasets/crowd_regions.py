"""COCO-crowd: find the crowd regions of an image and crop them (paper §3).

Every pair of person boxes of an image is tested; a pair whose box IoU is
>= ``iou_thr`` (0.1, the "overlap" of COCO's keypoint analysis) is a crowd
pair. Pairs that share a person are merged into sets (connected components
of the overlap graph, so a chain 3-4, 4-5 gives {3, 4, 5} even when 3 and 5
do not overlap); a box that overlaps no other is dropped. Each set of two or
more people gives one crowd region, the union box of its members.

The person boxes are the annotations MMPose reads as people (they have a
``bbox`` and ``keypoints``) that are not ``iscrowd``, have a positive box and
at least ``min_keypoints`` labelled keypoints. The functions here are shared
by :class:`~mmpose_occlusion.datasets.CocoCrowdDataset`,
:class:`~mmpose_occlusion.datasets.transforms.RandomCrowdRegionCrop` and
``tools/dataset_converters/make_coco_crowd.py``, so the three agree on which
regions exist and in which order.

Shapes (N people, K keypoints, G people in a group):

- bboxes: (N, 4) x1, y1, x2, y2 in image pixels (COCO's x, y, w, h becomes
  x, y, x + w, y + h);
- a group: a sorted list of G >= 2 indices into the boxes;
- a region or crop box: (4,) x1, y1, x2, y2; a pixel crop box holds whole
  pixels, ``img[y1:y2, x1:x2]``;
- img: (H, W) or (H, W, C); keypoints (N, K, 2); keypoints_visible (N, K)
  (or (N, K, 2), as MMPose allows); area (N,).
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmpose.structures.bbox import bbox_xywh2xyxy
from mmpose.structures.keypoint import keypoint_clip_border

from mmpose_occlusion.structures import iou_matrix

__all__ = [
    'PEOPLE_BINS', 'OVERLAP_BINS', 'person_boxes', 'overlap_graph',
    'crowd_groups', 'region_box', 'find_crowd_regions', 'jitter_box',
    'pixel_crop_box', 'crop_region', 'crop_segmentation', 'coco_xyxy',
    'meets_region', 'crowd_statistics'
]

#: histogram bins of people per crowd region (the paper's Table 2).
PEOPLE_BINS = ('2', '3', '4', '5', '>=6')
#: histogram bins of overlaps per region member (the paper's Fig. 3c).
OVERLAP_BINS = ('1', '2', '3', '4', '>=5')

# IoU at the threshold counts as an overlap, also when float rounding puts
# it a hair below.
_IOU_EPS = 1e-9


def _as_boxes(bboxes) -> np.ndarray:
    boxes = np.asarray(bboxes, np.float64)
    if boxes.size == 0:
        return boxes.reshape(0, 4)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f'bboxes must have shape (N, 4) (x1, y1, x2, y2), '
                         f'got {boxes.shape}')
    return boxes


def person_boxes(anns: Sequence[dict],
                 min_keypoints: int = 0) -> Tuple[np.ndarray, List[int]]:
    """The person boxes of one image's COCO annotations.

    Args:
        anns: the image's COCO annotations (dicts with ``bbox`` as
            x, y, w, h).
        min_keypoints: keep people with at least this many labelled
            keypoints (``num_keypoints``, else counted from ``keypoints``).

    Returns:
        tuple: boxes (M, 4) x1, y1, x2, y2 (float64) and, for each, its
        index in ``anns``.
    """
    boxes, index = [], []
    for i, ann in enumerate(anns):
        if 'bbox' not in ann or 'keypoints' not in ann or \
                ann.get('iscrowd', 0):
            continue
        x, y, w, h = (float(v) for v in ann['bbox'][:4])
        if w <= 0 or h <= 0:
            continue
        if min_keypoints > 0:
            num = ann.get('num_keypoints')
            if num is None:
                num = int((np.asarray(ann['keypoints']).reshape(-1, 3)[:, 2]
                           > 0).sum())
            if num < min_keypoints:
                continue
        boxes.append((x, y, x + w, y + h))
        index.append(i)
    return np.asarray(boxes, np.float64).reshape(-1, 4), index


def overlap_graph(bboxes, iou_thr: float = 0.1) -> np.ndarray:
    """(N, N) bool: box i and box j (i != j) have IoU >= ``iou_thr``."""
    boxes = _as_boxes(bboxes)
    if not 0 <= iou_thr <= 1:
        raise ValueError(f'iou_thr must be in [0, 1], got {iou_thr}')
    adj = iou_matrix(boxes, boxes) >= iou_thr - _IOU_EPS
    np.fill_diagonal(adj, False)
    return adj


def crowd_groups(bboxes_xyxy, iou_thr: float = 0.1) -> List[List[int]]:
    """Crowd groups of the boxes: the connected components of size >= 2
    of the overlap graph (pairs with IoU >= ``iou_thr`` linked; SciPy's
    ``connected_components``).

    Returns:
        list[list[int]]: each group's indices sorted ascending, the groups
        sorted by their smallest index; boxes that overlap no other box are
        in no group.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components
    adj = overlap_graph(bboxes_xyxy, iou_thr)
    if not len(adj):
        return []
    _, labels = connected_components(csr_matrix(adj), directed=False)
    groups: Dict[int, List[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    return sorted((g for g in groups.values() if len(g) >= 2),
                  key=lambda g: g[0])


def region_box(bboxes_xyxy, group: Sequence[int]) -> np.ndarray:
    """(4,) float32 union box of the boxes in ``group``."""
    boxes = _as_boxes(bboxes_xyxy)
    if len(group) == 0:
        raise ValueError('region_box needs a non-empty group of indices')
    members = boxes[np.asarray(group, int)]
    return np.concatenate([members[:, :2].min(0),
                           members[:, 2:].max(0)]).astype(np.float32)


def find_crowd_regions(anns: Sequence[dict],
                       iou_thr: float = 0.1,
                       min_keypoints: int = 0
                       ) -> List[Tuple[List[int], np.ndarray]]:
    """The crowd regions of one image.

    Args:
        anns: the image's COCO annotations, in file order.
        iou_thr: IoU from which two person boxes overlap.
        min_keypoints: see :func:`person_boxes`.

    Returns:
        list[tuple]: per region, the indices in ``anns`` of its members and
        its (4,) float32 union box, in :func:`crowd_groups`' order.
    """
    boxes, index = person_boxes(anns, min_keypoints)
    return [([index[i] for i in g], region_box(boxes, g))
            for g in crowd_groups(boxes, iou_thr)]


def jitter_box(box,
               px: float,
               rng: Union[np.random.Generator, int, None] = None,
               img_shape: Optional[Tuple[int, int]] = None,
               integer: bool = False) -> np.ndarray:
    """Move each edge of ``box`` by its own uniform offset in [-px, px] (the
    paper's box jittering test, Table 3).

    Args:
        box: (4,) x1, y1, x2, y2.
        px: largest offset in pixels (>= 0).
        rng: a numpy Generator or a seed (None: fresh entropy).
        img_shape: (H, W); if given, the box is clipped to the image.
        integer: draw whole-pixel offsets.

    Returns:
        np.ndarray: (4,) float32; it stays valid: a side that the offsets
        would make shorter than 1 px becomes 1 px long around its jittered
        centre.
    """
    box = np.asarray(box, np.float64).reshape(-1)
    if box.shape != (4, ) or not (box[2] > box[0] and box[3] > box[1]):
        raise ValueError(f'box must be (4,) x1, y1, x2, y2 with x2 > x1 and '
                         f'y2 > y1, got {box}')
    if px < 0:
        raise ValueError(f'px must be >= 0, got {px}')
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    if integer:
        offset = rng.integers(-int(px), int(px) + 1, size=4)
    else:
        offset = rng.uniform(-px, px, size=4)
    out = box + offset
    if img_shape is not None:
        h, w = img_shape[:2]
        out = np.clip(out, 0, [w, h, w, h])
    for lo, hi in ((0, 2), (1, 3)):
        if out[hi] - out[lo] < 1:
            centre = (out[lo] + out[hi]) / 2
            out[lo], out[hi] = centre - 0.5, centre + 0.5
    return out.astype(np.float32)


def pixel_crop_box(box, img_shape: Tuple[int, int]) -> np.ndarray:
    """(4,) int64 whole-pixel crop of the image covering ``box``: floor of
    the top-left, ceiling of the bottom-right, clipped to ``img_shape``
    (H, W). Raises ValueError if nothing of the box is in the image."""
    box = np.asarray(box, np.float64).reshape(-1)
    if box.shape != (4, ) or np.isnan(box).any():
        raise ValueError(f'the crop box must be (4,) x1, y1, x2, y2 numbers, '
                         f'got {box.tolist()} (NaN is not a number)')
    h, w = img_shape[:2]
    x1, y1 = np.floor(box[:2] + 1e-6)
    x2, y2 = np.ceil(box[2:] - 1e-6)
    crop = np.array([
        np.clip(x1, 0, w),
        np.clip(y1, 0, h),
        np.clip(x2, 0, w),
        np.clip(y2, 0, h)
    ], np.int64)
    if crop[2] <= crop[0] or crop[3] <= crop[1]:
        raise ValueError(f'the crop box {box.tolist()} leaves nothing of the '
                         f'{w}x{h} image; the region must overlap the image')
    return crop


def crop_region(img: np.ndarray,
                keypoints: np.ndarray,
                keypoints_visible: np.ndarray,
                bboxes: np.ndarray,
                region_xyxy,
                area: Optional[np.ndarray] = None) -> Dict:
    """Crop the image to a region and move the annotations with it.

    The crop is :func:`pixel_crop_box` of ``region_xyxy``. Keypoints and
    boxes are shifted to crop coordinates; keypoints outside the crop
    become invisible (MMPose's ``keypoint_clip_border``: outside means
    x < 0, x > w, y < 0 or y > h; and so do keypoints that are not
    finite); boxes are clipped to the crop and
    ``area`` is scaled by the part of each box that is left (0 for a box
    wholly outside). The inputs are not modified.

    Returns:
        dict: ``img`` (h, w[, C]) crop (a copy), ``keypoints`` (N, K, 2),
        ``keypoints_visible``, ``bboxes`` (N, 4), ``area`` (N,) or None,
        ``crop_box`` (4,) int64 in the input image, ``offset`` (2,) its
        top-left x, y.
    """
    crop = pixel_crop_box(region_xyxy, img.shape[:2])
    x1, y1, x2, y2 = (int(v) for v in crop)
    w, h = x2 - x1, y2 - y1
    offset = np.array([x1, y1], np.float32)

    kpts = np.asarray(keypoints, np.float32) - offset
    vis = np.array(keypoints_visible, np.float32, copy=True)
    if kpts.shape[:2] != vis.shape[:2]:
        raise ValueError(f'keypoints {kpts.shape} and keypoints_visible '
                         f'{vis.shape} disagree on (N, K)')
    kpts, vis = keypoint_clip_border(kpts, vis, (w, h))
    # MMPose's rule keeps a NaN keypoint visible (no comparison with NaN is
    # true); it is not in the crop either
    lost = ~np.isfinite(kpts).all(-1)
    if vis.ndim == 3:
        vis[lost, 0] = 0
    else:
        vis[lost] = 0

    boxes = np.asarray(bboxes, np.float32).reshape(-1, 4)
    shifted = boxes - np.tile(offset, 2)
    clipped = np.clip(shifted, 0, np.array([w, h, w, h], np.float32))
    if area is not None:
        before = (boxes[:, 2:] - boxes[:, :2]).clip(0).prod(-1)
        after = (clipped[:, 2:] - clipped[:, :2]).clip(0).prod(-1)
        frac = np.where(before > 0, after / np.maximum(before, 1e-9), 0)
        area = (np.asarray(area, np.float32) * frac).astype(np.float32)
    return dict(
        img=img[y1:y2, x1:x2].copy(),
        keypoints=kpts,
        keypoints_visible=vis,
        bboxes=clipped,
        area=area,
        crop_box=crop,
        offset=offset)


def crop_segmentation(seg, crop_box):
    """Move a COCO segmentation into a crop.

    Args:
        seg: polygons (a list of flat [x, y, ...] lists), an RLE dict
            (compressed or not) or None.
        crop_box: (4,) whole-pixel crop x1, y1, x2, y2 in the image.

    Returns:
        polygons shifted by the crop's top-left (parts outside the crop are
        cut off when COCO's tools rasterise them at the crop size), or a
        compressed RLE dict of the cropped mask (``counts`` as str), or
        None.
    """
    if seg is None:
        return None
    x1, y1, x2, y2 = (int(v) for v in crop_box)
    if isinstance(seg, dict):
        from pycocotools import mask as cocomask
        rle = seg
        if isinstance(seg.get('counts'), list):
            rle = cocomask.frPyObjects(seg, *seg['size'])
        elif isinstance(seg.get('counts'), str):
            rle = dict(seg, counts=seg['counts'].encode('ascii'))
        mask = cocomask.decode(rle)[y1:y2, x1:x2]
        out = cocomask.encode(np.asfortranarray(mask.astype(np.uint8)))
        out['counts'] = out['counts'].decode('ascii')
        return out
    if isinstance(seg, (list, tuple)):
        offset = np.array([x1, y1], np.float64)
        return [(np.asarray(p, np.float64).reshape(-1, 2) -
                 offset).reshape(-1).round(2).tolist() for p in seg]
    raise TypeError(f'segmentation must be polygons (list), an RLE dict or '
                    f'None, got {type(seg).__name__}')


def coco_xyxy(anns: Sequence[dict]) -> np.ndarray:
    """(N, 4) float64 x1, y1, x2, y2 of every annotation's ``bbox`` (zeros
    for one without a bbox)."""
    xywh = np.zeros((len(anns), 4), np.float64)
    for i, ann in enumerate(anns):
        if 'bbox' in ann:
            xywh[i] = ann['bbox'][:4]
    return bbox_xywh2xyxy(xywh)


def meets_region(bboxes_xyxy, region) -> np.ndarray:
    """(N,) bool: each box overlaps ``region`` (4,) with a positive area."""
    boxes = _as_boxes(bboxes_xyxy)
    lt = np.maximum(boxes[:, :2], np.asarray(region[:2], np.float64))
    rb = np.minimum(boxes[:, 2:], np.asarray(region[2:], np.float64))
    return ((rb - lt) > 0).all(-1)


def crowd_statistics(coco: Dict,
                     iou_thr: float = 0.1,
                     min_keypoints: int = 0) -> Dict:
    """Counts of COCO-crowd for a COCO keypoint dict (paper Fig. 3).

    Args:
        coco: the loaded annotation file (``images``, ``annotations``).
        iou_thr, min_keypoints: see :func:`find_crowd_regions`.

    Returns:
        dict: ``source_images``; ``images_with_crowd`` (images with at
        least one region); ``regions``; ``instances_in_regions`` (group
        members); ``people_per_region`` ({bin: count} over
        :data:`PEOPLE_BINS`, members per region); ``annotations_in_regions``
        (annotations whose box meets a region's pixel crop box: what the
        unjittered crops written by the tool hold, members and others);
        ``overlaps_per_instance``
        ({bin: count} over :data:`OVERLAP_BINS`: for each member, how many
        other person boxes of its image overlap it at IoU >= iou_thr);
        ``mean_overlaps_per_instance``.
    """
    if not isinstance(coco, dict) or 'images' not in coco or \
            'annotations' not in coco:
        raise ValueError('crowd_statistics needs a COCO annotation dict with '
                         '"images" and "annotations"')
    by_image: Dict = {}
    for ann in coco['annotations']:
        by_image.setdefault(ann['image_id'], []).append(ann)
    people = dict.fromkeys(PEOPLE_BINS, 0)
    overlaps = dict.fromkeys(OVERLAP_BINS, 0)
    n_images = n_regions = n_members = n_in_regions = overlap_sum = 0
    for img in coco['images']:
        anns = by_image.get(img['id'], [])
        boxes, _ = person_boxes(anns, min_keypoints)
        groups = crowd_groups(boxes, iou_thr)
        if not groups:
            continue
        n_images += 1
        degree = overlap_graph(boxes, iou_thr).sum(1)
        all_boxes = coco_xyxy(anns)
        for g in groups:
            n_regions += 1
            n_members += len(g)
            people[PEOPLE_BINS[min(len(g), 6) - 2]] += 1
            for i in g:
                overlap_sum += int(degree[i])
                overlaps[OVERLAP_BINS[min(int(degree[i]), 5) - 1]] += 1
            r = region_box(boxes, g)
            if 'height' in img and 'width' in img:
                r = pixel_crop_box(r, (img['height'], img['width']))
            n_in_regions += int(meets_region(all_boxes, r).sum())
    return dict(
        source_images=len(coco['images']),
        images_with_crowd=n_images,
        regions=n_regions,
        instances_in_regions=n_members,
        people_per_region=people,
        annotations_in_regions=n_in_regions,
        overlaps_per_instance=overlaps,
        mean_overlaps_per_instance=overlap_sum / max(n_members, 1))
