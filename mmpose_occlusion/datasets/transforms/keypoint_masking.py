"""DetPoseNet's keypoint masking (§III-C4): two top-down augmentations that
make hard samples from the ground truth.

- ``KeypointBackgroundMasking``: a background patch of the crop is pasted
  over a visible keypoint (the keypoint becomes occluded, Fig. 8c).
- ``KeypointDuplicationMasking``: the patch around a visible keypoint is
  pasted onto nearby background (a second, wrong candidate for that joint,
  as another person's would be, Fig. 8d).

Both run on the crop, after ``TopdownAffine`` (``img`` is the input image,
``transformed_keypoints[0]`` the target person's keypoints in it). The
targets stay truthful: a masked keypoint keeps its position and label (the
network must infer it), and a duplicate adds no label. "Background" is any
place whose patch holds none of the person's labelled keypoints.

Shapes: img (H, W, C); transformed_keypoints (1, K, 2); keypoints_visible
(1, K); patch side s = max(min_patch, patch_ratio * min(H, W)) pixels.
"""
from typing import Dict, List, Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS

__all__ = ['KeypointBackgroundMasking', 'KeypointDuplicationMasking']


class _KeypointPatchMasking(BaseTransform):
    """Shared machinery: patch size, candidate keypoints, background test."""

    def __init__(self,
                 prob: float = 0.5,
                 max_keypoints: int = 1,
                 patch_ratio: float = 0.12,
                 min_patch: int = 4,
                 max_tries: int = 20):
        super().__init__()
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        if max_keypoints < 1 or min_patch < 1 or patch_ratio <= 0:
            raise ValueError('max_keypoints and min_patch must be >= 1 and '
                             'patch_ratio > 0')
        self.prob = prob
        self.max_keypoints = max_keypoints
        self.patch_ratio = patch_ratio
        self.min_patch = min_patch
        self.max_tries = max_tries

    def _setup(self, results: Dict):
        if 'transformed_keypoints' not in results:
            raise KeyError(f'{type(self).__name__} runs after TopdownAffine '
                           '(it needs transformed_keypoints)')
        img = results['img']
        h, w = img.shape[:2]
        s = int(max(self.min_patch, round(self.patch_ratio * min(h, w))))
        if len(results['transformed_keypoints']) == 0:  # nobody to mask
            return (img, h, w, s, np.zeros(
                (0, 2), np.float32), np.zeros(0, bool), np.zeros(0, np.int64))
        kpts = np.asarray(results['transformed_keypoints'][0, :, :2],
                          np.float32)
        labelled = np.asarray(results['keypoints_visible'][0]) > 0
        inside = (kpts[:, 0] >= 0) & (kpts[:, 0] < w) & (kpts[:, 1] >= 0) & \
            (kpts[:, 1] < h)
        return img, h, w, s, kpts, labelled, np.flatnonzero(labelled & inside)

    @staticmethod
    def _corner(centre, s, h, w):
        """Top-left corner of the s x s patch centred at ``centre``, kept in
        the image."""
        x0 = int(np.clip(round(centre[0] - s / 2), 0, w - s))
        y0 = int(np.clip(round(centre[1] - s / 2), 0, h - s))
        return x0, y0

    @staticmethod
    def _is_background(x0, y0, s, kpts, labelled):
        pts = kpts[labelled]
        inside = (pts[:, 0] >= x0 - 1) & (pts[:, 0] <= x0 + s) & \
            (pts[:, 1] >= y0 - 1) & (pts[:, 1] <= y0 + s)
        return not inside.any()

    def transform(self, results: Dict) -> Optional[dict]:
        img, h, w, s, kpts, labelled, candidates = self._setup(results)
        done: List[tuple] = results.setdefault('keypoint_masking', [])
        if s >= min(h, w) or len(candidates) == 0 or \
                np.random.rand() >= self.prob:
            return results
        img = img.copy()  # never write into a shared or cached image
        chosen = np.random.permutation(candidates)[:self.max_keypoints]
        for k in chosen:
            if self._mask(img, h, w, s, kpts, labelled, int(k)):
                done.append((self.kind, int(k)))
        results['img'] = img
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, max_keypoints='
                f'{self.max_keypoints}, patch_ratio={self.patch_ratio}, '
                f'min_patch={self.min_patch})')


@TRANSFORMS.register_module()
class KeypointBackgroundMasking(_KeypointPatchMasking):
    """Paste a background patch over visible keypoints (simulated
    occlusion).

    Args:
        prob (float): chance that a sample is masked. Defaults to 0.5.
        max_keypoints (int): keypoints masked per sample. Defaults to 1.
        patch_ratio (float): patch side as a fraction of the crop's shorter
            side. Defaults to 0.12 (about a forearm's width).
        min_patch (int): least patch side, pixels. Defaults to 4.
        max_tries (int): random background places tried per keypoint.
    """
    kind = 'background'

    def _mask(self, img, h, w, s, kpts, labelled, k) -> bool:
        tx, ty = self._corner(kpts[k], s, h, w)
        for _ in range(self.max_tries):
            x0 = np.random.randint(0, w - s + 1)
            y0 = np.random.randint(0, h - s + 1)
            if self._is_background(x0, y0, s, kpts, labelled):
                img[ty:ty + s, tx:tx + s] = img[y0:y0 + s, x0:x0 + s].copy()
                return True
        return False


@TRANSFORMS.register_module()
class KeypointDuplicationMasking(_KeypointPatchMasking):
    """Paste the patch of a visible keypoint onto nearby background
    (simulated second candidate).

    Args:
        prob, max_keypoints, patch_ratio, min_patch, max_tries: as in
            ``KeypointBackgroundMasking``.
        max_distance_ratio (float): the copy lands at most this fraction of
            the crop's shorter side from the keypoint (and at least one patch
            side away). Defaults to 0.3.
    """
    kind = 'duplicate'

    def __init__(self, *args, max_distance_ratio: float = 0.3, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_distance_ratio = max_distance_ratio

    def _mask(self, img, h, w, s, kpts, labelled, k) -> bool:
        sx, sy = self._corner(kpts[k], s, h, w)
        reach = max(self.max_distance_ratio * min(h, w), 1.5 * s)
        for _ in range(self.max_tries):
            angle = np.random.uniform(0, 2 * np.pi)
            dist = np.random.uniform(s, reach)
            x0, y0 = self._corner(
                kpts[k] +
                dist * np.array([np.cos(angle), np.sin(angle)]), s, h, w)
            if self._is_background(x0, y0, s, kpts, labelled):
                img[y0:y0 + s, x0:x0 + s] = img[sy:sy + s, sx:sx + s].copy()
                return True
        return False
