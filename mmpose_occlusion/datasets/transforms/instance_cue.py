"""HintPose's instance cue (Hong et al., ICCV 2019 workshop report, §2.1).

The cue tells a top-down network which person in the box to estimate: a
single-channel Gaussian heatmap peaking on that person. ``GenerateInstanceCue``
renders it after ``TopdownAffine``, in input space at 1/``stride`` of the input
(the resolution of the stem features it is added to, and of the heatmaps), from
the first of these sources that applies:

1. ``results['cue_points']`` (M, 2) in image coordinates, e.g. local peaks of a
   bottom-up model's heatmaps inside the box, or given poses. They are moved
   with the sample's flip and warp, so several cues give several instances.
2. ground truth (``gt='random_joint'``, for training): a random labelled
   joint of the sample's target person (``transformed_keypoints[0]``, so the
   flip, half-body crop and affine already apply; the box's own person, or
   the one ``ChooseCueTarget`` chose), jittered (§3.1);
   ``gt='nearest_centroid'`` picks, deterministically, the labelled joint
   nearest to the mean of the labelled joints (for upper-bound evaluation).
3. the centre of the box (the centre of the input).

Which person a training sample teaches is chosen before that by
``ChooseCueTarget`` (ours, our reading of "randomly selecting a joint among
ground-truth joints" together with Fig. 3, where the prediction follows the
cue from one person of a box to another): in a crop that holds another
annotated person (stacked by MIPNet's ``SelectOtherInstances``), with
probability ``other_prob`` that person becomes the target, so the cue and the
heatmap target move together and the cue is the only thing that says whom to
estimate. Otherwise the box's own person is the target, as in stock MMPose.

Shapes: ``instance_cue`` (M, h, w) float32 with (w, h) = input_size / stride;
``cue_points_input`` (M, 2) the cue positions in input pixels. The cue is
packed by the stock ``PackPoseInputs`` into ``data_sample.gt_fields`` (this
transform adds ``instance_cue`` to the sample's ``field_mapping_table``; put
it after ``GenerateTarget``, whose codec may replace that table).
"""
import inspect
import json
from typing import Dict, Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.datasets.transforms import PackPoseInputs
from mmpose.registry import TRANSFORMS
from mmpose.structures.bbox import get_warp_matrix

from .multi_instance import labelled_inside

__all__ = [
    'ChooseCueTarget', 'GenerateInstanceCue', 'LoadCuePoints',
    'PackCuePoseInputs', 'render_cue'
]


def render_cue(points: np.ndarray, size, sigma: float) -> np.ndarray:
    """Gaussian maps (M, h, w) peaking at ``points`` (M, 2) (map pixels)."""
    w, h = size
    xs = np.arange(w, dtype=np.float32)[None, None, :]
    ys = np.arange(h, dtype=np.float32)[None, :, None]
    px = points[:, 0, None, None].astype(np.float32)
    py = points[:, 1, None, None].astype(np.float32)
    return np.exp(-((xs - px)**2 + (ys - py)**2) /
                  (2 * sigma**2)).astype(np.float32)


@TRANSFORMS.register_module()
class ChooseCueTarget(BaseTransform):
    """Choose the person a HintPose training sample teaches (ours).

    The sample's people are the box's own person (row 0) and the others
    that ``SelectOtherInstances`` stacked after it (MIPNet's §3.1 rule: at
    least ``min_keypoints`` labelled keypoints inside the box), moved by
    the same flip, half-body crop and affine. Of the others, those that still
    have ``min_keypoints`` labelled keypoints inside the network input are
    candidates. If there is one, with probability ``other_prob`` a random
    candidate becomes the target, else the own person. The instance fields
    are cut to the target alone, so the stock ``GenerateTarget`` encodes its
    heatmaps and ``GenerateInstanceCue(gt='random_joint')`` puts the cue on
    one of its joints.

    Pipeline: ``GetBBoxCenterScale``, ``RandomHalfBody``,
    ``RandomBBoxTransform``, ``SelectOtherInstances``, ``RandomFlip``,
    ``TopdownAffine``, ``ChooseCueTarget``, ``GenerateTarget``,
    ``GenerateInstanceCue``.

    Required keys: ``transformed_keypoints`` (n, K, 2), ``keypoints``,
    ``keypoints_visible`` (n, K), ``input_size``.

    Modified keys: ``keypoints``, ``keypoints_visible``,
    ``transformed_keypoints`` (and ``keypoints_visible_weights`` if present)
    cut to (1, ...), the target's. Added key: ``cue_target``, the target's
    row among the n (0: the box's own person).

    Args:
        other_prob (float): probability of teaching another person when
            the crop holds one. Defaults to 0.5.
        min_keypoints (int): labelled keypoints of another person that must
            lie inside the input. Defaults to 3 (MIPNet's k).
    """

    def __init__(self, other_prob: float = 0.5, min_keypoints: int = 3):
        super().__init__()
        if not 0.0 <= other_prob <= 1.0:
            raise ValueError(f'other_prob must be in [0, 1], got {other_prob}')
        if min_keypoints < 1:
            raise ValueError(
                f'min_keypoints must be >= 1, got {min_keypoints}')
        self.other_prob = other_prob
        self.min_keypoints = min_keypoints

    def transform(self, results: Dict) -> Optional[dict]:
        if 'transformed_keypoints' not in results:
            raise KeyError('ChooseCueTarget runs after TopdownAffine (it '
                           'needs transformed_keypoints); put '
                           'SelectOtherInstances before RandomFlip to give '
                           'it the other people of the box')
        kpts = results['transformed_keypoints'][..., :2]
        n = kpts.shape[0]
        target = 0
        if n > 1:
            inside = labelled_inside(kpts, results['keypoints_visible'],
                                     results['input_size'])
            candidates = 1 + np.flatnonzero(
                inside[1:].sum(1) >= self.min_keypoints)
            if len(candidates) and np.random.rand() < self.other_prob:
                target = int(np.random.choice(candidates))
        for key in ('keypoints', 'keypoints_visible', 'transformed_keypoints',
                    'keypoints_visible_weights'):
            if key in results and len(results[key]) == n:
                results[key] = results[key][target:target + 1]
        results['cue_target'] = target
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(other_prob={self.other_prob}, '
                f'min_keypoints={self.min_keypoints})')


@TRANSFORMS.register_module()
class GenerateInstanceCue(BaseTransform):
    """Render the instance cue(s) of a top-down sample.

    Required keys: ``input_size``, ``input_center``, ``input_scale`` (from
    ``TopdownAffine``); ``transformed_keypoints`` and ``keypoints_visible``
    for a ground-truth cue; ``cue_points`` (optional), ``flip``,
    ``flip_direction``, ``ori_shape`` or ``img_shape`` for given cues.
    Given cue points must be finite (a ValueError names them otherwise).

    Added keys: ``instance_cue``, ``cue_points_input``.

    Args:
        sigma (float): Gaussian sigma in cue-map pixels. Defaults to 2.
        stride (int): input pixels per cue-map pixel. Defaults to 4.
        gt (str | None): ``'random_joint'`` (training), ``'nearest_centroid'``
            or None (never use ground truth).
        jitter (float): standard deviation of the jitter of a ground-truth
            cue, in cue-map pixels. Defaults to 1.5.
    """

    def __init__(self,
                 sigma: float = 2.0,
                 stride: int = 4,
                 gt: Optional[str] = 'random_joint',
                 jitter: float = 1.5):
        super().__init__()
        if gt not in (None, 'random_joint', 'nearest_centroid'):
            raise ValueError("gt must be None, 'random_joint' or "
                             f"'nearest_centroid', got {gt!r}")
        self.sigma = sigma
        self.stride = stride
        self.gt = gt
        self.jitter = jitter

    def _given_points(self, results: Dict) -> Optional[np.ndarray]:
        points = results.get('cue_points')
        if points is None:
            return None
        points = np.asarray(points, np.float32).reshape(-1, 2).copy()
        if len(points) == 0:
            return None
        bad = ~np.isfinite(points).all(1)
        if bad.any():
            raise ValueError(
                f'cue_points of sample {results.get("id")} are not finite '
                f'(rows {np.flatnonzero(bad).tolist()}: '
                f'{points[bad].tolist()}); a cue is rendered at its point, '
                'so drop those points where they are made (the cue file or '
                'the model that gives them)')
        if results.get('flip') and results.get('flip_direction') != \
                'horizontal':
            raise NotImplementedError('given cue points support horizontal '
                                      'flips only')
        if results.get('flip'):
            width = results.get('ori_shape', results.get('img_shape'))[1]
            points[:, 0] = width - 1 - points[:, 0]
        rot = results.get('bbox_rotation', np.zeros(1))[0]
        warp = get_warp_matrix(
            np.asarray(results['input_center'], np.float32),
            np.asarray(results['input_scale'], np.float32),
            float(rot),
            output_size=results['input_size'])
        return points @ warp[:, :2].T + warp[:, 2]

    def _gt_point(self, results: Dict) -> Optional[np.ndarray]:
        if self.gt is None or 'transformed_keypoints' not in results or \
                len(results['transformed_keypoints']) == 0:
            return None
        kpts = results['transformed_keypoints'][0, :, :2]
        candidates = np.flatnonzero(
            labelled_inside(kpts, results['keypoints_visible'][0],
                            results['input_size']))
        if len(candidates) == 0:
            return None
        if self.gt == 'random_joint':
            point = kpts[np.random.choice(candidates)]
            point = point + np.random.randn(2) * self.jitter * self.stride
        else:
            centroid = kpts[candidates].mean(0)
            nearest = np.argmin(
                np.linalg.norm(kpts[candidates] - centroid, axis=1))
            point = kpts[candidates[nearest]]
        return np.asarray(point, np.float32)[None]

    def transform(self, results: Dict) -> Optional[dict]:
        if 'input_size' not in results:
            raise KeyError('GenerateInstanceCue runs after TopdownAffine '
                           '(it needs input_size, input_center, input_scale)')
        w, h = results['input_size']
        points = self._given_points(results)
        if points is None:
            points = self._gt_point(results)
        if points is None:  # the box centre
            points = np.array([[w / 2, h / 2]], np.float32)
        size = (int(w) // self.stride, int(h) // self.stride)
        # input pixels -> cue-map pixels, as MMPose's heatmap codecs do
        results['instance_cue'] = render_cue(points / self.stride, size,
                                             self.sigma)
        results['cue_points_input'] = points.astype(np.float32)
        table = dict(
            results.get('field_mapping_table',
                        PackPoseInputs.field_mapping_table))
        table['instance_cue'] = 'instance_cue'
        results['field_mapping_table'] = table
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(sigma={self.sigma}, stride='
                f'{self.stride}, gt={self.gt!r}, jitter={self.jitter})')


@TRANSFORMS.register_module()
class LoadCuePoints(BaseTransform):
    """Give every sample the cue points stored for it in a JSON file.

    The file maps a sample's annotation id (``results['id']``, with
    ground-truth boxes) to a list of [x, y] points in image coordinates, e.g.
    ``{"10000001": [[120.5, 80.0], [150.0, 95.5]]}``: the local peaks of a
    bottom-up model's heatmaps inside that box, or one joint of the box's own
    person for an upper-bound evaluation. Put it before
    ``GenerateInstanceCue``, which moves the points with the sample's flip and
    warp. A sample without an entry keeps no ``cue_points`` (and gets
    ``GenerateInstanceCue``'s fallback cue).

    Args:
        cue_file (str): path of the JSON file.
    """

    def __init__(self, cue_file: str):
        super().__init__()
        self.cue_file = cue_file
        try:
            with open(cue_file) as f:
                raw = json.load(f)
        except (OSError, ValueError) as e:
            raise ValueError(
                f'LoadCuePoints could not read cue_file {cue_file!r}: {e}. '
                'It must be a JSON object mapping annotation ids to lists '
                'of [x, y] points.') from e
        self.points = {
            str(k): np.asarray(v, np.float32).reshape(-1, 2)
            for k, v in raw.items()
        }
        for k, points in self.points.items():
            if not np.isfinite(points).all():
                raise ValueError(
                    f'cue_file {cue_file!r} gives annotation {k} points that '
                    f'are not finite ({points.tolist()}); drop them from the '
                    'file (a cue is rendered at its point)')

    def transform(self, results: Dict) -> Optional[dict]:
        points = self.points.get(str(results.get('id')))
        if points is not None and len(points):
            results['cue_points'] = points
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(cue_file={self.cue_file!r})'


@TRANSFORMS.register_module()
class PackCuePoseInputs(PackPoseInputs):
    """MMPose's ``PackPoseInputs`` that also keeps ``cue_points_input``
    (from ``GenerateInstanceCue``) in the sample's metainfo, where
    ``HintPoseEstimator`` records each instance's cue. Saves a config from
    restating the stock ``meta_keys`` to add one; other arguments as the
    stock transform.

    Args:
        meta_keys (Sequence[str], optional): the stock default when None;
            ``cue_points_input`` is added when missing.
    """

    STOCK_META_KEYS = inspect.signature(
        PackPoseInputs.__init__).parameters['meta_keys'].default

    def __init__(self, meta_keys: Optional[Sequence[str]] = None, **kwargs):
        keys = tuple(self.STOCK_META_KEYS if meta_keys is None else meta_keys)
        if 'cue_points_input' not in keys:
            keys += ('cue_points_input', )
        super().__init__(meta_keys=keys, **kwargs)
