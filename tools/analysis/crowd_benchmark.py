"""One crowd benchmark: every method's synthetic model trained at one equal
budget, evaluated side by side on the same validation images, with the
mechanism each paper claims measured directly.

Rows (``--only`` takes the section names in brackets):

- [stock] MMPose's stock top-down HRNet (the small one of the synthetic
  configs): two seeds at the budget, and one seed at twice the budget (the
  budget check: if AP(2E) - AP(E) is inside the seed spread, E has
  converged).
- [mipnet] MIPNet N = 2 on the same HRNet (two seeds).
- [hintpose] HintPose, instance cue + 3 hops (two seeds) and cue only, 1 hop
  (one seed); cues at test time from the bottom-up model's peaks, as in the
  report, and from the box centre and the ground truth.
- [detposenet] DetPoseNet's refinement sub-net (two seeds); its chain with
  box NMS and with the coarse-pose filter; the filter's person recall on the
  synthetic and the real layouts of ``../shared/data/real``.
- [seqdecoder] the sequential ConvLSTM decoder (two seeds).
- [bottomup_ae] the Associative Embedding model that gives the cues and the
  coarse poses (one seed).
- [cost] parameters and latency against the stock model.

Measured, per row (means over seeds, with the spread max - min):

- COCO keypoint AP (pycocotools, through MMPose's ``CocoMetric``) on all
  validation images and on the crowded ones (a pair with box IoU >= 0.5),
  with ground-truth boxes, and with the occluded people's boxes removed;
  AP by occlusion level (share of a person's labelled keypoints hidden).
- MIPNet: in boxes holding two people, how often the box's outputs contain
  its own person, the other person, and both (``own_recall``,
  ``other_recall``, ``both_recall``; the stock model's ``other_recall`` as
  ``stock_other_recall``). A pose counts for a person at OKS >= 0.5 when it
  fits that person better than the other one
  (``mmpose_occlusion.evaluation.instance_recall``).
- HintPose: cue-switch rates on the same boxes (``cue_switch_1hop``,
  ``cue_switch_3hop``, ``both_followed_1hop``, ...).
- DetPoseNet: ``filter_recall``, ``best_nms_recall``,
  ``filter_runs_per_person`` per layout, and the chain's AP.
- Sequential decoder: exact-count rate, AP by people per image, with the
  paper's step-only decoding and with steps x parts.
- Cost: parameters and forward latency ratios against the stock model,
  timed side by side in one run.

Every training resumes from its last checkpoint (one every epoch), every
finished training and evaluation is reused (``WORK_DIR/<row>_s<seed>/``), and
one training runs at a time, so the benchmark can be stopped and re-run.
Results go to ``OUT_DIR/results.json`` (``results_cuda.json`` with
``--device cuda``), plots next to it, and the tables into ``OUT_DIR.md``
between its ``<!-- benchmark:start -->`` / ``<!-- benchmark:end -->``
markers (the prose around them is kept). With ``--only``, the other
sections of an existing results file are kept.

Usage::

    python tools/analysis/crowd_benchmark.py               # CPU, bf16
    python tools/analysis/crowd_benchmark.py --only mipnet
    python tools/analysis/crowd_benchmark.py --quick       # minutes, tests
    python tools/analysis/crowd_benchmark.py --device cuda # GPU budget
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Callable, Dict, List, Optional

import numpy as np
from evidence_common import (ROOT, coco_keypoint_ap, crowded_subset,
                             ensure_data, evaluate, load_cfg, own_visualizer,
                             train, use_autocast, write_json)

SECTIONS = ('stock', 'mipnet', 'hintpose', 'detposenet', 'seqdecoder',
            'bottomup_ae', 'cost')
TD = 'configs/baseline/td-hm_hrnet-w16-small_1xb32-6e_synthcrowd-128x96.py'
# name: (section, label, config, kind, seeds at the budget)
ROWS = {
    'stock': ('stock', 'stock HRNet (top-down)', TD, 'topdown', 2),
    'mipnet': ('mipnet', 'MIPNet N=2', 'configs/mipnet/'
               'td-hm_hrnet-w16-small-mipnet_1xb32-6e_synthcrowd-128x96.py',
               'topdown', 2),
    'hintpose_3hop': ('hintpose', 'HintPose cue + 3 hops', 'configs/hintpose/'
                      'td-hm_hrnet-w16-small-hintpose_1xb32-6e_synthcrowd-'
                      '128x96.py', 'topdown', 2),
    'hintpose_1hop': ('hintpose', 'HintPose cue only (1 hop)',
                      'configs/hintpose/td-hm_hrnet-w16-small-hintpose-cue_'
                      '1xb32-6e_synthcrowd-128x96.py', 'topdown', 1),
    'detposenet': ('detposenet', 'DetPoseNet refinement',
                   'configs/detposenet/td-hm_hrnet-w16-small-detposenet_'
                   '1xb32-6e_synthcrowd-128x96.py', 'topdown', 2),
    'seqdecoder': ('seqdecoder', 'sequential decoder (bottom-up)',
                   'configs/seqdecoder/seqdec_res18-half_1xb16-16e_'
                   'synthcrowd-128x160.py', 'bottomup', 2),
    'bottomup_ae': ('bottomup_ae', 'Associative Embedding (bottom-up)',
                    'configs/bottomup/ae_hrnet-w16-small_1xb16-6e_synthcrowd-'
                    '256x256.py', 'bottomup', 1),
}
# Fine-tuning rows, one seed each: MIPNet from the trained stock model for
# half the budget (the official recipe fine-tunes a trained pose model), its
# MIMBs started neutral (ours) or as the official code starts them;
# DetPoseNet trained without keypoint masking, then fine-tuned with it for a
# quarter of the budget (the paper fine-tunes with masking, §III-C4)
ROWS.update({
    'mipnet_ft_neutral': ('mipnet', 'MIPNet N=2, fine-tuned, neutral MIMBs',
                          ROWS['mipnet'][2], 'topdown', 1),
    'mipnet_ft_official': ('mipnet', 'MIPNet N=2, fine-tuned, official '
                           'MIMB init', ROWS['mipnet'][2], 'topdown', 1),
    'detposenet_nomask': ('detposenet', 'DetPoseNet refinement, no keypoint '
                          'masking', 'configs/detposenet/td-hm_hrnet-w16-'
                          'small-detposenet-nomask_1xb32-6e_synthcrowd-'
                          '128x96.py', 'topdown', 1),
    'detposenet_mask_ft': ('detposenet', 'DetPoseNet refinement, masking as '
                           'fine-tuning', ROWS['detposenet'][2], 'topdown', 1),
})


def _mimb_init(init):

    def edit(cfg):
        cfg.model.backbone.mimb_cfg = dict(init=init)

    return edit


# row: (source row, share of the budget, config edit)
FINETUNE = {
    'mipnet_ft_neutral': ('stock', 0.5, _mimb_init('neutral')),
    'mipnet_ft_official': ('stock', 0.5, _mimb_init('official')),
    'detposenet_mask_ft': ('detposenet_nomask', 0.25, None),
}
HINT_ROWS = ('hintpose_1hop', 'hintpose_3hop')
OCCLUSION_BINS = ((0.0, 0.0), (0.0, 0.25), (0.25, 0.5), (0.5, 1.0))

# Profiles: data, budget and model scale. ``epochs`` is the budget of every
# row (passes over the same training images); the stock model is also run
# once at twice that (the budget check).
# ``scale``: None keeps the configs' models; 'cpu_small' runs the top-down
# rows at 96x64 input (24x16 heatmaps) instead of 128x96; 'w32' is the GPU's
# HRNet-W32 at 256x192. ``workers``: None keeps the configs' loader
# processes; 0 loads in the training process, which on a 2-core machine is
# faster than two workers competing with the two compute threads; 8 feed a
# GPU from a 16-core host (the configs' 2 would leave it waiting).
PROFILES = {
    'cpu':
    dict(
        num_train=1500,
        num_val=200,
        epochs=60,
        val_points=6,
        autocast='bfloat16',
        scale='cpu_small',
        workers=0),
    'cuda':
    dict(
        num_train=6000,
        num_val=500,
        epochs=60,
        val_points=6,
        autocast='bfloat16',
        scale='w32',
        workers=8),
    'quick':
    dict(
        num_train=16,
        num_val=8,
        epochs=1,
        val_points=1,
        autocast='bfloat16',
        scale='cpu_small',
        workers=0),
}
TOPDOWN_SIZES = {  # scale: (input_size, heatmap_size), (w, h)
    None: ((96, 128), (24, 32)),
    'cpu_small': ((64, 96), (16, 24)),
    'w32': ((192, 256), (48, 64)),
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--device', choices=('cpu', 'cuda'), default='cpu')
    p.add_argument(
        '--quick',
        action='store_true',
        help='tiny data, one epoch: the whole pipeline in minutes')
    p.add_argument(
        '--only',
        nargs='+',
        choices=SECTIONS,
        default=None,
        help='re-run these sections only (others are kept)')
    p.add_argument(
        '--epochs',
        type=int,
        default=None,
        help='override the profile\'s budget')
    p.add_argument(
        '--scale',
        choices=('configs', 'cpu_small', 'w32'),
        default=None,
        help='override the profile\'s model scale (\'configs\': '
        'the configs\' own 128x96 top-down input)')
    p.add_argument(
        '--workers',
        type=int,
        default=None,
        help='override the profile\'s loader processes')
    p.add_argument(
        '--no-budget-check',
        action='store_true',
        help='skip the stock model at twice the budget')
    p.add_argument(
        '--no-autocast', action='store_true', help='train and test in float32')
    p.add_argument('--data-root', default=None)
    p.add_argument('--work-dir', default=None)
    p.add_argument(
        '--out-dir',
        default=None,
        help='results/plots folder; the report is OUT_DIR.md '
        '(default docs/benchmark, or WORK_DIR/benchmark with '
        '--quick)')
    p.add_argument(
        '--real-root',
        default=osp.join(osp.dirname(ROOT), 'shared', 'data', 'real'))
    p.add_argument(
        '--report-only',
        action='store_true',
        help='rewrite the report and plots from the results file')
    p.add_argument(
        '--plan',
        type=int,
        nargs='?',
        const=25,
        default=None,
        metavar='ITERS',
        help='time ITERS (25) training iterations of every row '
        'and print the projected training time of the budget; '
        'trains nothing to the end')
    return p.parse_args(argv)


# --------------------------------------------------------------------------
# setup
# --------------------------------------------------------------------------
class Bench:
    """What every step needs: the profile, the paths, the cached runs."""

    def __init__(self, args):
        self.args = args
        self.profile_name = 'quick' if args.quick else args.device
        self.profile = dict(PROFILES[self.profile_name])
        if args.epochs:
            self.profile['epochs'] = args.epochs
        if args.scale:
            self.profile['scale'] = (None if args.scale == 'configs' else
                                     args.scale)
        if args.workers is not None:
            self.profile['workers'] = args.workers
        self.epochs = self.profile['epochs']
        self.autocast = None if args.no_autocast else self.profile['autocast']
        self.work_dir = osp.abspath(
            args.work_dir or osp.join(ROOT, 'work_dirs',
                                      f'crowd_benchmark_{self.profile_name}'))
        self.data_root = osp.abspath(
            args.data_root or
            (osp.join(self.work_dir, 'data') if args.quick else osp.join(
                ROOT, 'data', 'synthetic_crowd' if self.profile_name == 'cpu'
                else f'synthetic_crowd_{self.profile_name}'))) + '/'
        self.out_dir = osp.abspath(
            args.out_dir or (osp.join(self.work_dir, 'benchmark') if args.quick
                             else osp.join(ROOT, 'docs', 'benchmark')))
        suffix = '' if self.profile_name == 'cpu' else f'_{self.profile_name}'
        self.results_file = osp.join(self.out_dir, f'results{suffix}.json')
        self.val_ann = osp.join(self.data_root,
                                'annotations/person_keypoints_val.json')
        self.img_dir = osp.join(self.data_root, 'val')
        self.device = args.device
        self._checked = set()

    # -- config edits ------------------------------------------------------
    def cfg_edit(self, kind: str, row: Optional[str] = None) -> Callable:
        """The profile's edits of a row's config (and the quick mode's
        small loaders); with ``row``, also the network edit of a
        fine-tuning row (e.g. its MIMB init), which evaluation needs as
        much as training."""
        base = profile_cfg_edit(self.profile, kind, self.args.quick)
        extra = FINETUNE[row][2] if row in FINETUNE else None
        if extra is None:
            return base

        def edit(cfg):
            base(cfg)
            extra(cfg)

        return edit

    def row_epochs(self, row: str) -> int:
        """A row's budget: the benchmark's, a share of it for
        fine-tuning."""
        if row not in FINETUNE:
            return self.epochs
        return max(1, int(self.epochs * FINETUNE[row][1]))

    def run_dir(self, row: str, seed: int, epochs: Optional[int] = None):
        epochs = epochs or self.row_epochs(row)
        tag = f'{row}_s{seed}' + ('' if epochs == self.row_epochs(row) else
                                  f'_{epochs}e')
        return osp.join(self.work_dir, tag)

    def seeds(self, row: str) -> List[int]:
        return list(range(ROWS[row][4]))

    # -- training ----------------------------------------------------------
    def train(self, row: str, seed: int, epochs: Optional[int] = None) -> str:
        section, label, cfg_path, kind, _ = ROWS[row]
        epochs = epochs or self.row_epochs(row)
        run_dir = self.run_dir(row, seed, epochs)
        cfg_edit = self.cfg_edit(kind, row)
        if row in FINETUNE:
            cfg_edit = self._finetune_edit(row, cfg_edit)
        # validation points on the learning curve (fewer for the slower
        # bottom-up decoding)
        points = self.profile['val_points'] // (2 if kind == 'bottomup' else 1)
        every = max(1, epochs // max(points, 1))
        t0 = time.time()
        ckpt = train(
            cfg_path,
            run_dir,
            self.data_root,
            epochs,
            resumable=True,
            seed=seed,
            autocast=self.autocast,
            val_interval=every,
            cfg_edit=cfg_edit)
        self._add_time(run_dir, 'train_s', time.time() - t0)
        if ckpt not in self._checked:
            check_checkpoint(cfg_path, ckpt, cfg_edit, run_dir)
            self._checked.add(ckpt)
        return ckpt

    def _finetune_edit(self, row: str, base: Callable) -> Callable:
        """Start from the trained source row's seed-0 weights (MMEngine's
        Pretrained init, applied after the modules' own init, so new
        modules such as MIMBs keep theirs) on top of ``base``, the row's
        own edit (``cfg_edit(kind, row)``)."""
        ckpt = self.train(FINETUNE[row][0], 0)

        def edit(cfg):
            base(cfg)
            cfg.model.init_cfg = dict(type='Pretrained', checkpoint=ckpt)
            cfg.model.backbone.init_cfg = None

        return edit

    def _add_time(self, run_dir: str, key: str, seconds: float) -> None:
        """Wall time spent, summed over sittings (a reused run adds ~0)."""
        path = osp.join(run_dir, 'timing.json')
        timing = _read_json(path, {})
        timing[key] = timing.get(key, 0.0) + seconds
        write_json(timing, path, indent=1)

    # -- cached evaluations ------------------------------------------------
    def cached(self, run_dir: str, key: str, fn: Callable[[], object]):
        """``fn()``'s result, computed once per run and key
        (``run_dir/evals.json``)."""
        path = osp.join(run_dir, 'evals.json')
        evals = _read_json(path, {})
        if key not in evals:
            t0 = time.time()
            evals[key] = _jsonable(fn())
            write_json(evals, path, indent=1)
            self._add_time(run_dir, 'eval_s', time.time() - t0)
        return evals[key]


def _read_json(path: str, default):
    if not osp.isfile(path):
        return default
    with open(path) as f:
        return json.load(f)


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.floating, np.integer, np.bool_)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return obj


W32_CONFIG = ('mmpose::body_2d_keypoint/topdown_heatmap/coco/'
              'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py')


def w32_extra() -> dict:
    """HRNet-W32's stages, from MMPose's own config."""
    from mmengine.hub import get_config
    return get_config(W32_CONFIG).model.backbone.extra.to_dict()


def profile_cfg_edit(profile: dict,
                     kind: str,
                     quick: bool = False) -> Callable:
    """A config edit for one of :data:`PROFILES`: the top-down input size,
    the GPU's models, the loader processes; ``quick`` also shrinks the
    batches and logs every iteration."""
    scale, workers = profile['scale'], profile['workers']

    def edit(cfg):
        if kind == 'topdown':
            resize_topdown(cfg, *TOPDOWN_SIZES[scale])
        if scale == 'w32':
            scale_to_w32(cfg, kind)
        for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            if workers is not None:
                cfg[name].num_workers = workers
                cfg[name].persistent_workers = workers > 0
            if quick:
                cfg[name].batch_size = 4
        if quick:
            cfg.default_hooks.logger.interval = 1
            if kind == 'bottomup' and 'max_steps' in cfg.model.get(
                    'test_cfg', {}):
                cfg.model.test_cfg.max_steps = 3

    return edit


CFG_PARTS = ('codec', 'model', 'train_pipeline', 'val_pipeline',
             'train_dataloader', 'val_dataloader', 'test_dataloader')


def resize_topdown(cfg, input_size: tuple, heatmap_size: tuple) -> None:
    """Every ``input_size`` / ``heatmap_size`` of a top-down synthetic
    config (the codec, the pipelines, the model's cue and proposal parts)
    set from the configs' 128x96 / 32x24 to the given (w, h) pair."""
    old = TOPDOWN_SIZES[None]
    new = {
        'input_size': (tuple(old[0]), tuple(input_size)),
        'heatmap_size': (tuple(old[1]), tuple(heatmap_size))
    }

    def walk(obj):
        if isinstance(obj, dict):
            for k in list(obj.keys()):
                v = obj[k]
                if k in new and isinstance(v, (list, tuple)):
                    if tuple(v) == new[k][1]:
                        continue  # met again through a shared dict
                    if tuple(v) != new[k][0]:
                        raise ValueError(
                            f'resize_topdown: {k}={tuple(v)} in the config, '
                            f'expected the synthetic configs\' {new[k][0]}')
                    obj[k] = new[k][1]
                else:
                    walk(v)
        elif isinstance(obj, (list, tuple)):
            for v in obj:
                walk(v)

    if tuple(input_size) == new['input_size'][0]:
        return
    for key in CFG_PARTS:
        if key in cfg:
            walk(cfg[key])


def scale_to_w32(cfg, kind: str) -> None:
    """The GPU profile's models: HRNet-W32 instead of the small HRNet
    (the top-down input is set to 256x192 by :func:`resize_topdown`),
    full-resolution bottom-up input, and a full-width ResNet-50 for the
    sequential decoder."""

    def walk(obj):
        if isinstance(obj, dict):
            for k in list(obj.keys()):
                v = obj[k]
                if k == 'extra' and isinstance(v, dict) and 'stage4' in v:
                    multiscale = v['stage4'].get('multiscale_output', None)
                    obj[k] = w32_extra()
                    if multiscale is not None:
                        obj[k]['stage4']['multiscale_output'] = multiscale
                else:
                    walk(v)
        elif isinstance(obj, (list, tuple)):
            for v in obj:
                walk(v)

    for key in CFG_PARTS:
        if key in cfg:
            walk(cfg[key])
    head = cfg.model.head
    if cfg.model.backbone.type in ('HRNet', 'HintHRNet', 'MIPHRNet'):
        ch = head.in_channels
        head.in_channels = 32 if isinstance(ch, int) else (32, 64, 128, 256)
    if kind == 'bottomup' and cfg.model.backbone.type == 'ResNet':
        cfg.model.backbone.update(depth=50, stem_channels=64, base_channels=64)
        head.in_channels = (256, 512, 1024, 2048)
        if cfg.model.get('neck') is not None:  # the decoder's fusion neck
            cfg.model.neck.in_channels = head.in_channels


# --------------------------------------------------------------------------
# evaluation helpers
# --------------------------------------------------------------------------
def occlusion_levels(coco: dict) -> Dict[int, float]:
    """Per annotation: the share of its labelled keypoints that are hidden
    (COCO visibility 1)."""
    out = {}
    for a in coco['annotations']:
        v = np.asarray(a['keypoints']).reshape(-1, 3)[:, 2]
        out[a['id']] = float((v == 1).sum() / max((v > 0).sum(), 1))
    return out


def ap_by_occlusion(gt_file: str, res_file: str, work_dir: str) -> dict:
    """COCO AP per occlusion bin: the people outside the bin are ignored
    (``num_keypoints`` 0, so poses on them are neither hits nor false
    positives); bins (lo, hi] with (0, 0] = not occluded."""
    from pycocotools.coco import COCO
    with open(gt_file) as f:
        coco = json.load(f)
    level = occlusion_levels(coco)
    out = {}
    for lo, hi in OCCLUSION_BINS:
        inside = {
            i
            for i, v in level.items() if (v == 0 if hi == 0 else lo < v <= hi)
        }
        anns = [
            dict(
                a,
                num_keypoints=a['num_keypoints'] if a['id'] in inside else 0)
            for a in coco['annotations']
        ]
        path = write_json(
            dict(coco, annotations=anns),
            osp.join(work_dir, f'gt_occl_{lo}_{hi}.json'))
        key = f'{lo}-{hi}'
        out[key] = dict(
            people=len(inside),
            ap=coco_keypoint_ap(COCO(path), res_file) if inside else None)
    return out


def read_curves(run_dir: str) -> dict:
    """Validation AP per epoch, mean training loss per epoch, and the
    training time as iterations x the median seconds per iteration (pauses
    and restarts of the run do not count), from the MMEngine logs of every
    sitting of a run."""
    import glob
    ap, loss, times, last_iter = {}, {}, [], 0
    for path in sorted(
            glob.glob(osp.join(run_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if 'coco/AP' in rec:
                    ap[int(rec['step'])] = rec['coco/AP']
                elif 'loss' in rec and 'epoch' in rec:
                    loss.setdefault(int(rec['epoch']), []).append(rec['loss'])
                    if 'time' in rec:
                        times.append(rec['time'])
                    last_iter = max(last_iter, int(rec.get('iter', 0)))
    return dict(
        ap=sorted(ap.items()),
        loss=sorted((e, float(np.mean(v))) for e, v in loss.items()),
        train_compute_s=float(np.median(times) * last_iter) if times else None)


def sigmas() -> np.ndarray:
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    meta = parse_pose_metainfo(
        dict(from_file='configs/_base_/datasets/coco.py'))
    return np.asarray(meta['sigmas'], np.float64)


def run_poses(bench: Bench,
              row: str,
              ckpt: str,
              ann_file: str,
              edit_pipeline=None,
              img_dir: Optional[str] = None) -> Dict[int, np.ndarray]:
    """Every pose a top-down model gives for each box of ``ann_file``
    (ground-truth boxes), its images in ``img_dir`` (default the
    validation images): {annotation id: (N, K, 2)}."""
    import torch
    from mmengine.dataset import pseudo_collate
    from mmpose.apis import init_model
    from mmpose.registry import DATASETS
    _, _, cfg_path, kind, _ = ROWS[row]
    cfg = load_cfg(cfg_path, bench.cfg_edit(kind, row))
    ds_cfg = cfg.test_dataloader.dataset
    ds_cfg.update(
        data_root=bench.data_root,
        ann_file=ann_file,
        bbox_file=None,
        data_prefix=dict(
            img=osp.relpath(img_dir or bench.img_dir, bench.data_root) + '/'))
    if edit_pipeline is not None:
        ds_cfg.pipeline = edit_pipeline([dict(t) for t in ds_cfg.pipeline])
    dataset = DATASETS.build(ds_cfg)
    model = init_model(cfg, ckpt, device=bench.device)
    out = {}
    with torch.no_grad():
        for start in range(0, len(dataset), 32):
            batch = pseudo_collate([
                dataset[i] for i in range(start, min(start + 32, len(dataset)))
            ])
            for sample in model.test_step(batch):
                out[sample.metainfo['id']] = np.asarray(
                    sample.pred_instances.keypoints)
    return out


def pair_annotations(bench: Bench, pairs) -> str:
    """A COCO file holding the people of the overlapping pairs (the boxes
    the mechanism measures run on)."""
    with open(bench.val_ann) as f:
        coco = json.load(f)
    ids = {a['id'] for pair in pairs for a in pair}
    coco['annotations'] = [a for a in coco['annotations'] if a['id'] in ids]
    return write_json(coco, osp.join(bench.work_dir, 'pair_gt.json'))


def directed_pairs(pairs):
    """(own, other) for both boxes of every pair."""
    return [(a, b) for a, b in pairs] + [(b, a) for a, b in pairs]


# --------------------------------------------------------------------------
# the evaluations of one run
# --------------------------------------------------------------------------
def topdown_aps(bench: Bench,
                row: str,
                seed: int,
                ckpt: str,
                ctx: dict,
                cue: Optional[str] = None) -> dict:
    """AP all / crowded (GT boxes), crowded with the occluded people's boxes
    removed, and AP by occlusion level. ``cue``: HintPose's test-time cue
    source ('bottomup', 'centre' or 'gt')."""
    from pycocotools.coco import COCO
    _, _, cfg_path, kind, _ = ROWS[row]
    run_dir = bench.run_dir(row, seed)
    tag = f'_{cue}' if cue else ''

    def edit(bbox: bool):
        if cue is None:
            return None
        cue_file = ctx['cue_files']['front' if bbox else 'all'] \
            if cue == 'bottomup' else None
        return hint_pipeline(cue, cue_file)

    def run_all():
        prefix = osp.join(run_dir, f'results_all{tag}')
        m = evaluate(
            cfg_path,
            ckpt,
            bench.data_root,
            bench.val_ann,
            None,
            osp.join(run_dir, 'eval'),
            edit_pipeline=edit(False),
            cfg_edit=bench.cfg_edit(kind, row),
            autocast=bench.autocast,
            outfile_prefix=prefix)
        res = prefix + '.keypoints.json'
        gt = COCO(bench.val_ann)
        return dict(
            all=m['coco/AP'],
            crowded=coco_keypoint_ap(gt, res, ctx['crowded_ids']),
            by_occlusion=ap_by_occlusion(bench.val_ann, res, run_dir))

    out = dict(bench.cached(run_dir, f'ap{tag}', run_all))
    if cue in (None, 'bottomup'):
        out['crowded_front'] = bench.cached(
            run_dir, f'ap_front{tag}', lambda: evaluate(
                cfg_path,
                ckpt,
                bench.data_root,
                ctx['crowded_gt'],
                ctx['front_boxes'],
                osp.join(run_dir, 'eval'),
                edit_pipeline=edit(True),
                cfg_edit=bench.cfg_edit(kind, row),
                autocast=bench.autocast)['coco/AP'])
    return out


def hint_pipeline(mode: str, cue_file: Optional[str]):
    """HintPose's test pipeline with cues from ``mode``."""
    from hintpose_evidence import cue_pipeline
    return cue_pipeline(mode, cue_file)


def recall_on_pairs(bench: Bench, row: str, seed: int, ckpt: str,
                    ctx: dict) -> dict:
    """``instance_recall`` rates over the boxes of the overlapping pairs
    (HintPose rows with their bottom-up cues)."""
    from mmpose_occlusion.evaluation import instance_recall, rates

    def fn():
        edit = hint_pipeline('bottomup', ctx['cue_files']['all']) \
            if row in HINT_ROWS else None
        poses = run_poses(bench, row, ckpt, ctx['pair_gt'], edit)
        return rates(
            instance_recall(poses[own['id']], own, other, ctx['sigmas'])
            for own, other in directed_pairs(ctx['pairs']))

    return bench.cached(bench.run_dir(row, seed), 'instance_recall', fn)


def cue_switching(bench: Bench,
                  row: str,
                  seed: int,
                  ckpt: str,
                  ctx: dict,
                  split: str = 'val') -> dict:
    """``cue_switch`` rates: each pair box run with a cue on its own person
    and one on the other (each person's labelled joint nearest its centroid
    inside the box). The stock model takes no cue: its one pose is scored
    for both. A person in several pairs is scored once, with its first.
    ``ctx['pairs']`` are pairs of the ``split``'s images; another split
    than the validation one is cached in the run's
    ``<split>_pairs<number of pairs>/``."""
    from hintpose_evidence import nearest_centroid_joint

    from mmpose_occlusion.evaluation import cue_switch, rates
    run_dir = bench.run_dir(row, seed)
    ann_file, img_dir = bench.val_ann, bench.img_dir
    if split != 'val':
        run_dir = osp.join(run_dir, f'{split}_pairs{len(ctx["pairs"])}')
        os.makedirs(run_dir, exist_ok=True)
        ann_file = osp.join(bench.data_root,
                            f'annotations/person_keypoints_{split}.json')
        img_dir = osp.join(bench.data_root, split)

    def fn():
        boxes, cues = {}, {}
        for own, other in directed_pairs(ctx['pairs']):
            pa = nearest_centroid_joint(own, own['bbox'])
            pb = nearest_centroid_joint(other, own['bbox'])
            if own['id'] in boxes or pa is None or pb is None:
                continue
            boxes[own['id']] = (own, other)
            cues[str(own['id'])] = [pa.tolist(), pb.tolist()]
        cue_file = write_json(cues, osp.join(run_dir, 'switch_cues.json'))
        with open(ann_file) as f:
            coco = json.load(f)
        coco['annotations'] = [own for own, _ in boxes.values()]
        ann = write_json(coco, osp.join(run_dir, 'switch_gt.json'))
        edit = hint_pipeline('bottomup', cue_file) if row in HINT_ROWS \
            else None
        poses = run_poses(bench, row, ckpt, ann, edit, img_dir)
        flags = []
        for own, other in boxes.values():
            p = poses[own['id']]
            if row not in HINT_ROWS:
                p = np.repeat(p[:1], 2, axis=0)
            flags.append(cue_switch(p[0], p[1], own, other, ctx['sigmas']))
        return rates(flags)

    return bench.cached(run_dir, 'cue_switch', fn)


def bottomup_results(bench: Bench, row: str, seed: int, ckpt: str,
                     ctx: dict) -> dict:
    """A bottom-up model on whole validation images: AP all / crowded / by
    occlusion / by people per image, and people emitted per image. The
    sequential decoder is decoded both ways (steps; steps x parts)."""
    from mmpose.apis import init_model
    from seqdecoder_evidence import ap_by_people, predict_all, true_counts

    from mmpose_occlusion.evaluation import count_confusion
    _, _, cfg_path, kind, _ = ROWS[row]
    run_dir = bench.run_dir(row, seed)
    decodings = {'steps': False, 'steps_x_parts': True} \
        if row == 'seqdecoder' else {'': None}

    def fn():
        cfg = load_cfg(cfg_path, bench.cfg_edit(kind, row))
        model = init_model(cfg, ckpt, device=bench.device)
        out = {}
        for name, locate in decodings.items():
            gt, results, counts = predict_all(model, bench.val_ann,
                                              bench.img_dir, locate)
            res_file = write_json(
                results, osp.join(run_dir, f'results_{name or "all"}.json'))
            truth = true_counts(gt)
            ids = sorted(truth)
            entry = dict(
                all=coco_keypoint_ap(gt, res_file) if results else 0.0,
                crowded=coco_keypoint_ap(gt, res_file, ctx['crowded_ids'])
                if results else 0.0,
                by_occlusion=ap_by_occlusion(bench.val_ann, res_file, run_dir)
                if results else {},
                by_people={
                    n: v[0]
                    for n, v in ap_by_people(gt, res_file).items()
                } if results else {},
                counts=count_confusion([truth[i] for i in ids],
                                       [counts[i] for i in ids]))
            out[name or 'default'] = entry
        return out

    return bench.cached(run_dir, 'bottomup', fn)


# --------------------------------------------------------------------------
# DetPoseNet's proposal stage
# --------------------------------------------------------------------------
# simulation seeds pooled by the filter's layout figures: the real layouts
# are small (one person of COCO-mini val is 1.5 % of one seed's recall);
# --quick pools 2
FILTER_SEEDS = tuple(range(20))


def filter_seeds(bench: Bench) -> tuple:
    return FILTER_SEEDS[:2] if bench.args.quick else FILTER_SEEDS


def layout_row(bench: Bench, path: str, pose_fn=None) -> dict:
    """Box NMS (its best IoU threshold), the coarse-pose filter (default)
    and Algorithm 1 as published on one layout: simulated detections of the
    pooled ``filter_seeds``, coarse poses simulated or ``pose_fn``'s."""
    import benchmark_proposal_filter as bpf
    seeds = filter_seeds(bench)
    data = [
        d for seed in seeds for d in bpf.layouts(path, seed, pose_fn=pose_fn)
    ]
    people, boxes_in, rows, _ = bpf.evaluate(path, data, repeats=0)
    table = {
        label: dict(runs=runs, recall=rec)
        for label, runs, rec, _ in rows
    }
    best = bpf.best_nms(rows)[0]
    filt = table[bpf.DEFAULT_LABEL]
    alg1 = table[bpf.ALGORITHM1]
    return dict(
        images=len(data),
        people=people,
        boxes=boxes_in,
        seeds=len(seeds),
        filter_recall=filt['recall'],
        filter_runs_per_person=filt['runs'],
        algorithm1_recall=alg1['recall'],
        algorithm1_runs_per_person=alg1['runs'],
        best_nms=best,
        best_nms_recall=table[best]['recall'],
        best_nms_runs_per_person=table[best]['runs'])


def filter_layouts(bench: Bench, ae_poses=None) -> dict:
    """``layout_row`` on the synthetic validation set and the real layouts
    with simulated coarse poses; on the synthetic set also with the AE
    model's poses (``ae_poses``: image file name -> (keypoints,
    scores)). ``people``: person instances over the pooled seeds."""
    import benchmark_proposal_filter as bpf
    files = {'synthetic': bench.val_ann}
    for name, path in (('coco_mini_val', bpf.REAL_FILES[0]),
                       ('coco_mini_train', bpf.REAL_FILES[1]),
                       ('ochuman', bpf.REAL_FILES[2]), ('crowdpose',
                                                        bpf.REAL_FILES[3])):
        real = osp.join(bench.args.real_root, osp.relpath(path, bpf.REAL))
        if osp.isfile(real):
            files[name] = real
    out = {}
    for name, path in files.items():
        out[f'{name}, simulated poses'] = layout_row(bench, path)
        if name == 'synthetic' and ae_poses is not None:
            out[f'{name}, AE poses'] = layout_row(bench, path, ae_poses)
    return out


def seqdec_filter(bench: Bench) -> dict:
    """DetPoseNet's coarse-pose filter fed by the sequential decoder's
    people (seed 0, steps x parts decoding, as ``bottomup_results`` wrote
    them): ``layout_row`` on the synthetic set, and the chain with the
    DetPoseNet refinement (seed 0) on the validation images."""
    import mmcv
    from detposenet_evidence import CachedPoses, _key, run_chain

    from mmpose_occlusion.proposals import CoarsePoseFilter
    run_dir = bench.run_dir('seqdecoder', 0)

    def fn():
        results = _read_json(
            osp.join(run_dir, 'results_steps_x_parts.json'), [])
        k = 17  # the synthetic scenes' COCO keypoints
        by_id = {}
        for r in results:
            by_id.setdefault(r['image_id'], []).append(
                np.asarray(r['keypoints'], np.float32).reshape(k, 3))
        poses = {}
        for info in _read_json(bench.val_ann, {})['images']:
            people = by_id.get(info['id'], [])
            arr = np.stack(people) if people else np.zeros(
                (0, k, 3), np.float32)
            poses[info['file_name']] = (arr[..., :2], arr[..., 2])
        out = dict(layout=layout_row(bench, bench.val_ann, poses.get))
        source = CachedPoses(None)
        for name, p in poses.items():
            source.cache[_key(mmcv.imread(osp.join(bench.img_dir, name)))] = p
        _, _, cfg_path, kind, _ = ROWS['detposenet']
        ap, runs = run_chain(
            cfg_path,
            bench.train('detposenet', 0),
            CoarsePoseFilter(pose_source=source),
            bench.val_ann,
            bench.img_dir,
            osp.join(run_dir, 'chain_filter_seqdec.json'),
            cfg_edit=bench.cfg_edit(kind, 'detposenet'),
            device=bench.device)
        out['chain'] = dict(ap=ap, runs_per_person=runs)
        return out

    return bench.cached(run_dir, 'filter_seqdec', fn)


def chain_aps(bench: Bench, row: str, seed: int, ckpt: str, ctx: dict) -> dict:
    """The crowd chain on the validation images (simulated detections):
    COCO AP and pose runs per person with box NMS and with the coarse-pose
    filter on the AE model's poses."""
    from detposenet_evidence import run_chain

    from mmpose_occlusion.proposals import BoxNMS, CoarsePoseFilter
    _, _, cfg_path, kind, _ = ROWS[row]
    run_dir = bench.run_dir(row, seed)
    out = {}
    for stage in ('nms', 'filter'):

        def fn(stage=stage):
            proposal = BoxNMS(0.5) if stage == 'nms' else CoarsePoseFilter(
                pose_source=ctx['ae_pose_source']())
            ap, runs = run_chain(
                cfg_path,
                ckpt,
                proposal,
                bench.val_ann,
                bench.img_dir,
                osp.join(run_dir, f'chain_{stage}.json'),
                cfg_edit=bench.cfg_edit(kind, row),
                device=bench.device)
            return dict(ap=ap, runs_per_person=runs)

        out[stage] = bench.cached(run_dir, f'chain_{stage}', fn)
    return out


def decay_effect(bench: Bench, row: str, seed: int, ckpt: str) -> dict:
    """MIPNet's secondary-score decay (``test_cfg.secondary_score_decay``):
    COCO AP with the official 0.5 and without (1.0), on ground-truth boxes
    and through the crowd chain on simulated detections (box NMS 0.5)."""
    from detposenet_evidence import run_chain

    from mmpose_occlusion.proposals import BoxNMS
    _, _, cfg_path, kind, _ = ROWS[row]
    run_dir = bench.run_dir(row, seed)
    out = {}
    for decay in (0.5, 1.0):

        def edit(cfg, decay=decay):
            bench.cfg_edit(kind, row)(cfg)
            cfg.model.test_cfg.secondary_score_decay = decay

        gt = bench.cached(
            run_dir,
            f'decay_{decay}_gt',
            lambda edit=edit: (evaluate(
                cfg_path,
                ckpt,
                bench.data_root,
                bench.val_ann,
                None,
                osp.join(run_dir, 'eval'),
                cfg_edit=edit,
                autocast=bench.autocast)['coco/AP']))
        det = bench.cached(
            run_dir,
            f'decay_{decay}_detections',
            lambda edit=edit, d=decay: run_chain(
                cfg_path,
                ckpt,
                BoxNMS(0.5),
                bench.val_ann,
                bench.img_dir,
                osp.join(run_dir, f'chain_decay_{d}.json'),
                cfg_edit=edit,
                device=bench.device)[0])
        out[str(decay)] = dict(gt_boxes=gt, detections=det)
    return out


# --------------------------------------------------------------------------
# cost
# --------------------------------------------------------------------------
def cost(bench: Bench) -> dict:
    """Parameters and forward latency (eval mode, no flip, batch 8 boxes
    for top-down models, one whole image for bottom-up ones; networks only,
    no decoding or grouping; the sequential decoder runs mean people + 1
    steps), timed side by side; ratios against the stock model (for
    bottom-up models: against the stock model on the mean number of people
    per image, one box each)."""
    import torch
    from evidence_common import count_params, interleaved_median_ms
    device = bench.device
    with open(bench.val_ann) as f:
        coco = json.load(f)
    people = len(coco['annotations']) / max(len(coco['images']), 1)
    models, inputs = {}, {}
    for row, (_, _, cfg_path, kind, _) in ROWS.items():
        if row in FINETUNE or row == 'detposenet_nomask':
            continue  # the same network as its row
        cfg = load_cfg(cfg_path, bench.cfg_edit(kind))
        w, h = cfg.codec['input_size']
        model = build_model_from_cfg(cfg, device)
        models[row] = model
        inputs[row] = torch.randn(
            8 if kind == 'topdown' else 1, 3, h, w, device=device)
    # the sequential decoder runs one step per person and a stop step
    steps = int(np.ceil(people)) + 1
    fns = {
        row: (lambda m=m, x=inputs[row]: m(x, None, mode='tensor'))
        for row, m in models.items()
    }
    fns['seqdecoder'] = (lambda m=models['seqdecoder'], x=inputs['seqdecoder']:
                         m.head(m.extract_feat(x), steps))
    t = interleaved_median_ms(
        fns, repeats=1 if bench.args.quick else 5, cuda=device == 'cuda')
    p0, t0 = count_params(models['stock']), t['stock']
    out = dict(people_per_image=people, batch_topdown=8)
    for row, model in models.items():
        kind = ROWS[row][3]
        ref = t0 if kind == 'topdown' else t0 / 8 * people
        out[row] = dict(
            params=count_params(model),
            params_ratio=count_params(model) / p0,
            latency_ms=t[row],
            latency_ratio=t[row] / ref)
    return out


def check_checkpoint(cfg_path: str, ckpt: str, cfg_edit: Callable,
                     run_dir: str) -> None:
    """Refuse a finished run whose checkpoint holds another network than
    the config builds now (the code changed since it was trained): its
    evaluation would load half the weights with a warning."""
    from mmengine.runner import CheckpointLoader
    model = build_model_from_cfg(load_cfg(cfg_path, cfg_edit), 'cpu')
    state = CheckpointLoader.load_checkpoint(ckpt, map_location='cpu')
    state = state.get('state_dict', state)
    own = model.state_dict()
    shapes = [
        k for k in own
        if k in state and tuple(state[k].shape) != tuple(own[k].shape)
    ]
    if shapes:
        missing = sorted(set(own) - set(state))
        unexpected = sorted(set(state) - set(own))
    else:  # the modules' own loading rules (e.g. MIMB's optional gain)
        result = model.load_state_dict(state, strict=False)
        missing = sorted(result.missing_keys)
        unexpected = sorted(result.unexpected_keys)
    if missing or unexpected or shapes:
        example = (missing or unexpected or shapes)[0]
        raise SystemExit(
            f'crowd_benchmark: {ckpt} holds another network than '
            f'{cfg_path} builds now ({len(missing)} tensors missing, '
            f'{len(unexpected)} unexpected, {len(shapes)} of another shape, '
            f'e.g. {example}): the code changed since it was trained. Move '
            f'{run_dir} aside and run again to train it anew.')


def build_model_from_cfg(cfg, device):
    """The model of a loaded config, in eval mode, without pretrained
    weights."""
    from mmpose.registry import MODELS
    cfg.model.pop('init_cfg', None)
    cfg.model.backbone.pop('init_cfg', None)
    model = MODELS.build(cfg.model).to(device)
    return model.eval()


# --------------------------------------------------------------------------
# the shared context: crowded subset, pairs, cues and poses of the AE model
# --------------------------------------------------------------------------
def ensure_benchmark_data(bench: Bench) -> None:
    from mmpose_occlusion.datasets.synthetic import SceneConfig
    scene = SceneConfig(min_people=2, max_people=4, overlap=0.7) \
        if bench.args.quick else None
    ensure_data(
        bench.data_root,
        bench.profile['num_train'],
        bench.profile['num_val'],
        scene=scene,
        progress=not bench.args.quick)


def make_context(bench: Bench) -> dict:
    subset, _, front_boxes, pairs = crowded_subset(bench.val_ann, 0.5)
    ctx = dict(
        sigmas=sigmas(),
        pairs=pairs,
        crowded_ids=[i['id'] for i in subset['images']],
        crowded_gt=write_json(subset,
                              osp.join(bench.work_dir, 'crowded_gt.json')),
        front_boxes=write_json(
            front_boxes, osp.join(bench.work_dir, 'crowded_front_boxes.json')),
        people=len(subset['annotations']),
        crowded_images=len(subset['images']))
    ctx['pair_gt'] = pair_annotations(bench, pairs)
    return ctx


def ae_context(bench: Bench, ctx: dict) -> None:
    """The AE model's cue files (for HintPose, on the ground-truth boxes
    and on the front boxes) and its cached poses (for the filter)."""
    if 'cue_files' in ctx:
        return
    from detposenet_evidence import CachedPoses

    from mmpose_occlusion.apis import (BottomupCueSource, BottomupPoseSource,
                                       write_cue_file)
    _, _, cfg_path, kind, _ = ROWS['bottomup_ae']
    ckpt = bench.train('bottomup_ae', 0)
    cfg = load_cfg(cfg_path, bench.cfg_edit(kind))
    run_dir = bench.run_dir('bottomup_ae', 0)
    # one cue per person the AE model found (BottomupCueSource's default)
    source = BottomupCueSource.from_config(
        cfg,
        ckpt,
        device=bench.device,
        mode='poses',
        threshold=0.1,
        max_per_box=3)

    def cue_fn(image, boxes):
        return source(osp.join(bench.img_dir, image['file_name']), boxes)[0]

    files = {}
    for name, bbox in (('all', None), ('front', ctx['front_boxes'])):
        path = osp.join(run_dir, f'cues_{source.mode}_{name}.json')
        if not osp.isfile(path):
            write_cue_file(
                cue_fn,
                bench.val_ann if bbox is None else ctx['crowded_gt'],
                path,
                bbox_file=bbox)
        files[name] = path
    ctx['cue_files'] = files
    poses = CachedPoses(BottomupPoseSource(source.model))
    ctx['ae_pose_source'] = lambda: poses

    def pose_fn(file_name):
        import mmcv
        return poses(mmcv.imread(osp.join(bench.img_dir, file_name)))

    ctx['ae_pose_fn'] = pose_fn


# --------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------
def agg(values) -> Optional[dict]:
    """Mean, spread (max - min) and the runs of per-seed values."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return dict(
        mean=float(np.mean(values)),
        spread=float(np.max(values) - np.min(values)),
        runs=[float(v) for v in values])


def agg_tree(per_seed: List[dict]) -> dict:
    """``agg`` at every numeric leaf of identically shaped dicts."""
    first = per_seed[0]
    out = {}
    for k, v in first.items():
        if isinstance(v, dict):
            out[k] = agg_tree([d[k] for d in per_seed])
        elif k == 'n':  # a count of boxes, the same for every seed
            out[k] = v
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out[k] = agg([d[k] for d in per_seed])
        else:
            out[k] = v
    return out


def row_base(bench: Bench,
             row: str,
             seeds: List[int],
             epochs: Optional[int] = None) -> dict:
    section, label, cfg_path, kind, _ = ROWS[row]
    timing = [
        _read_json(osp.join(bench.run_dir(row, s, epochs), 'timing.json'), {})
        for s in seeds
    ]
    curves = {
        str(s): read_curves(bench.run_dir(row, s, epochs))
        for s in seeds
    }
    return dict(
        label=label,
        config=cfg_path,
        kind=kind,
        seeds=seeds,
        epochs=epochs or bench.row_epochs(row),
        curves=curves,
        train_compute_s=[c['train_compute_s'] or 0.0 for c in curves.values()],
        train_s=[t.get('train_s', 0.0) for t in timing],
        eval_s=[t.get('eval_s', 0.0) for t in timing])


def topdown_row(bench: Bench,
                row: str,
                ctx: dict,
                cue=None,
                switch: bool = False) -> dict:
    seeds = bench.seeds(row)
    ckpts = [bench.train(row, s) for s in seeds]
    out = row_base(bench, row, seeds)
    out['ap'] = agg_tree([
        topdown_aps(bench, row, s, c, ctx, cue) for s, c in zip(seeds, ckpts)
    ])
    out['instance_recall'] = agg_tree(
        [recall_on_pairs(bench, row, s, c, ctx) for s, c in zip(seeds, ckpts)])
    if switch:
        out['cue_switch'] = agg_tree([
            cue_switching(bench, row, s, c, ctx) for s, c in zip(seeds, ckpts)
        ])
    return out


def budget_epochs(bench: Bench) -> List[int]:
    """The stock model's other budgets: half and twice the benchmark's."""
    half = bench.epochs // 2
    return ([half] if 0 < half < bench.epochs else []) + [2 * bench.epochs]


def section_stock(bench: Bench, ctx: dict) -> dict:
    # seed 0, then the budget check, then seed 1: whether the budget has
    # converged is known as early as it can be
    bench.train('stock', 0)
    check = not bench.args.no_budget_check
    for epochs in budget_epochs(bench) if check else []:
        bench.train('stock', 0, epochs)
    out = dict(rows=dict(stock=topdown_row(bench, 'stock', ctx, switch=True)))
    if not check:
        return out
    base = out['rows']['stock']['ap']['all']
    runs = {}
    for epochs in budget_epochs(bench):
        ckpt = bench.train('stock', 0, epochs)
        run_dir = bench.run_dir('stock', 0, epochs)
        ap = bench.cached(
            run_dir, 'ap_all', lambda: evaluate(
                TD,
                ckpt,
                bench.data_root,
                bench.val_ann,
                None,
                osp.join(run_dir, 'eval'),
                cfg_edit=bench.cfg_edit('topdown'),
                autocast=bench.autocast)['coco/AP'])
        runs[str(epochs)] = dict(
            row_base(bench, 'stock', [0], epochs), ap_all=ap)
    gain = runs[str(2 * bench.epochs)]['ap_all'] - base['mean']
    out['budget_check'] = dict(
        epochs=bench.epochs,
        ap_all_at_budget=base,
        runs=runs,
        gain=gain,
        converged=bool(abs(gain) <= max(base['spread'], 0.005)))
    return out


def section_mipnet(bench: Bench, ctx: dict, results: dict) -> dict:
    row = topdown_row(bench, 'mipnet', ctx)
    stock = results.get('stock', {}).get('rows', {}).get('stock')
    if stock is None:  # the stock section was not run: measure it here
        stock = topdown_row(bench, 'stock', ctx)
    rec, srec = row['instance_recall'], stock['instance_recall']
    rows = dict(mipnet=row)
    for name in ('mipnet_ft_neutral', 'mipnet_ft_official'):
        rows[name] = topdown_row(bench, name, ctx)
    decay = decay_effect(bench, 'mipnet', 0, bench.train('mipnet', 0))
    return dict(
        rows=rows,
        secondary_score_decay=decay,
        own_recall=rec['own'],
        other_recall=rec['other'],
        both_recall=rec['both'],
        stock_own_recall=srec['own'],
        stock_other_recall=srec['other'],
        boxes=rec['n'])


def section_hintpose(bench: Bench, ctx: dict, results: dict) -> dict:
    ae_context(bench, ctx)
    rows = {}
    for row in ('hintpose_3hop', 'hintpose_1hop'):
        r = topdown_row(bench, row, ctx, cue='bottomup', switch=True)
        seeds = bench.seeds(row)
        ckpts = [bench.train(row, s) for s in seeds]
        r['ap_cues'] = {
            cue:
            agg_tree([
                topdown_aps(bench, row, s, c, ctx, cue)
                for s, c in zip(seeds, ckpts)
            ])
            for cue in ('centre', 'gt')
        }
        r['ap_cues']['bottomup'] = r['ap']
        rows[row] = r
    out = dict(rows=rows)
    for hops, row in (('1hop', 'hintpose_1hop'), ('3hop', 'hintpose_3hop')):
        sw = rows[row]['cue_switch']
        out[f'cue_switch_{hops}'] = sw['switch']
        out[f'own_followed_{hops}'] = sw['own']
        out[f'both_followed_{hops}'] = sw['both']
    stock = results.get('stock', {}).get('rows', {}).get('stock', {})
    if 'cue_switch' in stock:
        out['stock_cue_switch'] = stock['cue_switch']['switch']
    out['boxes'] = rows['hintpose_3hop']['cue_switch']['n']
    # AP of every hop of the 3-hop model (seed 0, ground-truth cues), with
    # the BatchNorm statistics as trained and re-estimated per hop
    from hintpose_hops import measure
    ckpt = bench.train('hintpose_3hop', 0)
    run_dir = bench.run_dir('hintpose_3hop', 0)
    out['hops'] = bench.cached(
        run_dir, 'hops',
        lambda: measure(ROWS['hintpose_3hop'][2], ckpt, bench.data_root,
                        bench.cfg_edit('topdown'), 'gt', 2 if bench.args.quick
                        else 50, osp.join(run_dir, 'hops'), bench.autocast))
    return out


def section_detposenet(bench: Bench, ctx: dict) -> dict:
    ae_context(bench, ctx)
    row = topdown_row(bench, 'detposenet', ctx)
    seeds = bench.seeds('detposenet')
    ckpts = [bench.train('detposenet', s) for s in seeds]
    row['chain'] = agg_tree([
        chain_aps(bench, 'detposenet', s, c, ctx)
        for s, c in zip(seeds, ckpts)
    ])
    layouts = bench.cached(
        bench.run_dir('bottomup_ae', 0), 'filter_layouts',
        lambda: filter_layouts(bench, ctx['ae_pose_fn']))
    rows = dict(detposenet=row)
    for name in ('detposenet_nomask', 'detposenet_mask_ft'):
        rows[name] = topdown_row(bench, name, ctx)
    return dict(
        rows=rows,
        layouts=layouts,
        filter_recall={
            k: v['filter_recall']
            for k, v in layouts.items()
        },
        best_nms_recall={
            k: v['best_nms_recall']
            for k, v in layouts.items()
        },
        filter_runs_per_person={
            k: v['filter_runs_per_person']
            for k, v in layouts.items()
        },
        chain_ap={
            k: v['ap']
            for k, v in row['chain'].items()
        })


def bottomup_row(bench: Bench, row: str, ctx: dict) -> dict:
    seeds = bench.seeds(row)
    ckpts = [bench.train(row, s) for s in seeds]
    out = row_base(bench, row, seeds)
    per_seed = [
        bottomup_results(bench, row, s, c, ctx) for s, c in zip(seeds, ckpts)
    ]
    out['decodings'] = {
        name:
        agg_tree([{
            k: v
            for k, v in r[name].items() if k != 'counts'
        } for r in per_seed])
        for name in per_seed[0]
    }
    out['counts'] = {
        name:
        dict(
            exact=agg([r[name]['counts']['exact'] for r in per_seed]),
            within_one=agg([r[name]['counts']['within_one']
                            for r in per_seed]),
            confusion=[r[name]['counts']['confusion'] for r in per_seed])
        for name in per_seed[0]
    }
    main = 'steps_x_parts' if row == 'seqdecoder' else 'default'
    out['ap'] = {
        k: v
        for k, v in out['decodings'][main].items()
        if k in ('all', 'crowded', 'by_occlusion')
    }
    out['main_decoding'] = main
    return out


def section_seqdecoder(bench: Bench, ctx: dict) -> dict:
    row = bottomup_row(bench, 'seqdecoder', ctx)
    return dict(
        rows=dict(seqdecoder=row),
        filter=seqdec_filter(bench),
        exact_count_rate={
            k: v['exact']
            for k, v in row['counts'].items()
        },
        ap_by_people={
            k: v['by_people']
            for k, v in row['decodings'].items()
        })


def section_bottomup_ae(bench: Bench, ctx: dict) -> dict:
    row = bottomup_row(bench, 'bottomup_ae', ctx)
    return dict(
        rows=dict(bottomup_ae=row),
        ap_by_people=row['decodings']['default']['by_people'])


def _merge_from_disk(bench: Bench, results: dict, done: set) -> None:
    """With ``--only``, take the sections that another process wrote to
    the results file since this one read it (all but ``done``, this
    process's own)."""
    if bench.args.only:
        for key, sec in _read_json(bench.results_file, {}).items():
            if key not in done:
                results[key] = sec


def run_sections(bench: Bench, sections, results: dict) -> dict:
    ensure_benchmark_data(bench)
    ctx = make_context(bench)
    results['data'] = dict(
        root=osp.relpath(bench.data_root, ROOT),
        train_images=bench.profile['num_train'],
        val_images=bench.profile['num_val'],
        crowded_images=ctx['crowded_images'],
        crowded_people=ctx['people'],
        pairs=len(ctx['pairs']))
    order = [
        'stock', 'bottomup_ae', 'mipnet', 'hintpose', 'detposenet',
        'seqdecoder', 'cost'
    ]
    done = {'meta', 'data'}  # what this process has written
    for name in order:
        if name not in sections:
            continue
        _merge_from_disk(bench, results, done)
        t0 = time.time()
        print(f'\n[benchmark] section {name}', flush=True)
        if name == 'stock':
            sec = section_stock(bench, ctx)
        elif name == 'mipnet':
            sec = section_mipnet(bench, ctx, results)
        elif name == 'hintpose':
            sec = section_hintpose(bench, ctx, results)
        elif name == 'detposenet':
            sec = section_detposenet(bench, ctx)
        elif name == 'seqdecoder':
            sec = section_seqdecoder(bench, ctx)
        elif name == 'bottomup_ae':
            sec = section_bottomup_ae(bench, ctx)
        else:
            sec = cost(bench)
        sec['measured'] = dict(
            date=time.strftime('%Y-%m-%d'),
            epochs=bench.epochs,
            profile=bench.profile_name,
            scale=bench.profile['scale'],
            autocast=bench.autocast,
            section_wall_s=time.time() - t0)
        results[name] = _jsonable(sec)
        done.add(name)
        _merge_from_disk(bench, results, done)
        # written after every section: an interrupted run keeps the others
        write_json(results, bench.results_file, indent=1)
    return results


# --------------------------------------------------------------------------
# report and plots
# --------------------------------------------------------------------------
def fmt(a, scale=100.0, digits=1) -> str:
    """'mean ±half-spread' of an ``agg`` (a plain number as it is)."""
    if a is None:
        return '-'
    if isinstance(a, (int, float)):
        return f'{scale * a:.{digits}f}'
    if len(a['runs']) == 1:
        return f'{scale * a["mean"]:.{digits}f}'
    half = scale * a['spread'] / 2
    return f'{scale * a["mean"]:.{digits}f} ±{half:.{digits}f}'


def verdict(row: Optional[dict], stock: Optional[dict], floor=0.005) -> str:
    """'better' / 'parity' / 'worse' than stock: the difference of the
    means against the larger seed spread of the two rows (at least
    ``floor`` AP)."""
    if row is None or stock is None:
        return '-'
    noise = max(row['spread'], stock['spread'], floor)
    diff = row['mean'] - stock['mean']
    word = 'better' if diff > noise else 'worse' if diff < -noise else \
        'parity'
    return f'{word} ({100 * diff:+.1f})'


def all_rows(results: dict) -> Dict[str, dict]:
    rows = {}
    for name in SECTIONS:
        rows.update(results.get(name, {}).get('rows', {}))
    return rows


def mechanism_text(name: str, results: dict) -> str:
    mip, hint = results.get('mipnet', {}), results.get('hintpose', {})
    det, seq = results.get('detposenet', {}), results.get('seqdecoder', {})
    if name == 'stock' and 'stock' in results:
        r = results['stock']['rows']['stock']['instance_recall']
        return (f'pair boxes: own {fmt(r["own"])} %, other '
                f'{fmt(r["other"])} %')
    if name == 'mipnet' and mip:
        return (f'pair boxes: own {fmt(mip["own_recall"])} %, other '
                f'{fmt(mip["other_recall"])} % (stock '
                f'{fmt(mip["stock_other_recall"])} %), both '
                f'{fmt(mip["both_recall"])} %')
    if name in HINT_ROWS and hint:
        hops = name.split('_')[1]
        return (f'cue on the other person switches the pose '
                f'{fmt(hint[f"cue_switch_{hops}"])} % (stock '
                f'{fmt(hint.get("stock_cue_switch"))} %); both followed '
                f'{fmt(hint[f"both_followed_{hops}"])} %')
    if name == 'detposenet' and det:
        syn = det['layouts'].get('synthetic, AE poses') or \
            det['layouts'].get('synthetic, simulated poses')
        chain = det['chain_ap']
        return (f'chain AP NMS {fmt(chain["nms"])} / filter '
                f'{fmt(chain["filter"])}; filter recall '
                f'{fmt(syn["filter_recall"])} % vs best NMS '
                f'{fmt(syn["best_nms_recall"])} % (synthetic, AE poses)')
    if name == 'seqdecoder' and seq:
        ex = seq['exact_count_rate']
        steps = seq['rows']['seqdecoder']['decodings']['steps']['all']
        return (f'exact count {fmt(ex["steps_x_parts"])} % of images; AP '
                f'with the paper\'s step-only decoding {fmt(steps)}')
    return ''


def write_report(bench: Bench, results: dict) -> str:
    """The tables between the profile's markers in ``OUT_DIR.md`` (the
    file is created with a title if missing), and the plots."""
    rows = all_rows(results)
    plots = make_plots(bench, results) if rows else {}
    rel = osp.basename(bench.out_dir)
    stock = rows.get('stock')
    meta = results.get('meta', {})
    data = results.get('data', {})
    lines = [
        f'### Results: profile `{bench.profile_name}`',
        '',
        f'Written by `{meta.get("command", "")}` '
        f'({meta.get("date", "")}, {meta.get("device_name", "")}, torch '
        f'{meta.get("torch", "")}, autocast {meta.get("autocast")}). '
        f'Data: {data.get("train_images")} synthetic training images, '
        f'{data.get("val_images")} validation images, '
        f'{data.get("crowded_images")} of them crowded (a pair with box IoU '
        f'>= 0.5; {data.get("crowded_people")} people, '
        f'{data.get("pairs")} pairs). Budget: {meta.get("epochs")} epochs '
        'for every row. Figures are COCO AP x 100 (pycocotools); '
        '"a ±b": mean of the seeds ± half their spread.',
        '',
        'Sections measured: ' +
        (', '.join(f'`{n}` ({results[n]["measured"]["date"]})'
                   for n in SECTIONS if n in results) or 'none') +
        '; not yet: ' +
        (', '.join(f'`{n}`'
                   for n in SECTIONS if n not in results) or 'none') + '.',
        '',
        '| method | seeds | AP all | AP crowded | AP crowded, occluded boxes '
        'removed | crowded vs stock | mechanism | params x | latency x |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ]
    cost_sec = results.get('cost', {})
    for name, r in rows.items():
        ap = r.get('ap', {})
        c = cost_sec.get(name)
        vs = '-' if name == 'stock' else verdict(
            ap.get('crowded'), (stock or {}).get('ap', {}).get('crowded'))
        lines.append(
            f'| {r["label"]} | {len(r["seeds"])} | {fmt(ap.get("all"))} | '
            f'{fmt(ap.get("crowded"))} | {fmt(ap.get("crowded_front"))} | '
            f'{vs} | {mechanism_text(name, results)} | ' +
            (f'{c["params_ratio"]:.2f} | {c["latency_ratio"]:.2f} |'
             if c else '- | - |'))
    lines += [
        '',
        'HintPose rows: cues from the bottom-up model, one per person it '
        'found in the box (ours; the report takes local heatmap peaks). '
        'Sequential decoder: keypoints on steps x parts (ours; '
        'the paper\'s step-only decoding is in its table below). Bottom-up '
        'rows take no boxes: their "AP crowded, occluded boxes removed" does '
        'not apply. "vs stock": the difference of the means against the '
        'larger seed spread of the two rows (at least 0.5 AP): inside it is '
        'parity.',
    ]
    budget = results.get('stock', {}).get('budget_check')
    if budget:
        e = budget['epochs']
        pts = [f'{e} epochs (seeds 0, 1): {fmt(budget["ap_all_at_budget"])}'
               ] + [
                   f'{k} epochs (seed 0): {fmt(r["ap_all"])}'
                   for k, r in sorted(
                       budget['runs'].items(), key=lambda kv: int(kv[0]))
               ]
        lines += [
            '', '#### Budget', '',
            'The stock model\'s AP on all validation images at the budget, '
            'at half of it and at twice it (each run with its own cosine '
            'schedule): ' + '; '.join(pts) + '. Twice the budget gives '
            f'{100 * budget["gain"]:+.1f} AP: ' +
            ('inside the seed spread (or 0.5 AP), so the budget has '
             'converged.' if budget['converged'] else
             'more than the seed spread: the budget has NOT converged.'), '',
            f'![learning curves]({rel}/{osp.basename(plots["curves"])})'
        ]
    mip = results.get('mipnet')
    if mip:
        lines += [
            '',
            '#### MIPNet: the second person of a box',
            '',
            f'{mip["boxes"]} boxes of people whose box overlaps another '
            'person\'s with IoU >= 0.5. A pose finds a person at OKS >= 0.5 '
            'when it fits that person better than the other.',
            '',
            '| model | own person found | other person found | both |',
            '| --- | --- | --- | --- |',
            f'| stock | {fmt(mip["stock_own_recall"])} % | '
            f'{fmt(mip["stock_other_recall"])} % | 0.0 % (one pose) |',
            f'| MIPNet N=2 | {fmt(mip["own_recall"])} % | '
            f'{fmt(mip["other_recall"])} % | {fmt(mip["both_recall"])} % |',
        ]
        decay = mip.get('secondary_score_decay')
        if decay:
            lines += [
                '', 'The official secondary-score decay (the box score of '
                'the pose from λ = 1 times 0.5 before rescoring and '
                'OKS-NMS) against none, seed 0: AP on all validation '
                'images with ground-truth boxes, and through the crowd '
                'chain on simulated detections (box NMS 0.5).', '',
                '| decay | AP, ground-truth boxes | AP, simulated '
                'detections |', '| --- | --- | --- |'
            ] + [
                f'| {d} | {100 * v["gt_boxes"]:.1f} | '
                f'{100 * v["detections"]:.1f} |' for d, v in decay.items()
            ]
    hint = results.get('hintpose')
    if hint:
        lines += [
            '', '#### HintPose: does the cue choose the person?', '',
            f'{hint["boxes"]} pair boxes, each run with a cue on its own '
            'person and with one on the other person.', '',
            '| model | cue on own: follows | cue on other: switches | both |',
            '| --- | --- | --- | --- |'
        ]
        st = rows.get('stock', {}).get('cue_switch')
        if st:
            lines.append(f'| stock (no cue; one pose) | {fmt(st["own"])} % | '
                         f'{fmt(st["switch"])} % | {fmt(st["both"])} % |')
        for row in ('hintpose_1hop', 'hintpose_3hop'):
            sw = hint['rows'][row]['cue_switch']
            lines.append(f'| {rows[row]["label"]} | {fmt(sw["own"])} % | '
                         f'{fmt(sw["switch"])} % | {fmt(sw["both"])} % |')
        lines += [
            '', '| model | cues | AP all | AP crowded |',
            '| --- | --- | --- | --- |'
        ]
        for row in ('hintpose_1hop', 'hintpose_3hop'):
            for cue, name in (('bottomup', 'bottom-up (one per person)'),
                              ('centre', 'box centre'), ('gt',
                                                         'ground truth')):
                a = hint['rows'][row]['ap_cues'][cue]
                lines.append(f'| {rows[row]["label"]} | {name} | '
                             f'{fmt(a["all"])} | {fmt(a["crowded"])} |')
        hops = hint.get('hops')
        if hops:
            n = len(hops['as trained'])
            lines += [
                '', 'AP of every hop of the 3-hop model (seed 0, ground-'
                'truth cues, all validation images), with the BatchNorm '
                'running statistics as trained (shared by the hops) and '
                're-estimated over 50 training batches, shared or per hop '
                '(tools/analysis/hintpose_hops.py):', '', '| statistics | ' +
                ' | '.join(f'hop {h}'
                           for h in range(1, n + 1)) + ' |', '| --- ' *
                (n + 1) + '|'
            ] + [
                f'| {name} | ' + ' | '.join(f'{100 * a:.1f}'
                                            for a in aps) + ' |'
                for name, aps in hops.items()
            ]
    det = results.get('detposenet')
    if det:
        # the seeds the layouts were measured with (results written before
        # the pooling have none: one seed)
        seeds = max(v.get('seeds', 1) for v in det['layouts'].values())
        lines += [
            '', '#### DetPoseNet: the coarse-pose filter against box NMS', '',
            'Simulated detections (jitter 5 %, 80 % duplicated, one '
            'false positive per image, 5 % missed) on each layout; coarse '
            'poses simulated from the annotations, or the AE model\'s; '
            f'{seeds} simulation seeds pooled (people: person instances over '
            'the seeds). Algorithm 1 as published; the '
            'filter\'s default adds our best-box-first order and our rules '
            'for boxes without a pose (docs/detposenet.md).', '',
            '| layout, poses | people | filter recall | Algorithm 1 recall '
            '| best NMS recall (IoU) | filter runs/person | NMS runs/person |',
            '| --- | --- | --- | --- | --- | --- | --- |'
        ]
        layouts = dict(det['layouts'])
        sf = results.get('seqdecoder', {}).get('filter')
        if sf:
            layouts['synthetic, sequential decoder poses'] = sf['layout']
        for k, v in layouts.items():
            alg1 = v.get('algorithm1_recall')
            lines.append(
                f'| {k} | {v["people"]} | {fmt(v["filter_recall"])} % | '
                f'{"-" if alg1 is None else fmt(alg1) + " %"} | '
                f'{fmt(v["best_nms_recall"])} % ({v["best_nms"]}) | '
                f'{v["filter_runs_per_person"]:.2f} | '
                f'{v["best_nms_runs_per_person"]:.2f} |')
        ch = det['rows']['detposenet']['chain']
        lines += [
            '', '| chain (DetPoseNet refinement) | AP | pose runs/person |',
            '| --- | --- | --- |',
            f'| box NMS (IoU 0.5) | {fmt(ch["nms"]["ap"])} | '
            f'{fmt(ch["nms"]["runs_per_person"], 1, 2)} |',
            f'| coarse-pose filter (AE poses) | {fmt(ch["filter"]["ap"])} | '
            f'{fmt(ch["filter"]["runs_per_person"], 1, 2)} |'
        ]
        sf = results.get('seqdecoder', {}).get('filter')
        if sf:
            lines.append(
                '| coarse-pose filter (sequential decoder poses, seed 0 '
                f'of each) | {fmt(sf["chain"]["ap"])} | '
                f'{sf["chain"]["runs_per_person"]:.2f} |')
    seq = results.get('seqdecoder')
    if seq:
        r = seq['rows']['seqdecoder']
        ae = results.get('bottomup_ae', {}).get('ap_by_people')
        ns = sorted(r['decodings']['steps']['by_people'], key=int)
        lines += [
            '', '#### Sequential decoder: one person per step', '',
            'Exact-count rate (people emitted = people annotated): '
            f'{fmt(seq["exact_count_rate"]["steps_x_parts"])} % of the '
            'validation images (within one: '
            f'{fmt(r["counts"]["steps_x_parts"]["within_one"])} %).', '',
            '| decoding | ' + ' | '.join(f'{n} people'
                                         for n in ns) + ' | all |',
            '| --- ' * (len(ns) + 2) + '|'
        ]
        for dec, name in (('steps', 'steps (paper)'),
                          ('steps_x_parts', 'steps x parts (ours)')):
            d = r['decodings'][dec]
            lines.append(f'| {name} | ' +
                         ' | '.join(fmt(d['by_people'].get(n))
                                    for n in ns) + f' | {fmt(d["all"])} |')
        if ae:
            lines.append('| Associative Embedding (reference) | ' +
                         ' | '.join(fmt(ae.get(n)) for n in ns) + ' | ' +
                         fmt(rows['bottomup_ae']['ap']['all']) + ' |')
    bins = [f'{lo}-{hi}' for lo, hi in OCCLUSION_BINS]
    lines += [] if not rows else [
        '', '#### AP by occlusion level', '',
        'Share of a person\'s labelled keypoints hidden by others; the other '
        'people are ignored in each column. Ground-truth boxes.', '',
        '| method | ' + ' | '.join(
            'not occluded' if b == '0.0-0.0' else f'({b.replace("-", ", ")}]'
            for b in bins) + ' |', '| --- ' * (len(bins) + 1) + '|'
    ]
    for name, r in rows.items():
        occ = r.get('ap', {}).get('by_occlusion', {})
        lines.append(f'| {r["label"]} | ' + ' | '.join(
            fmt((occ.get(b) or {}).get('ap')) for b in bins) + ' |')
    if rows:
        lines += [
            '', f'![AP by occlusion]({rel}/'
            f'{osp.basename(plots["occlusion"])})'
        ]
    if cost_sec:
        lines += [
            '', '#### Cost', '',
            'Forward pass in float32, eval mode, no flip: top-down models on '
            '8 boxes, '
            'bottom-up models on one image; ratios against the stock model '
            f'(bottom-up: on {cost_sec["people_per_image"]:.1f} boxes, the '
            'mean people per image). Timed side by side in one run.', '',
            '| model | parameters | x stock | latency (ms) | x stock |',
            '| --- | --- | --- | --- | --- |'
        ]
        for name in ROWS:
            c = cost_sec.get(name)
            if c:
                lines.append(f'| {ROWS[name][1]} | {c["params"] / 1e6:.3f} M '
                             f'| {c["params_ratio"]:.2f} | '
                             f'{c["latency_ms"]:.1f} | '
                             f'{c["latency_ratio"]:.2f} |')
    lines += [] if not rows else [
        '', '#### Time', '',
        'Training: iterations x the median seconds per iteration of the '
        'run\'s log (the in-training validation and pauses not counted); '
        'wall: the training call\'s wall time, validation, checkpoints and '
        'any pause included; evaluation: wall time of the evaluations.', '',
        '| row | seeds | training (min) | training wall (min) | evaluation '
        '(min) |', '| --- | --- | --- | --- | --- |'
    ]
    total = 0.0
    entries = [] if not rows else list(rows.values()) + [
        dict(r, label=f'stock, budget check ({k} epochs)')
        for k, r in (budget or {}).get('runs', {}).items()
    ]
    for r in entries:
        comp = sum(r.get('train_compute_s', [])) / 60
        wall, ev = sum(r['train_s']) / 60, sum(r['eval_s']) / 60
        total += wall + ev
        lines.append(f'| {r["label"]} | {len(r["seeds"])} | {comp:.0f} | '
                     f'{wall:.0f} | {ev:.0f} |')
    if rows:
        lines.append(f'| **all (wall)** | | | | {total:.0f} |')
    return replace_block(bench.out_dir + '.md', bench.profile_name, lines)


def replace_block(path: str, profile: str, lines: List[str]) -> str:
    """Put ``lines`` between ``<!-- benchmark:PROFILE:start -->`` and
    ``...:end -->`` in ``path`` (appended when the markers are missing;
    the rest of the file is kept); written atomically."""
    start = f'<!-- benchmark:{profile}:start -->'
    end = f'<!-- benchmark:{profile}:end -->'
    block = '\n'.join([
        start, '<!-- written by tools/analysis/'
        'crowd_benchmark.py: do not edit by hand -->'
    ] + lines + [end])
    text = ''
    if osp.isfile(path):
        with open(path) as f:
            text = f.read()
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = (text or '# Crowd benchmark\n') + '\n' + block + '\n'
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    with open(path + '.part', 'w') as f:
        f.write(text)
    os.replace(path + '.part', path)
    return path


def make_plots(bench: Bench, results: dict) -> Dict[str, str]:
    """learning_curves[_profile].png (validation AP and training loss per
    epoch) and ap_vs_occlusion[_profile].png, next to the results."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    suffix = '' if bench.profile_name == 'cpu' else f'_{bench.profile_name}'
    paths = dict(
        curves=osp.join(bench.out_dir, f'learning_curves{suffix}.png'),
        occlusion=osp.join(bench.out_dir, f'ap_vs_occlusion{suffix}.png'))
    rows = all_rows(results)
    budget = results.get('stock', {}).get('budget_check')
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    series = [(r['label'], r['curves']) for r in rows.values()]
    for k, r in (budget or {}).get('runs', {}).items():
        series.append((f'stock, {k} epochs', r['curves']))
    for i, (label, curves) in enumerate(series):
        color = f'C{i % 10}'
        for j, (seed, c) in enumerate(curves.items()):
            kw = dict(
                color=color,
                ls='-' if j == 0 else '--',
                label=label if j == 0 else None)
            if c['ap']:
                e, a = zip(*c['ap'])
                ax1.plot(e, [100 * v for v in a], marker='o', ms=3, **kw)
            if c['loss']:
                e, v = zip(*c['loss'])
                ax2.plot(e, v, **kw)
    ax1.set(
        xlabel='epoch',
        ylabel='validation AP (x100)',
        title='Validation AP during training (dashed: 2nd seed)')
    ax2.set(
        xlabel='epoch',
        ylabel='mean training loss',
        yscale='log',
        title='Training loss')
    ax1.legend(fontsize=7)
    ax1.grid(alpha=0.3)
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    os.makedirs(bench.out_dir, exist_ok=True)
    fig.savefig(paths['curves'], dpi=100)
    plt.close(fig)

    bins = [f'{lo}-{hi}' for lo, hi in OCCLUSION_BINS]
    names = [
        '0' if b == '0.0-0.0' else f'({b.replace("-", ", ")}]' for b in bins
    ]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, r in enumerate(rows.values()):
        occ = r.get('ap', {}).get('by_occlusion', {})
        ys = [(occ.get(b) or {}).get('ap') for b in bins]
        ys = [100 * y['mean'] if isinstance(y, dict) else np.nan for y in ys]
        ax.plot(
            range(len(bins)),
            ys,
            marker='o',
            label=r['label'],
            color=f'C{i % 10}')
    ax.set_xticks(range(len(bins)), names)
    ax.set(
        xlabel='share of labelled keypoints hidden by others',
        ylabel='AP (x100)',
        title='AP against occlusion level')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(paths['occlusion'], dpi=100)
    plt.close(fig)
    return paths


def check_profile_stamp(bench: Bench) -> None:
    """The work directory's runs are reused only by the profile that made
    them: ``profile.json`` there records its data, scale and loaders, and a
    different profile refuses to resume (its checkpoints would not fit)."""
    stamp = {
        k: v
        for k, v in bench.profile.items() if k not in ('epochs', 'val_points')
    }
    path = osp.join(bench.work_dir, 'profile.json')
    if osp.exists(path):
        old = _read_json(path, None)
        if old != json.loads(json.dumps(stamp)):
            raise SystemExit(
                f'crowd_benchmark: {bench.work_dir} holds runs of another '
                f'profile ({old}, now {stamp}); move that directory away '
                'or pass --work-dir')
    else:
        write_json(stamp, path)


# --------------------------------------------------------------------------
def plan(bench: Bench, iters: int) -> dict:
    """Seconds per training iteration of every row (the Runner's loop with
    the profile's data, autocast and loaders; the first 5 iterations are
    warm-up), and the projected minutes of training at the budget: every
    seed, the budget check's half and double runs included."""
    from mmengine.hooks import Hook
    from mmengine.runner import Runner
    ensure_benchmark_data(bench)
    out = {}
    for row, (_, label, cfg_path, kind, seeds) in ROWS.items():
        cfg = load_cfg(cfg_path, bench.cfg_edit(kind, row))
        cfg.work_dir = osp.join(bench.work_dir, 'plan', row)
        cfg.train_cfg = dict(
            type='IterBasedTrainLoop', max_iters=iters, val_interval=iters + 1)
        cfg.param_scheduler = [
            dict(type='ConstantLR', factor=1.0, by_epoch=False)
        ]
        cfg.default_hooks.checkpoint = dict(
            type='CheckpointHook',
            interval=iters + 1,
            by_epoch=False,
            save_last=False)
        cfg.resume = False
        cfg.custom_hooks = []  # the curriculum needs epochs
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader'):
            cfg[loader].dataset.data_root = bench.data_root
        cfg.val_evaluator.ann_file = bench.val_ann  # built, never run
        cfg.test_evaluator.ann_file = bench.val_ann
        use_autocast(cfg, bench.autocast)
        own_visualizer(cfg)
        times, waits, last = [], [], [None]

        class Timer(Hook):
            """Wall time from one iteration's end to the next's: the
            loader's fetch included (the loop fetches before
            ``before_train_iter``); the fetch alone as ``waits``."""

            def before_train_iter(self, runner, batch_idx, data_batch=None):
                if last[0] is not None:
                    waits.append(time.perf_counter() - last[0])

            def after_train_iter(self,
                                 runner,
                                 batch_idx,
                                 data_batch=None,
                                 outputs=None):
                now = time.perf_counter()
                if last[0] is not None:
                    times.append(now - last[0])
                last[0] = now

        runner = Runner.from_cfg(cfg)
        runner.register_hook(Timer())
        runner.train()
        per_iter = float(np.median(times[min(5, len(times) - 1):]))
        wait = float(np.median(waits[min(5, len(waits) - 1):]))
        n_iter = len(runner.train_dataloader)
        runs = seeds * bench.row_epochs(row) + (
            sum(budget_epochs(bench)) if row == 'stock' else 0)
        out[row] = dict(
            s_per_iter=per_iter,
            data_wait_s=wait,
            iters_per_epoch=n_iter,
            min_per_epoch=per_iter * n_iter / 60,
            projected_min=per_iter * n_iter * runs / 60)
    total = sum(r['projected_min'] for r in out.values())
    print(f'\n[benchmark] plan, profile {bench.profile_name}: '
          f'{bench.epochs} epochs, autocast {bench.autocast}\n')
    print('| row | s / iteration | of it waiting for data | iterations / '
          'epoch | min / epoch | projected training (min) |')
    print('| --- | --- | --- | --- | --- | --- |')
    for row, r in out.items():
        print(f'| {ROWS[row][1]} | {r["s_per_iter"]:.3f} | '
              f'{r["data_wait_s"]:.3f} | {r["iters_per_epoch"]} | '
              f'{r["min_per_epoch"]:.2f} | {r["projected_min"]:.0f} |')
    print(f'| **all** | | | | | {total:.0f} |')
    return out


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.device == 'cpu':
        os.environ.setdefault('CUDA_VISIBLE_DEVICES', '')
    import torch
    if (args.device == 'cuda' and not args.report_only
            and not torch.cuda.is_available()):
        raise SystemExit('crowd_benchmark: --device cuda, but torch sees no '
                         'CUDA GPU (torch.cuda.is_available() is False)')
    from mmengine.registry import init_default_scope

    import mmpose_occlusion  # noqa: F401
    init_default_scope('mmpose')
    bench = Bench(args)
    os.makedirs(bench.work_dir, exist_ok=True)
    if args.plan:  # trains nothing that a later run would resume
        return plan(bench, args.plan)
    check_profile_stamp(bench)
    sections = args.only or list(SECTIONS)
    keep = args.only or args.report_only
    results = _read_json(bench.results_file, {}) if keep else {}
    if not args.report_only:
        results['meta'] = dict(
            command='python tools/analysis/crowd_benchmark.py' +
            (' ' +
             ' '.join(argv if argv is not None else sys.argv[1:])).rstrip(),
            date=time.strftime('%Y-%m-%d'),
            profile=bench.profile_name,
            epochs=bench.epochs,
            autocast=bench.autocast,
            device=bench.device,
            torch=torch.__version__,
            device_name=(torch.cuda.get_device_name(0) if bench.device
                         == 'cuda' else f'CPU, {torch.get_num_threads()} '
                         'threads'))
        for name, sec in results.items():
            m = sec.get('measured') if isinstance(sec, dict) else None
            here = (bench.epochs, bench.profile_name, bench.profile['scale'])
            if m and name not in sections and (m['epochs'], m['profile'],
                                               m.get('scale')) != here:
                raise SystemExit(
                    f'crowd_benchmark: {bench.results_file} holds section '
                    f'{name!r} measured at {m["epochs"]} epochs '
                    f'({m["profile"]}, scale {m.get("scale")}), not '
                    f'{bench.epochs} ({bench.profile["scale"]}): re-run it '
                    'too (--only ...) or write elsewhere (--out-dir)')
        t0 = time.time()
        run_sections(bench, sections, results)
        print(f'[benchmark] sections {sections} took '
              f'{(time.time() - t0) / 60:.1f} min')
    report = write_report(bench, results)
    print(f'[benchmark] results: {bench.results_file}\n'
          f'[benchmark] report:  {report}')
    return results


if __name__ == '__main__':
    main()
