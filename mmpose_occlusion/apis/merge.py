"""The chain's last stage: every instance of every proposal, rescored as
MMPose's top-down evaluation does (box score x mean confident keypoint
score), then MMPose's OKS-NMS over the image.

Shapes: P proposals, Q instances (``samples``: one ``PoseDataSample`` per
proposal, ``pred_instances`` of M_p instances), K keypoints; the result
holds the R kept instances (see :mod:`.crowd_inferencer`).
"""
from typing import Dict, List, Optional

import numpy as np

from mmpose_occlusion.proposals import Proposals

__all__ = ['merge_instances']


def merge_instances(proposals: Proposals, samples: List, num_keypoints: int,
                    kpt_score_thr: float, oks_thr: float,
                    sigmas: Optional[np.ndarray]) -> Dict:
    """Every instance of every box, rescored, then OKS-NMS (``oks_thr``;
    ``sigmas`` of the K keypoints, or None for MMPose's default)."""
    from mmpose.evaluation.functional import oks_nms
    rows = dict(
        keypoints=[],
        keypoint_scores=[],
        box_index=[],
        instance_index=[],
        cue_points=[],
        score_factor=[])
    for p, sample in enumerate(samples):
        inst = sample.pred_instances
        kpts = np.asarray(inst.keypoints, np.float32)
        m = len(kpts)
        rows['keypoints'].append(kpts)
        rows['keypoint_scores'].append(
            np.asarray(inst.keypoint_scores, np.float32))
        rows['box_index'].append(np.full(m, p))
        if 'instance_selectors' in inst:
            index = np.asarray(inst.instance_selectors).argmax(1)
        else:
            index = np.arange(m)
        rows['instance_index'].append(index)
        # the estimator's own rescaling of its instances' box scores
        # (MIPNet's secondary-score decay), against the score 1 that
        # estimate() gave every box
        rows['score_factor'].append(
            np.asarray(inst.bbox_scores, np.float32).
            reshape(m) if 'bbox_scores' in inst else np.ones(m, np.float32))
        rows['cue_points'].append(
            np.asarray(inst.cue_points, np.float32).reshape(m, 2)
            if 'cue_points' in inst else np.full((m, 2), np.nan, np.float32))
    k = num_keypoints
    if not rows['keypoints']:
        out = dict(
            keypoints=np.zeros((0, k, 2), np.float32),
            keypoint_scores=np.zeros((0, k), np.float32),
            box_index=np.zeros(0, np.int64),
            instance_index=np.zeros(0, np.int64),
            cue_points=np.zeros((0, 2), np.float32),
            score_factor=np.zeros(0, np.float32))
    else:
        out = {key: np.concatenate(v) for key, v in rows.items()}
    box = out['box_index']
    out['bboxes'] = proposals.bboxes[box].reshape(-1, 4)
    out['bbox_scores'] = proposals.scores[box] * out.pop('score_factor')
    good = out['keypoint_scores'] > kpt_score_thr
    mean_good = np.where(
        good.any(1),
        (out['keypoint_scores'] * good).sum(1) / np.maximum(good.sum(1), 1), 0)
    out['scores'] = (out['bbox_scores'] * mean_good).astype(np.float32)
    wh = out['bboxes'][:, 2:] - out['bboxes'][:, :2]
    db = [
        dict(
            keypoints=np.concatenate([kp, ks[:, None]], 1),
            score=s,
            area=float(a))
        for kp, ks, s, a in zip(out['keypoints'], out['keypoint_scores'],
                                out['scores'], wh.prod(1))
    ]
    keep = np.asarray(oks_nms(db, oks_thr, sigmas), np.int64).reshape(-1)
    return {key: v[keep] for key, v in out.items()}
