"""Multi-instance ground truth for MIPNet (Khirodkar et al., ICCV 2021, §3.1).

A top-down sample is one annotated person, B0. MIPNet also trains on the other
people in B0's box: the n - 1 annotated people with at least k = 3 labelled
keypoints inside B0, ordered by the distance of their boxes from B0. Slot i of
N gets person i's heatmaps for i < min(n, N) and B0's own for the residual
slots (eq. 1).

Two transforms do this inside a stock top-down pipeline:

``SelectOtherInstances`` (after ``GetBBoxCenterScale``, ``RandomHalfBody`` and
``RandomBBoxTransform``, before ``RandomFlip``): finds the other people of the
image through the dataset that MMPose puts in ``results['dataset']``, applies
the rule above in image coordinates, and stacks them after B0 in
``keypoints`` / ``keypoints_visible`` so that the stock ``RandomFlip`` and
``TopdownAffine`` move them with the same flip and warp as B0.

``GenerateMultiInstanceTarget`` (instead of ``GenerateTarget``): encodes the N
slots with a stock MMPose codec and restores B0 alone in the instance fields.

Shapes (K keypoints, N slots, n people in the box, heatmaps H x W)::

    keypoints           (n, K, 2) between the two transforms, (1, K, 2) after
    heatmaps            (N * K, H, W)  slot-major: rows i*K..i*K+K-1 = slot i
    keypoint_weights    (1, N * K)
"""
import weakref
from functools import partial
from typing import Dict, Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset
from mmpose.registry import KEYPOINT_CODECS, TRANSFORMS

__all__ = [
    'SelectOtherInstances', 'GenerateMultiInstanceTarget',
    'select_other_instances', 'labelled_inside'
]


def labelled_inside(keypoints: np.ndarray, visible: np.ndarray,
                    input_size) -> np.ndarray:
    """(..., K) whether each keypoint is labelled (``visible`` > 0) and
    inside the network input of ``input_size`` (w, h), for keypoints
    (..., K, 2) in input pixels."""
    w, h = input_size
    xy = keypoints[..., :2]
    return ((xy[..., 0] >= 0) & (xy[..., 0] < w) & (xy[..., 1] >= 0) &
            (xy[..., 1] < h) & (visible > 0))


def select_other_instances(bbox: np.ndarray,
                           others_keypoints: np.ndarray,
                           others_visible: np.ndarray,
                           others_bboxes: np.ndarray,
                           max_others: int,
                           min_keypoints: int = 3) -> np.ndarray:
    """The rule of §3.1, in image coordinates.

    Args:
        bbox: (4,) B0 as x1, y1, x2, y2.
        others_keypoints: (M, K, 2) the other people of the image.
        others_visible: (M, K) > 0 where a keypoint is labelled.
        others_bboxes: (M, 4) their boxes, x1, y1, x2, y2.
        max_others: keep at most this many (N - 1).
        min_keypoints: k, labelled keypoints that must fall inside B0.

    Returns:
        np.ndarray: indices into the M others, nearest box first.
    """
    if len(others_keypoints) == 0 or max_others <= 0:
        return np.zeros(0, dtype=np.int64)
    x1, y1, x2, y2 = bbox
    xy = others_keypoints
    inside = ((xy[..., 0] >= x1) & (xy[..., 0] <= x2) & (xy[..., 1] >= y1) &
              (xy[..., 1] <= y2) & (others_visible > 0))
    candidates = np.flatnonzero(inside.sum(1) >= min_keypoints)
    centre = np.array([(x1 + x2) / 2, (y1 + y2) / 2])
    others_centre = (others_bboxes[:, :2] + others_bboxes[:, 2:]) / 2
    dist = np.linalg.norm(others_centre[candidates] - centre, axis=1)
    return candidates[np.argsort(dist, kind='stable')][:max_others]


class _ImageIndex:
    """Every annotated person of every image of one dataset, by image id."""

    def __init__(self, dataset):
        # MMEngine's accessor skips the per-call copy of the metainfo that
        # MMPose's datasets add (the index reads every instance once).
        get_info = (
            partial(BaseDataset.get_data_info, dataset) if isinstance(
                dataset, BaseDataset) else dataset.get_data_info)
        groups: Dict[int, list] = {}
        for i in range(len(dataset)):
            info = get_info(i)
            groups.setdefault(info['img_id'], []).append(
                (info['id'], info['keypoints'][0],
                 info['keypoints_visible'][0], info['bbox'][0]))
        self.groups = {
            img_id: (np.array([m[0] for m in members]),
                     np.stack([m[1] for m in members]).astype(np.float32),
                     np.stack([m[2] for m in members]).astype(np.float32),
                     np.stack([m[3] for m in members]).astype(np.float32))
            for img_id, members in groups.items()
        }

    def others(self, img_id, ann_id):
        ids, kpts, vis, boxes = self.groups[img_id]
        keep = ids != ann_id
        return kpts[keep], vis[keep], boxes[keep]


@TRANSFORMS.register_module()
class SelectOtherInstances(BaseTransform):
    """Stack the other people of B0's box after B0 (MIPNet §3.1).

    Required keys: ``dataset`` (a top-down MMPose dataset, as MMPose's
    ``BaseCocoStyleDataset.prepare_data`` provides), ``img_id``, ``id``,
    ``bbox``, ``keypoints``, ``keypoints_visible``.

    Modified keys: ``keypoints`` (1, K, 2) -> (n, K, 2) and
    ``keypoints_visible`` (1, K) -> (n, K), B0 first, then the selected
    people nearest box first. Added key: ``num_box_instances`` (n).

    Args:
        num_instances (int): N, the number of slots; at most N - 1 others.
        min_keypoints (int): k, labelled keypoints of another person that
            must lie inside B0. Defaults to 3, as in the paper.
    """

    def __init__(self, num_instances: int = 2, min_keypoints: int = 3):
        super().__init__()
        if num_instances < 1:
            raise ValueError(
                f'num_instances must be >= 1, got {num_instances}')
        self.num_instances = num_instances
        self.min_keypoints = min_keypoints
        self._indices = weakref.WeakKeyDictionary()

    def _index(self, dataset) -> _ImageIndex:
        if dataset not in self._indices:
            self._indices[dataset] = _ImageIndex(dataset)
        return self._indices[dataset]

    def transform(self, results: Dict) -> Optional[dict]:
        dataset = results.get('dataset')
        if dataset is None or 'id' not in results:
            raise KeyError(
                'SelectOtherInstances needs the sample\'s dataset and '
                'annotation id (results["dataset"], results["id"]), which '
                'MMPose\'s top-down COCO-style datasets (CocoDataset, '
                'CrowdPoseDataset, OCHumanDataset, ...) provide in training. '
                'Use it in a train pipeline of such a dataset with '
                'data_mode="topdown".')
        if results['keypoints'].shape[0] != 1:
            raise ValueError(
                'SelectOtherInstances expects one instance (B0) '
                f'per sample, got {results["keypoints"].shape[0]}')
        kpts, vis, boxes = self._index(dataset).others(results['img_id'],
                                                       results['id'])
        keep = select_other_instances(results['bbox'][0], kpts, vis, boxes,
                                      self.num_instances - 1,
                                      self.min_keypoints)
        results['keypoints'] = np.concatenate(
            [results['keypoints'], kpts[keep]]).astype(np.float32)
        results['keypoints_visible'] = np.concatenate(
            [results['keypoints_visible'], vis[keep]]).astype(np.float32)
        results['num_box_instances'] = 1 + len(keep)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_instances='
                f'{self.num_instances}, min_keypoints={self.min_keypoints})')


@TRANSFORMS.register_module()
class GenerateMultiInstanceTarget(BaseTransform):
    """Heatmap targets for N instance slots, eq. (1) of MIPNet.

    Slot i < min(n, N) encodes person i of ``transformed_keypoints`` (B0 is
    person 0); slots min(n, N) .. N - 1 encode B0 again. A person that the
    flip, half-body crop or warp has moved out of the crop (fewer than
    ``min_keypoints`` labelled keypoints left inside the input) counts as
    absent: its slot encodes B0 too, the residual rule of eq. (1) (as the
    official code does), rather than an all-zero "don't care" target.
    (The official code picks the other person by the distance of the box
    centres alone; ``SelectOtherInstances`` keeps the paper's k = 3
    keypoints-inside-the-box rule.) Each
    slot is encoded by the stock codec, so its weights mark keypoints that
    are unlabelled or fall outside the heatmap as in MMPose.

    Required keys: ``transformed_keypoints`` (n, K, 2) and
    ``keypoints_visible`` (n, K) from ``SelectOtherInstances`` and
    ``TopdownAffine``.

    Added keys: ``heatmaps`` (N * K, H, W), ``keypoint_weights`` (1, N * K).
    Modified keys: ``keypoints``, ``keypoints_visible`` and
    ``transformed_keypoints`` are cut back to B0 alone, so the packed
    ``gt_instances`` describe the box's own person as in stock MMPose.

    Added key: ``slot_sources`` (N,), the person each slot encodes.

    Args:
        encoder (dict): a heatmap codec config, e.g. ``MSRAHeatmap``.
        num_instances (int): N.
        min_keypoints (int): labelled keypoints of another person that must
            lie inside the input for it to keep its slot. Defaults to 4, as
            the official code (``another_joints_vis.sum() <= 3`` falls back
            to the own person).
    """

    def __init__(self,
                 encoder: dict,
                 num_instances: int = 2,
                 min_keypoints: int = 4):
        super().__init__()
        self.encoder_cfg = encoder
        self.encoder = KEYPOINT_CODECS.build(encoder)
        self.num_instances = num_instances
        self.min_keypoints = min_keypoints

    def _present(self, keypoints: np.ndarray, visible: np.ndarray,
                 results: Dict) -> np.ndarray:
        """(n,) whether each person still has ``min_keypoints`` labelled
        keypoints inside the input (B0 always counts as present)."""
        present = np.ones(len(keypoints), bool)
        if 'input_size' not in results or len(keypoints) < 2:
            return present
        inside = labelled_inside(keypoints, visible, results['input_size'])
        present[1:] = inside[1:].sum(1) >= self.min_keypoints
        return present

    def transform(self, results: Dict) -> Optional[dict]:
        if 'transformed_keypoints' in results:
            keypoints = results['transformed_keypoints']
        else:
            keypoints = results['keypoints']
        visible = results['keypoints_visible']
        n = keypoints.shape[0]
        if n == 0:
            raise ValueError(
                f'{type(self).__name__} got a sample with no person '
                '(keypoints of shape (0, K, 2)); a top-down sample holds its '
                'box\'s own person B0 first (check the dataset\'s '
                'data_mode="topdown" and the transforms before this one)')
        present = self._present(keypoints, visible, results)
        heatmaps, weights, sources = [], [], []
        for i in range(self.num_instances):
            # eq. (1): residual slots (nobody else, or moved out) get y_0
            src = i if i < n and present[i] else 0
            sources.append(src)
            encoded = self.encoder.encode(keypoints[src:src + 1, :, :2],
                                          visible[src:src + 1])
            heatmaps.append(encoded['heatmaps'])
            weights.append(encoded['keypoint_weights'])
        results['heatmaps'] = np.concatenate(heatmaps, axis=0)
        results['keypoint_weights'] = np.concatenate(weights, axis=1)
        results['slot_sources'] = np.asarray(sources, np.int64)
        for key in ('keypoints', 'keypoints_visible', 'transformed_keypoints'):
            if key in results:
                results[key] = results[key][:1]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(encoder={self.encoder_cfg}, '
                f'num_instances={self.num_instances}, '
                f'min_keypoints={self.min_keypoints})')
