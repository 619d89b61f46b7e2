"""COCO-crowd for training (paper §3, §5.1): one bottom-up sample per crowd
region of a COCO keypoint file, cropped on the fly from the original image.

MMPose's ``CocoDataset`` in bottom-up mode gives one sample per image with
all its people. :class:`CocoCrowdDataset` splits each image into one sample
per crowd region (:func:`~mmpose_occlusion.datasets.crowd_regions.\
find_crowd_regions`) and drops images without one. Every sample keeps ALL
people of its image; ``RandomCrowdRegionCrop`` (put it before
``BottomupRandomAffine``) crops the region with scale augmentation from the
original image and makes the keypoints it cuts off invisible.

Added keys per sample (N people of the image, G region members):

- ``crowd_region``: (4,) float32 x1, y1, x2, y2 union box of the members,
  in the original image;
- ``crowd_members``: (G,) int64 indices of the members among the N people;
- ``region_index``: the region's index within its image (0, 1, ...);
- ``region_id``: unique over the dataset, 1, 2, ... in file order (the same
  enumeration as the image ids of the crops written by
  ``tools/dataset_converters/make_coco_crowd.py`` when the whole file is
  used, i.e. ``sample_interval=1``).

MMPose's ``crowd_index`` key stays what it is in MMPose (CrowdPose's
per-image crowd index), hence ``region_index``.

Evaluation: MMPose's ``CocoMetric`` scores predictions per ``img_id``
against the annotation file, in the original image's coordinates, so it
cannot score region samples (several per image, in crop coordinates).
Validate and test on crops written by ``make_coco_crowd.py`` with the stock
``CocoDataset`` (``data_mode='bottomup'``) and
``CocoMetric(ann_file=<OUT_DIR>/annotations/<name>_crowd.json)``.
"""
import logging
from typing import Dict, List

import numpy as np
from mmengine.logging import print_log
from mmpose.datasets.datasets.body import CocoDataset
from mmpose.registry import DATASETS

from .crowd_regions import find_crowd_regions

__all__ = ['CocoCrowdDataset']


@DATASETS.register_module()
class CocoCrowdDataset(CocoDataset):
    """COCO keypoint file split into one bottom-up sample per crowd region.

    Args:
        ann_file (str): COCO keypoint annotation file.
        iou_thr (float): box IoU from which two people overlap (a pair with
            IoU >= iou_thr is a crowd pair). Defaults to 0.1.
        min_keypoints (int): only people with at least this many labelled
            keypoints count when finding regions (all of them stay in the
            sample). Defaults to 1: a region of people without keypoints
            would be an all-masked sample with nothing to learn.
        data_mode (str): must be ``'bottomup'`` (the default).
        **kwargs: the rest of MMPose's ``CocoDataset`` arguments
            (``data_root``, ``data_prefix``, ``pipeline``, ...).
    """

    def __init__(self,
                 ann_file: str = '',
                 iou_thr: float = 0.1,
                 min_keypoints: int = 1,
                 data_mode: str = 'bottomup',
                 **kwargs):
        if data_mode != 'bottomup':
            raise ValueError(
                f'{type(self).__name__} makes bottom-up samples (all people '
                f'of a crowd region); got data_mode={data_mode!r}, use '
                "data_mode='bottomup'")
        if not 0 <= iou_thr <= 1:
            raise ValueError(f'iou_thr must be in [0, 1], got {iou_thr}')
        self.iou_thr = iou_thr
        self.min_keypoints = min_keypoints
        if kwargs.get('test_mode', False):
            print_log(
                f'{type(self).__name__} in test mode: CocoMetric cannot '
                'score region samples; evaluate on crops written by '
                'tools/dataset_converters/make_coco_crowd.py with '
                'CocoDataset instead',
                logger='current',
                level=logging.WARNING)
        super().__init__(ann_file=ann_file, data_mode=data_mode, **kwargs)

    def _get_bottomup_data_infos(self, instance_list: List[Dict],
                                 image_list: List[Dict]) -> List[Dict]:
        """One data info per crowd region of each image's data info."""
        per_image = super()._get_bottomup_data_infos(instance_list, image_list)
        samples = []
        for info in per_image:
            anns = info.get('raw_ann_info')
            if not anns:  # test mode: images without people
                continue
            regions = find_crowd_regions(anns, self.iou_thr,
                                         self.min_keypoints)
            for k, (members, box) in enumerate(regions):
                sample = dict(info)
                sample.update(
                    crowd_region=box.astype(np.float32),
                    crowd_members=np.asarray(members, np.int64),
                    region_index=k,
                    region_id=len(samples) + 1)
                samples.append(sample)
        return samples
