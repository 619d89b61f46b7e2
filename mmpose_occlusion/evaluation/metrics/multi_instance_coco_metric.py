"""COCO keypoint metric for several predicted instances per top-down sample.

Stock ``CocoMetric`` sorts each image's predictions by sample ``id`` and drops
all but one per id, to remove the duplicates that distributed sampling pads
in. A MIPNet or HintPose sample (one box) holds several instances with the same
id, and that step would keep only one of them. ``MultiInstanceCocoMetric``
drops only true duplicates (same sample id *and* same keypoints), and gives
every instance of a box that box's area (stock ``CocoMetric`` takes one area
per sample from ``gt_instances.bbox_scales``); everything else, including the
per-image OKS-NMS that merges the instances, is stock ``CocoMetric``.
"""
from typing import Dict, Sequence

import numpy as np
from mmpose.evaluation.metrics import CocoMetric
from mmpose.registry import METRICS

__all__ = ['MultiInstanceCocoMetric']


@METRICS.register_module()
class MultiInstanceCocoMetric(CocoMetric):
    """``CocoMetric`` that keeps every instance of a multi-instance sample.

    Takes the arguments of ``CocoMetric``.
    """

    def process(self, data_batch: Sequence[dict],
                data_samples: Sequence[dict]) -> None:
        super().process(data_batch, data_samples)
        for pred, _ in self.results[len(self.results) - len(data_samples):]:
            num = len(pred['keypoints'])
            if 'areas' in pred and len(pred['areas']) == 1 and num > 1:
                pred['areas'] = np.repeat(pred['areas'], num)

    def _sort_and_unique_bboxes(self,
                                kpts: Dict[int, list],
                                key: str = 'id') -> Dict[int, list]:
        for img_id, persons in kpts.items():
            seen, unique = set(), []
            for person in sorted(persons, key=lambda p: str(p[key])):
                signature = (str(person[key]), person['keypoints'].tobytes())
                if signature not in seen:
                    seen.add(signature)
                    unique.append(person)
            kpts[img_id] = unique
        return kpts
