"""The crowd inference chain: person boxes -> proposal stage -> top-down pose
model (several instances per box) -> OKS-NMS.

::

    image ─▶ box source ─▶ score threshold ─▶ proposal filter ─▶ crops
          (MMDet detector,   (``bbox_thr``)    (``BoxNMS`` by     (batched)
           given boxes, ...)                    default)             │
                 poses per image ◀─ OKS-NMS ◀─ M instances per box ◀─┘
                                                (MIPNet's λ, HintPose's cues)

Shapes: P proposals, Q = Σ_p M_p instances before OKS-NMS, R kept after it;
K keypoints. A result (one image) holds ``keypoints`` (R, K, 2) and
``keypoint_scores`` (R, K) in image pixels, ``scores`` (R,) instance scores,
``bboxes`` (R, 4) and ``bbox_scores`` (R,) of the box each pose came from
(times the estimator's own factor, MIPNet's secondary-score decay),
``box_index`` (R,) into ``proposals`` (the P boxes the pose model ran on),
``instance_index`` (R,) which λ (MIPNet) or cue (HintPose) of that box gave
it (0 for a stock model), ``cue_points`` (R, 2) (NaN without a cue), the
``detections`` (N boxes, scores) before the proposal stage and the seconds
spent per stage in ``timings``.

The pose model is any MMPose top-down model; a multi-instance one (MIPNet,
HintPose) gives several instances per box and records where each came from.
HintPose's cues per box come, in this order, from the proposal filter
(e.g. DetPoseNet's coarse poses), from a ``cue_source`` (e.g.
``BottomupCueSource``), else one cue at the box centre.
"""
import time
from typing import (Callable, Dict, Iterator, List, NamedTuple, Optional,
                    Sequence, Tuple, Union)

import numpy as np
import torch
from torch.utils.data import Dataset

from mmpose_occlusion.proposals import BaseProposalFilter, Proposals
from mmpose_occlusion.registry import build_proposal_filter
from mmpose_occlusion.utils import ImageLoadError, load_config, load_image
from .box_sources import clean_boxes
from .merge import merge_instances
from .pose_checkpoint import load_pose_checkpoint

__all__ = ['CrowdPoseInferencer', 'ImageResult']

BoxSource = Callable[[np.ndarray, str], Tuple[np.ndarray, np.ndarray]]


class ImageResult(NamedTuple):
    """One image of :meth:`CrowdPoseInferencer.run`: its position in the
    input, its path, the chain's result (as from calling the chain, plus
    the decoded BGR ``img``) or, for a file that could not be read, None
    and the ``error`` message naming it."""
    index: int
    path: str
    result: Optional[Dict]
    error: Optional[str]


class _ImageFiles(Dataset):
    """Image files decoded with :func:`load_image`; an unreadable file
    gives its error message instead of stopping the loader."""

    def __init__(self, paths: Sequence[str]):
        self.paths = list(paths)

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int):
        path = self.paths[index]
        try:
            return index, path, load_image(path), None
        except ImageLoadError as e:
            return index, path, None, str(e)


class CrowdPoseInferencer:
    """Run the crowd chain on images.

    Args:
        pose_config: MMPose top-down config (path or Config).
        pose_checkpoint: its weights; None keeps the initial weights
            (plumbing checks only).
        box_source: ``f(img, name) -> (bboxes xyxy, scores)``: an
            ``MMDetPersonDetector``, ``PrecomputedBoxes``,
            ``SimulatedDetector`` or your own. None: the whole image is one
            box (as ``mmpose.apis.inference_topdown``).
        bbox_thr: detector boxes scoring below this are dropped first.
        proposal: the proposal filter, a ``PROPOSAL_FILTERS`` config
            (default ``dict(type='BoxNMS', iou_thr=0.5)``) or object.
        cue_source: HintPose cues, ``f(img, boxes) -> (points, scores)``
            such as ``BottomupCueSource``; used when the proposal filter
            gives no cue points.
        num_instances: MIPNet: use λ = 0..n-1 of its N selectors (1 gives
            one pose per box); None uses all N.
        oks_thr: OKS-NMS threshold over each image's instances (MMPose's
            ``CocoMetric`` default, 0.9).
        kpt_score_thr: keypoints scoring above it count in the instance
            score, box score x their mean score (``CocoMetric``'s
            ``bbox_keypoint`` rescoring).
        batch_size: crops per forward pass.
        device: e.g. ``'cpu'``, ``'cuda:0'``.
    """

    def __init__(self,
                 pose_config,
                 pose_checkpoint: Optional[str] = None,
                 box_source: Optional[BoxSource] = None,
                 bbox_thr: float = 0.3,
                 proposal: Union[dict, BaseProposalFilter, None] = None,
                 cue_source: Optional[Callable] = None,
                 num_instances: Optional[int] = None,
                 oks_thr: float = 0.9,
                 kpt_score_thr: float = 0.2,
                 batch_size: int = 16,
                 device: str = 'cpu'):
        from mmengine.dataset import Compose
        from mmpose.apis import init_model

        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        cfg = load_config(pose_config, 'pose config')
        name = pose_config if isinstance(pose_config, str) else \
            getattr(cfg, 'filename', '<config>')
        self.pose_model = init_model(cfg, None, device=device)
        if pose_checkpoint is not None:
            meta = load_pose_checkpoint(self.pose_model, pose_checkpoint, name)
            if 'dataset_meta' in meta:
                self.pose_model.dataset_meta = meta['dataset_meta']
        self.pose_model.eval()
        if num_instances is not None:
            total = getattr(self.pose_model, 'num_instances', None)
            if total is None or not 1 <= num_instances <= total:
                raise ValueError(
                    f'num_instances={num_instances} needs a MIPNet model with '
                    f'at least that many selectors (this one: {total})')
            self.pose_model.test_cfg['num_instances'] = num_instances
        self.pipeline = Compose(cfg.test_dataloader.dataset.pipeline)
        self.box_source = box_source
        self.bbox_thr = bbox_thr
        if proposal is None:
            proposal = dict(type='BoxNMS', iou_thr=0.5)
        self.proposal = build_proposal_filter(proposal) if isinstance(
            proposal, dict) else proposal
        self.cue_source = cue_source
        self.oks_thr = oks_thr
        self.kpt_score_thr = kpt_score_thr
        self.batch_size = batch_size
        meta = self.pose_model.dataset_meta
        self.sigmas = np.asarray(
            meta['sigmas'],
            np.float32) if meta.get('sigmas') is not None else None
        backbone = getattr(self.pose_model, 'backbone', None)
        self.uses_cues = bool(getattr(backbone, 'use_cue', False))

    @classmethod
    def from_chain_config(cls,
                          chain,
                          device: Optional[str] = None,
                          box_source: Optional[Callable] = None
                          ) -> 'CrowdPoseInferencer':
        """Build the whole chain from a chain config (a path or Config)::

            pose = dict(config=..., checkpoint=..., num_instances=None)
            detector = dict(config=..., checkpoint=..., person_class='person')
            proposal = dict(type='CoarsePoseFilter', pose_source=dict(
                config=..., checkpoint=...))          # or BoxNMS, ...
            cues = dict(config=..., checkpoint=..., threshold=0.1,
                        max_per_box=3)                 # HintPose, optional
            bbox_thr = 0.3; oks_thr = 0.9; batch_size = 16; device = 'cpu'

        ``device`` overrides the config's (also for the proposal filter's
        and the cue source's models). ``box_source`` (e.g.
        ``PrecomputedBoxes``) replaces the config's ``detector``.
        """
        from mmpose_occlusion.apis.box_sources import MMDetPersonDetector
        from mmpose_occlusion.apis.cue_source import BottomupCueSource
        cfg = load_config(chain, 'chain config')
        if 'pose' not in cfg:
            raise KeyError(f'chain config {chain!r} has no `pose` entry')
        device = device or cfg.get('device', 'cpu')
        if box_source is None and cfg.get('detector'):
            det = dict(cfg.detector)
            box_source = MMDetPersonDetector(
                det.pop('config'), det.pop('checkpoint', None), device, **det)
        proposal = cfg.get('proposal')
        if proposal is not None:
            proposal = dict(proposal)
            if isinstance(proposal.get('pose_source'), dict):
                proposal['pose_source'] = dict(
                    proposal['pose_source'], device=device)
        cue_source = None
        if cfg.get('cues'):
            cues = dict(cfg.cues)
            cue_source = BottomupCueSource.from_config(
                cues.pop('config'), cues.pop('checkpoint', None), device,
                **cues)
        pose = dict(cfg.pose)
        return cls(
            pose.pop('config'),
            pose.pop('checkpoint', None),
            box_source=box_source,
            proposal=proposal,
            cue_source=cue_source,
            device=device,
            bbox_thr=cfg.get('bbox_thr', 0.3),
            oks_thr=cfg.get('oks_thr', 0.9),
            batch_size=cfg.get('batch_size', 16),
            **pose)

    @property
    def dataset_meta(self) -> dict:
        return self.pose_model.dataset_meta

    # ---------------------------------------------------------------- stages
    def detect(self, img: np.ndarray,
               name: str) -> Tuple[np.ndarray, np.ndarray]:
        """Person boxes and scores before NMS, cleaned and thresholded."""
        if self.box_source is None:
            h, w = img.shape[:2]
            return (np.array([[0, 0, w, h]],
                             np.float32), np.ones(1, np.float32))
        bboxes, scores = self.box_source(img, name)
        bboxes, scores, _ = clean_boxes(bboxes, scores, img.shape)
        keep = scores >= self.bbox_thr
        return bboxes[keep], scores[keep]

    def propose(self, img: np.ndarray, bboxes: np.ndarray,
                scores: np.ndarray) -> Proposals:
        proposals = self.proposal(bboxes, scores, img=img)
        if proposals.cue_points is None and self.uses_cues and \
                self.cue_source is not None and len(proposals):
            proposals.cue_points = list(
                self.cue_source(img, proposals.bboxes)[0])
        return proposals

    def estimate(self, img: np.ndarray, proposals: Proposals) -> List:
        """Pose data samples, one per proposal, in batches."""
        return self.forward(self.prepare(img, proposals))

    def prepare(self, img: np.ndarray, proposals: Proposals) -> List[dict]:
        """The pose model's test pipeline on every proposal's crop."""
        data_list = []
        for p, box in enumerate(proposals.bboxes):
            info = dict(
                img=img, bbox=box[None], bbox_score=np.ones(1, np.float32))
            if proposals.cue_points is not None and \
                    len(proposals.cue_points[p]):
                info['cue_points'] = np.asarray(proposals.cue_points[p],
                                                np.float32).reshape(-1, 2)
            info.update(self.dataset_meta)
            data_list.append(self.pipeline(info))
        return data_list

    def forward(self, data_list: List[dict]) -> List:
        """Pose data samples for prepared crops, ``batch_size`` per forward
        pass (the crops may come from several images)."""
        from mmengine.dataset import pseudo_collate
        samples = []
        with torch.no_grad():
            for start in range(0, len(data_list), self.batch_size):
                batch = pseudo_collate(data_list[start:start +
                                                 self.batch_size])
                samples.extend(self.pose_model.test_step(batch))
        return samples

    def merge(self, proposals: Proposals, samples: List) -> Dict:
        """Every instance of every box, rescored, then OKS-NMS."""
        return merge_instances(proposals, samples,
                               self.dataset_meta.get('num_keypoints', 17),
                               self.kpt_score_thr, self.oks_thr, self.sigmas)

    # -------------------------------------------------------------- public
    def __call__(self,
                 img: Union[str, np.ndarray],
                 name: Optional[str] = None) -> Dict:
        """Run the chain on one image (a path, or a BGR array with its file
        ``name`` for box sources that look images up by name)."""
        timings = {}
        t = time.perf_counter()
        if isinstance(img, str):
            name = name or img
            img = load_image(img)
        name = name or ''
        timings['load'] = time.perf_counter() - t
        staged = self._front(img, name, timings)
        t = time.perf_counter()
        samples = self.forward(staged['crops'])
        timings['pose'] += time.perf_counter() - t
        return self._finish(img, staged, samples, timings)

    def _front(self, img: np.ndarray, name: str, timings: dict) -> dict:
        """Boxes, proposals and the prepared crops of one image; the stage
        times go into ``timings`` (``pose``: the crops' pipeline)."""
        t = time.perf_counter()
        bboxes, scores = self.detect(img, name)
        timings['detect'] = time.perf_counter() - t
        t = time.perf_counter()
        proposals = self.propose(img, bboxes, scores)
        timings['propose'] = time.perf_counter() - t
        t = time.perf_counter()
        crops = self.prepare(img, proposals)
        timings['pose'] = time.perf_counter() - t
        return dict(
            detections=(bboxes, scores), proposals=proposals, crops=crops)

    def _finish(self, img: np.ndarray, staged: dict, samples: List,
                timings: dict) -> Dict:
        """Merge one image's pose samples into its result."""
        t = time.perf_counter()
        result = self.merge(staged['proposals'], samples)
        timings['merge'] = time.perf_counter() - t
        result.update(
            detections=staged['detections'],
            proposals=staged['proposals'],
            timings=timings,
            img_shape=img.shape[:2])
        return result

    def run(self,
            images: Sequence[str],
            num_workers: int = 2,
            images_per_batch: int = 8) -> Iterator[ImageResult]:
        """Run the chain over many image files, yielding one
        :class:`ImageResult` per image, in input order.

        Images are decoded by ``num_workers`` DataLoader processes while the
        model runs (0 decodes in this process); the crops of
        ``images_per_batch`` images are pooled so each forward pass gets up
        to ``batch_size`` crops even when an image has few people. A file
        that cannot be read gives an ``ImageResult`` with ``error`` set and
        the others go on. Results are the same as calling the chain on each
        image (up to float rounding of batched convolutions).

        The ``timings`` of a result share its group's waiting for decoded
        images (``load``) and forward passes (``pose``) by crop count.
        """
        from torch.utils.data import DataLoader
        if images_per_batch < 1:
            raise ValueError(
                f'images_per_batch must be >= 1, got {images_per_batch}')
        if num_workers < 0:
            raise ValueError(f'num_workers must be >= 0, got {num_workers}')
        loader = DataLoader(
            _ImageFiles(images),
            batch_size=images_per_batch,
            num_workers=num_workers,
            collate_fn=list,
            shuffle=False)
        t = time.perf_counter()
        for group in loader:
            load_s = (time.perf_counter() - t) / max(len(group), 1)
            yield from self._run_group(group, load_s)
            t = time.perf_counter()

    def _run_group(self, group: List[tuple],
                   load_s: float) -> List[ImageResult]:
        staged, out = [], {}
        for index, path, img, error in group:
            if error is not None:
                out[index] = ImageResult(index, path, None, error)
                continue
            timings = dict(load=load_s)
            staged.append((index, path, img, self._front(img, path,
                                                         timings), timings))
        crops = [c for *_, front, _ in staged for c in front['crops']]
        t = time.perf_counter()
        samples = self.forward(crops)
        per_crop = (time.perf_counter() - t) / max(len(crops), 1)
        start = 0
        for index, path, img, front, timings in staged:
            n = len(front['crops'])
            timings['pose'] += per_crop * n
            result = self._finish(img, front, samples[start:start + n],
                                  timings)
            start += n
            result['img'] = img
            out[index] = ImageResult(index, path, result, None)
        return [out[i] for i in sorted(out)]
