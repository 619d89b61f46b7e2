"""The mechanisms the crowd methods claim, measured on poses directly.

Every measure here asks one question of predicted poses: which annotated
person, if any, does a pose *land on*? A pose lands on person P when its
COCO object keypoint similarity (OKS) with P is at least ``thr`` (0.5, the
loosest COCO AP threshold) and higher than with the other person of the
pair. A pose halfway between two people therefore lands on neither, and one
pose never counts for both.

- ``instance_recall`` (MIPNet, §3; any top-down model): for the box of a
  person A that overlaps person B, whether the box's outputs contain A
  (``own``), B (``other``) and both, from different poses (``both``). A
  one-pose-per-box model can reach ``own`` or ``other``, never ``both``.
- ``cue_switch`` (HintPose, Fig. 3): for the same box run twice, with the
  instance cue on A and on B, whether the pose follows the cue each time.
- ``count_confusion`` (sequential decoder, Fig. 6): people emitted against
  people annotated, and the exact-count rate.

Shapes: a pose is (K, 2) image coordinates; poses (N, K, 2); an annotation
is a COCO keypoint annotation dict (``keypoints`` of 3K numbers with
visibility, ``area``). OKS is MMPose's ``oks_iou`` with the prediction given
the annotation's area, which is COCO's evaluation OKS over the annotation's
labelled keypoints.
"""
from typing import Dict, Iterable, Sequence

import numpy as np
from mmpose.evaluation.functional.nms import oks_iou

__all__ = [
    'keypoint_oks', 'lands_on', 'instance_recall', 'cue_switch',
    'count_confusion', 'rates'
]


def keypoint_oks(poses: np.ndarray, ann: dict,
                 sigmas: np.ndarray) -> np.ndarray:
    """COCO OKS of each pose (N, K, 2) with one annotation: (N,)."""
    poses = np.asarray(poses, np.float64).reshape(-1, len(sigmas), 2)
    gt = np.asarray(ann['keypoints'], np.float64)
    if gt.size != 3 * len(sigmas):
        raise ValueError(f'annotation {ann.get("id")} has {gt.size // 3} '
                         f'keypoints, the sigmas {len(sigmas)}')
    if len(poses) == 0:
        return np.zeros(0)
    det = np.concatenate([poses, np.ones(poses.shape[:2] + (1, ))], axis=2)
    area = float(ann['area'])
    return oks_iou(
        gt,
        det.reshape(len(poses), -1),
        area,
        np.full(len(poses), area),
        np.asarray(sigmas),
        vis_thr=0)


def lands_on(poses: np.ndarray,
             person: dict,
             other: dict,
             sigmas: np.ndarray,
             thr: float = 0.5) -> np.ndarray:
    """(N,) whether each pose lands on ``person`` rather than ``other``:
    OKS with ``person`` >= ``thr`` and above the OKS with ``other``."""
    a = keypoint_oks(poses, person, sigmas)
    b = keypoint_oks(poses, other, sigmas)
    return (a >= thr) & (a > b)


def instance_recall(poses: np.ndarray,
                    own: dict,
                    other: dict,
                    sigmas: np.ndarray,
                    thr: float = 0.5) -> Dict[str, bool]:
    """Which of the two people of a box its poses (N, K, 2) find:
    ``own``, ``other`` and ``both`` (by different poses)."""
    on_own = lands_on(poses, own, other, sigmas, thr)
    on_other = lands_on(poses, other, own, sigmas, thr)
    return dict(
        own=bool(on_own.any()),
        other=bool(on_other.any()),
        both=bool(on_own.any() and on_other.any()))


def cue_switch(pose_cue_own: np.ndarray,
               pose_cue_other: np.ndarray,
               own: dict,
               other: dict,
               sigmas: np.ndarray,
               thr: float = 0.5) -> Dict[str, bool]:
    """Whether the pose follows the cue: with the cue on the box's own
    person it lands on them (``own``); with the cue on the other person it
    switches to them (``switch``); ``both``."""
    a = bool(
        lands_on(np.asarray(pose_cue_own)[None], own, other, sigmas, thr)[0])
    b = bool(
        lands_on(np.asarray(pose_cue_other)[None], other, own, sigmas, thr)[0])
    return dict(own=a, switch=b, both=a and b)


def rates(flags: Iterable[Dict[str, bool]]) -> Dict[str, float]:
    """Mean of each boolean over a list of per-box dicts, with ``n``."""
    flags = list(flags)
    if not flags:
        return dict(n=0)
    out = {k: float(np.mean([f[k] for f in flags])) for k in flags[0]}
    out['n'] = len(flags)
    return out


def count_confusion(true_counts: Sequence[int],
                    emitted: Sequence[int]) -> Dict[str, object]:
    """Confusion matrix (rows: people annotated, columns: people emitted),
    the exact-count rate and the rate within one person."""
    true_counts = np.asarray(true_counts, int)
    emitted = np.asarray(emitted, int)
    if true_counts.shape != emitted.shape or true_counts.size == 0:
        raise ValueError('count_confusion needs one emitted count per image, '
                         f'got {emitted.size} for {true_counts.size} images')
    for name, counts in (('true_counts', true_counts), ('emitted', emitted)):
        if (counts < 0).any():  # would index the matrix from its end
            raise ValueError(f'count_confusion got negative {name} '
                             f'{counts[counts < 0].tolist()}; counts of '
                             'people are >= 0')
    size = int(max(true_counts.max(), emitted.max())) + 1
    confusion = np.zeros((size, size), int)
    np.add.at(confusion, (true_counts, emitted), 1)
    return dict(
        confusion=confusion.tolist(),
        exact=float(np.mean(true_counts == emitted)),
        within_one=float(np.mean(np.abs(true_counts - emitted) <= 1)))
