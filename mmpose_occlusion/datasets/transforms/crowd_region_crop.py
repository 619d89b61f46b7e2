"""COCO-crowd's training crop (paper §5.1): crop a crowd region out of the
ORIGINAL image with scale augmentation, so that a scale factor > 1 enlarges
the crop and brings in the image's real background around the crowd.

For the bottom-up pipeline, after ``LoadImage`` and BEFORE MMPose's
``BottomupRandomAffine`` (which then resizes the crop to the input size,
rotates and flips it)::

    dict(type='LoadImage'),
    dict(type='RandomCrowdRegionCrop', scale_factor=(0.75, 1.5)),
    dict(type='BottomupRandomAffine', input_size=(512, 512)),
    ...

``results['crowd_region']`` comes from
:class:`~mmpose_occlusion.datasets.CocoCrowdDataset`. The crop box is the
region's centre (shifted by up to ``shift_factor`` times the region size)
plus and minus ``s`` times half the region size, ``s`` drawn uniformly from
``scale_factor``, then rounded out to whole pixels and clipped to the image
(no padding). With ``scale_prob=0`` and ``shift_prob=0`` the crop is exactly
the region.

Shapes (N people, K keypoints): img (H, W, C) -> (h, w, C); keypoints
(N, K, 2); keypoints_visible (N, K); bbox (N, 4) x1, y1, x2, y2; area (N,);
crowd_region and crop_box (4,) x1, y1, x2, y2 in the loaded image.
"""
from typing import Dict, Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmpose.registry import TRANSFORMS

from ..crowd_regions import crop_region, crop_segmentation

__all__ = ['RandomCrowdRegionCrop']


@TRANSFORMS.register_module()
class RandomCrowdRegionCrop(BaseTransform):
    """Crop the sample's crowd region with random scale and shift.

    Required Keys:

        - img
        - crowd_region
        - keypoints, keypoints_visible, bbox (optional)
        - area, invalid_segs, num_keypoints (optional)

    Modified Keys:

        - img, img_shape
        - keypoints, keypoints_visible (outside the crop: not visible)
        - bbox (clipped to the crop), area (scaled by the part left)
        - invalid_segs (moved into the crop, so ``BottomupGetHeatmapMask``
          masks the right pixels)
        - num_keypoints (recounted)

    Added Keys:

        - crop_box: (4,) float32 whole-pixel crop in the loaded image
        - crop_scale: the scale factor drawn

    ``segmentation`` (MMPose's flattened per-instance list, which the stock
    bottom-up pipeline does not read) and ``raw_ann_info`` are left as they
    are.

    Args:
        scale_factor (tuple[float, float]): range of the crop size relative
            to the region size. Defaults to (0.75, 1.5).
        scale_prob (float): probability of drawing a scale (else 1).
            Defaults to 1.0.
        shift_factor (float): the crop centre moves by up to this fraction
            of the region's width and height. Defaults to 0.1.
        shift_prob (float): probability of a shift. Defaults to 1.0.
    """

    def __init__(self,
                 scale_factor: Tuple[float, float] = (0.75, 1.5),
                 scale_prob: float = 1.0,
                 shift_factor: float = 0.1,
                 shift_prob: float = 1.0):
        super().__init__()
        if len(scale_factor) != 2 or not \
                0 < scale_factor[0] <= scale_factor[1]:
            raise ValueError(f'scale_factor must be (low, high) with 0 < low '
                             f'<= high, got {scale_factor}')
        for name, p in (('scale_prob', scale_prob), ('shift_prob',
                                                     shift_prob)):
            if not 0 <= p <= 1:
                raise ValueError(f'{name} must be in [0, 1], got {p}')
        if shift_factor < 0:
            raise ValueError(f'shift_factor must be >= 0, got {shift_factor}')
        self.scale_factor = tuple(scale_factor)
        self.scale_prob = scale_prob
        self.shift_factor = shift_factor
        self.shift_prob = shift_prob

    @cache_randomness
    def _get_params(self) -> Tuple[float, np.ndarray]:
        """Draw (scale, shift), shift as a fraction of the region size."""
        scale = 1.0
        if np.random.rand() < self.scale_prob:
            scale = float(np.random.uniform(*self.scale_factor))
        shift = np.zeros(2)
        if np.random.rand() < self.shift_prob:
            shift = np.random.uniform(-1, 1, 2) * self.shift_factor
        return scale, shift

    def crop_box(self, region: np.ndarray, scale: float,
                 shift: np.ndarray) -> np.ndarray:
        """(4,) crop box (before rounding and clipping) for a region."""
        size = region[2:] - region[:2]
        centre = (region[:2] + region[2:]) / 2 + shift * size
        half = scale * size / 2
        return np.concatenate([centre - half, centre + half])

    def transform(self, results: Dict) -> Optional[Dict]:
        if 'crowd_region' not in results:
            raise KeyError(
                f'{type(self).__name__} needs results["crowd_region"] (x1, '
                'y1, x2, y2 of a crowd region in the loaded image); build '
                'the dataset with type="CocoCrowdDataset", which adds it')
        if 'warp_mat' in results or 'input_size' in results:
            raise RuntimeError(
                f'{type(self).__name__} crops the original image: put it '
                'before BottomupRandomAffine / BottomupResize in the '
                'pipeline')
        region = np.asarray(results['crowd_region'], np.float64).reshape(-1)
        if region.shape != (4, ) or not (region[2] > region[0]
                                         and region[3] > region[1]):
            raise ValueError(f'crowd_region must be (4,) x1, y1, x2, y2 with '
                             f'x2 > x1 and y2 > y1, got {region}')
        img = results['img']
        scale, shift = self._get_params()
        box = self.crop_box(region, scale, shift)

        if 'keypoints' in results:
            kpts = results['keypoints']
            vis = results['keypoints_visible']
        else:
            kpts = np.zeros((0, 0, 2), np.float32)
            vis = np.zeros((0, 0), np.float32)
        bbox = results.get('bbox', np.zeros((0, 4), np.float32))
        out = crop_region(img, kpts, vis, bbox, box, area=results.get('area'))

        results['img'] = out['img']
        results['img_shape'] = out['img'].shape[:2]
        if 'keypoints' in results:
            results['keypoints'] = out['keypoints']
            results['keypoints_visible'] = out['keypoints_visible']
            if 'num_keypoints' in results:
                labelled = out['keypoints_visible']
                if labelled.ndim == 3:
                    labelled = labelled[..., 0]
                results['num_keypoints'] = [
                    int(n) for n in (labelled > 0).sum(-1)
                ]
        if 'bbox' in results:
            results['bbox'] = out['bboxes']
        if results.get('area') is not None:
            results['area'] = out['area']
        if results.get('invalid_segs'):
            results['invalid_segs'] = [
                crop_segmentation(seg, out['crop_box'])
                for seg in results['invalid_segs']
            ]
        results['crop_box'] = out['crop_box'].astype(np.float32)
        results['crop_scale'] = scale
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale_factor={self.scale_factor}, '
                f'scale_prob={self.scale_prob}, '
                f'shift_factor={self.shift_factor}, '
                f'shift_prob={self.shift_prob})')
