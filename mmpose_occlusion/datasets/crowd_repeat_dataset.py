"""Oversample the crowded samples of a top-down dataset (ours).

Crowded boxes, those that hold another annotated person, are a minority in
COCO, and they are the samples from which HintPose's cue-dependent targets
(``ChooseCueTarget``) and MIPNet's second slot learn. ``CrowdRepeatDataset``
wraps any top-down MMPose dataset and repeats each crowded sample ``times``
times per epoch; a sample is crowded when another person of its image has
at least ``min_keypoints`` labelled keypoints inside its box (MIPNet's §3.1
rule, ``select_other_instances``). The other samples appear once.
"""
from typing import List, Union

from mmengine.dataset import BaseDataset, RepeatDataset
from mmengine.dataset.base_dataset import force_full_init
from mmpose.registry import DATASETS

from .transforms.multi_instance import _ImageIndex, select_other_instances

__all__ = ['CrowdRepeatDataset']


@DATASETS.register_module()
class CrowdRepeatDataset(RepeatDataset):
    """Repeat the crowded samples of a top-down dataset.

    Args:
        dataset (BaseDataset | dict): a top-down MMPose dataset (or its
            config), e.g. ``CocoDataset(data_mode='topdown')``.
        times (int): how often a crowded sample appears per epoch.
            Defaults to 2.
        min_keypoints (int): labelled keypoints of another person inside
            the box that make a sample crowded. Defaults to 3.
        lazy_init (bool): load the annotations later.
    """

    def __init__(self,
                 dataset: Union[BaseDataset, dict],
                 times: int = 2,
                 min_keypoints: int = 3,
                 lazy_init: bool = False):
        if times < 1:
            raise ValueError(f'times must be >= 1, got {times}')
        self.min_keypoints = min_keypoints
        self._indices: List[int] = []
        self.num_crowded = 0
        super().__init__(dataset, times, lazy_init)

    def full_init(self):
        if self._fully_initialized:
            return
        self.dataset.full_init()
        if getattr(self.dataset, 'data_mode', 'topdown') != 'topdown':
            raise ValueError('CrowdRepeatDataset repeats top-down samples; '
                             'give it a dataset with data_mode="topdown"')
        index = _ImageIndex(self.dataset)
        indices = []
        for i in range(len(self.dataset)):
            info = BaseDataset.get_data_info(self.dataset, i)
            kpts, vis, boxes = index.others(info['img_id'], info['id'])
            crowded = len(
                select_other_instances(info['bbox'][0], kpts, vis, boxes, 1,
                                       self.min_keypoints)) > 0
            self.num_crowded += crowded
            indices += [i] * (self.times if crowded else 1)
        self._indices = indices
        self._ori_len = len(self.dataset)
        self._fully_initialized = True

    @force_full_init
    def _get_ori_dataset_idx(self, idx: int) -> int:
        return self._indices[idx]

    @force_full_init
    def __len__(self):
        return len(self._indices)
