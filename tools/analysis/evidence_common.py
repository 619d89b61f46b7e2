"""Helpers shared by the evidence and benchmark scripts in this folder: the
synthetic data, the crowded validation subset, training a config with a
given budget, testing a checkpoint on given ground truth / boxes, and
side-by-side timing (models built from configs without pretrained weights;
timings of several models interleaved repeat by repeat so that drifts of the
machine hit them alike).

Scripts in tools/analysis import it by name (Python puts a script's folder
on ``sys.path``; pytest.ini's ``pythonpath`` does the same for the tests).
"""
import json
import os
import os.path as osp
import statistics
import time
from typing import Callable, Dict, Optional

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_DATA_ROOT = osp.join(ROOT, 'data/synthetic_crowd')

__all__ = [
    'ROOT', 'DEFAULT_DATA_ROOT', 'ensure_data', 'crowded_subset', 'load_cfg',
    'stretch_schedule', 'use_autocast', 'train', 'evaluate', 'write_json',
    'write_report', 'bottomup_target_batch', 'coco_results',
    'coco_keypoint_ap', 'coco_ap', 'build_model', 'count_params',
    'interleaved_median_ms'
]


def ensure_data(data_root: str,
                num_train: int = 1500,
                num_val: int = 200,
                scene=None,
                progress: bool = True,
                log: Optional[Callable[[str], None]] = None) -> str:
    """Generate the synthetic train/val splits where missing (seed 0; the
    quickstart's sizes by default; ``scene``: a ``SceneConfig``, default the
    generator's); ``log`` hears which splits were found or made. Returns the
    absolute data root with a trailing slash."""
    from mmpose_occlusion.datasets.synthetic import (generate_split,
                                                     split_is_complete)
    data_root = osp.abspath(data_root) + '/'
    for split, num in (('train', num_train), ('val', num_val)):
        if split_is_complete(data_root, split):
            if log:
                log(f'{split} split found in {data_root}')
            continue
        if log:
            log(f'generating {num} synthetic {split} images in {data_root}')
        generate_split(
            data_root, split, num, seed=0, cfg=scene, progress=progress)
    return data_root


def bottomup_target_batch(model,
                          codec: dict,
                          data_root: str,
                          split: str,
                          num_images: int,
                          training: bool = False) -> dict:
    """The first ``num_images`` images of the synthetic ``split`` with
    their bottom-up targets from ``codec`` (whole images resized to the
    input, no augmentation, MMPose's heatmap mask), through ``model``'s data
    preprocessor: ``dict(inputs=..., data_samples=...)``."""
    from mmengine.dataset import pseudo_collate
    from mmpose.registry import DATASETS
    pipeline = [
        dict(type='LoadImage'),
        dict(
            type='BottomupRandomAffine',
            input_size=codec['input_size'],
            rotate_factor=0,
            scale_prob=0,
            shift_prob=0),
        dict(type='GenerateTarget', encoder=codec),
        dict(type='BottomupGetHeatmapMask'),
        dict(type='PackPoseInputs')
    ]
    dataset = DATASETS.build(
        dict(
            type='CocoDataset',
            data_mode='bottomup',
            data_root=data_root,
            ann_file=f'annotations/person_keypoints_{split}.json',
            data_prefix=dict(img=f'{split}/'),
            pipeline=pipeline,
            indices=num_images))
    return model.data_preprocessor(
        pseudo_collate([dataset[i] for i in range(len(dataset))]),
        training=training)


def write_json(obj, path: str, indent: Optional[int] = None) -> str:
    """Write ``obj`` to ``path`` whole or not at all: a temporary file
    renamed into place, so an interrupted run never leaves half a file."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = path + '.part'
    with open(tmp, 'w') as f:
        json.dump(obj, f, indent=indent)
    os.replace(tmp, path)
    return path


def write_report(lines, path: str) -> None:
    """Print a markdown report and write it to ``path``."""
    text = '\n'.join(lines)
    with open(path, 'w') as f:
        f.write(text + '\n')
    print('\n' + text)


def crowded_subset(val_ann: str, iou_thr: float):
    """The validation images holding an OCHuman-like pair.

    Returns:
        (subset, all_boxes, front_boxes, pairs): the COCO ground truth of
        those images; detections (score 1) for every person and for the
        people in front only (a person standing behind someone whose box
        overlaps theirs with IoU >= ``iou_thr`` is left out); and the pairs
        (ann_a, ann_b) of annotations whose boxes overlap that much.
    """
    from mmpose_occlusion.structures import box_iou
    with open(val_ann) as f:
        coco = json.load(f)
    by_image = {}
    for ann in coco['annotations']:
        by_image.setdefault(ann['image_id'], []).append(ann)
    keep_images, all_boxes, front_boxes, pairs = set(), [], [], []
    for img_id, anns in by_image.items():
        hidden = set()
        for i, a in enumerate(anns):
            for b in anns[i + 1:]:
                if box_iou(a['bbox'], b['bbox']) >= iou_thr:
                    pairs.append((a, b))
                    behind = a if a['depth_order'] < b['depth_order'] else b
                    hidden.add(behind['id'])
        if not hidden:
            continue
        keep_images.add(img_id)
        for a in anns:
            det = dict(
                image_id=img_id, category_id=1, bbox=a['bbox'], score=1.0)
            all_boxes.append(det)
            if a['id'] not in hidden:
                front_boxes.append(det)
    subset = dict(
        coco,
        images=[i for i in coco['images'] if i['id'] in keep_images],
        annotations=[
            a for a in coco['annotations'] if a['image_id'] in keep_images
        ])
    return subset, all_boxes, front_boxes, pairs


def load_cfg(cfg_path: str, cfg_edit: Optional[Callable] = None):
    """The config at ``cfg_path`` (relative to the repository), passed
    through ``cfg_edit(cfg)`` when given (it edits in place)."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, cfg_path))
    if cfg_edit is not None:
        cfg_edit(cfg)
    return cfg


def stretch_schedule(cfg, epochs: int) -> None:
    """Set the training budget to ``epochs`` and stretch the config's
    epoch-based schedule with it: ``MultiStepLR`` milestones scale by
    ``epochs`` / the config's epochs, ``CosineAnnealingLR`` ends (and its
    ``T_max``) at the new last epoch; iteration-based warm-ups stay."""
    stretch = epochs / cfg.train_cfg.max_epochs
    for sched in cfg.get('param_scheduler', None) or []:
        if not sched.get('by_epoch', True):
            continue
        if sched.type == 'MultiStepLR':
            sched.milestones = [round(m * stretch) for m in sched.milestones]
            sched.end = epochs
        elif sched.type == 'CosineAnnealingLR':
            sched.end = epochs
            if 'T_max' in sched:
                sched.T_max = epochs
    cfg.train_cfg.max_epochs = epochs


def use_autocast(cfg,
                 dtype: Optional[str],
                 channels_last: bool = True) -> None:
    """Train with ``AutocastOptimWrapper`` (channels-last weights by
    default) and validate/test with the autocast loops in ``dtype`` (None:
    leave the config as it is)."""
    if dtype is None:
        return
    cfg.optim_wrapper.type = 'AutocastOptimWrapper'
    cfg.optim_wrapper.dtype = dtype
    cfg.optim_wrapper.channels_last = channels_last
    cfg.val_cfg = dict(type='AutocastValLoop', dtype=dtype)
    cfg.test_cfg = dict(type='AutocastTestLoop', dtype=dtype)


def own_visualizer(cfg) -> None:
    """Give the config's visualizer a name of its own. MMPose's runtime
    names it ``'visualizer'``, and MMEngine keeps one instance per name
    for the whole process: a second Runner in the same process would reuse
    the first run's and write its scalars (the learning curve) into the
    first run's ``vis_data``."""
    if cfg.get('visualizer') is not None:
        cfg.visualizer.name = f'visualizer@{cfg.work_dir}@{time.time_ns()}'


def train(cfg_path: str,
          work_dir: str,
          data_root: str,
          epochs: int,
          resumable: bool = False,
          seed: Optional[int] = None,
          autocast: Optional[str] = None,
          val_interval: Optional[int] = None,
          cfg_edit: Optional[Callable] = None) -> str:
    """Train ``cfg_path`` (relative to the repository) for ``epochs`` on the
    data at ``data_root``, or reuse ``work_dir/epoch_{epochs}.pth``.

    ``resumable``: save a checkpoint every epoch (the last two kept) and
    resume from the latest one in ``work_dir``, for runs longer than one
    sitting. Epoch-based ``MultiStepLR`` milestones and cosine schedules are
    stretched with the budget (``stretch_schedule``), so a longer run keeps
    the config's schedule shape. ``seed``: the run's random seed (else the
    config's). ``autocast``: a dtype for ``use_autocast``. ``val_interval``:
    validate every that many epochs (a learning curve in the run's
    ``vis_data/scalars.json``); by default no validation. ``cfg_edit``: see
    ``load_cfg``."""
    from mmengine.runner import Runner
    ckpt = osp.join(work_dir, f'epoch_{epochs}.pth')
    if osp.isfile(ckpt):
        print(f'[evidence] reusing {ckpt}')
        return ckpt
    cfg = load_cfg(cfg_path, cfg_edit)
    cfg.work_dir = work_dir
    stretch_schedule(cfg, epochs)
    # the scripts evaluate instead, unless a learning curve is asked for
    cfg.train_cfg.val_interval = val_interval or epochs + 1
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook',
        interval=1 if resumable else epochs,
        save_best=None,
        max_keep_ckpts=2 if resumable else -1)
    cfg.resume = resumable
    if seed is not None:
        cfg.randomness = dict(seed=seed)
    use_autocast(cfg, autocast)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = data_root
    val_ann = osp.join(data_root, 'annotations/person_keypoints_val.json')
    cfg.val_evaluator.ann_file = val_ann
    cfg.test_evaluator.ann_file = val_ann
    own_visualizer(cfg)
    Runner.from_cfg(cfg).train()
    return ckpt


def evaluate(cfg_path: str,
             ckpt: str,
             data_root: str,
             ann_file: str,
             bbox_file: Optional[str],
             work_dir: str,
             edit_pipeline: Optional[Callable[[list], list]] = None,
             cfg_edit: Optional[Callable] = None,
             autocast: Optional[str] = None,
             outfile_prefix: Optional[str] = None) -> dict:
    """Test ``ckpt`` on the validation images of ``ann_file`` with the
    boxes of ``bbox_file`` (ground-truth boxes when None); returns the
    metrics. ``edit_pipeline`` may rewrite the test pipeline (a list of
    transform dicts); ``cfg_edit``: see ``load_cfg``; ``autocast``: test
    under the autocast loop in that dtype; ``outfile_prefix``: where
    ``CocoMetric`` writes its results (``PREFIX.keypoints.json``)."""
    from mmengine.runner import Runner
    cfg = load_cfg(cfg_path, cfg_edit)
    cfg.work_dir = work_dir
    cfg.load_from = ckpt
    use_autocast(cfg, autocast)
    ds = cfg.test_dataloader.dataset
    ds.data_root = data_root
    ds.ann_file = ann_file
    ds.bbox_file = bbox_file
    ds.data_prefix = dict(img='val/')
    if edit_pipeline is not None:
        ds.pipeline = edit_pipeline([dict(t) for t in ds.pipeline])
    cfg.test_evaluator.ann_file = ann_file
    if outfile_prefix is not None:
        cfg.test_evaluator.outfile_prefix = outfile_prefix
    own_visualizer(cfg)
    return Runner.from_cfg(cfg).test()


def coco_results(img_id, keypoints, keypoint_scores, scores) -> list:
    """COCO keypoint results of one image: keypoints (N, K, 2), keypoint
    scores (N, K), instance scores (N,)."""
    import numpy as np
    out = []
    for kp, ks, s in zip(keypoints, keypoint_scores, scores):
        flat = np.concatenate(
            [np.asarray(kp, np.float64),
             np.asarray(ks, np.float64)[:, None]], 1)
        out.append(
            dict(
                image_id=img_id,
                category_id=1,
                score=float(s),
                keypoints=flat.reshape(-1).tolist()))
    return out


def coco_keypoint_ap(gt, res_file: str, img_ids=None) -> float:
    """COCO keypoint AP (pycocotools) of the results in ``res_file``
    against ``gt`` (a loaded ``COCO``), on ``img_ids`` if given."""
    from pycocotools.cocoeval import COCOeval
    ev = COCOeval(gt, gt.loadRes(res_file), 'keypoints')
    if img_ids is not None:
        ev.params.imgIds = sorted(img_ids)
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    return float(ev.stats[0])


def coco_ap(gt, results: list, out_file: str) -> float:
    """Write ``results`` (COCO keypoint results) to ``out_file`` and return
    their COCO keypoint AP against ``gt``; 0.0 when there are none."""
    write_json(results, out_file)
    return coco_keypoint_ap(gt, out_file) if results else 0.0


def build_model(path: str,
                device: str = 'cpu',
                cfg_options: Optional[dict] = None):
    """Build the model of a config in eval mode, without pretrained weights.

    Args:
        path: a config file, or ``mmpose::...`` for a config of MMPose.
        device: where to put the model.
        cfg_options: merged into ``cfg.model`` (e.g. ``dict(backbone=dict(
            num_instances=3))``).
    """
    from mmengine.config import Config
    from mmengine.hub import get_config
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    cfg = get_config(path) if '::' in path else Config.fromfile(path)
    cfg.model.pop('init_cfg', None)
    cfg.model.backbone.pop('init_cfg', None)
    if cfg_options:
        cfg.merge_from_dict({'model': cfg_options})
    model = MODELS.build(cfg.model).to(device)
    model.eval()
    return model


def count_params(model) -> int:
    """Number of parameters."""
    return sum(p.numel() for p in model.parameters())


def interleaved_median_ms(fns: Dict[str, Callable[[], object]],
                          repeats: int = 5,
                          warmup: int = 1,
                          cuda: bool = False) -> Dict[str, float]:
    """Median wall time (ms) of each callable, timed in turns (without
    autograd)."""
    import torch
    times = {name: [] for name in fns}
    with torch.no_grad():
        for _ in range(warmup):
            for fn in fns.values():
                fn()
        for _ in range(repeats):
            for name, fn in fns.items():
                if cuda:
                    torch.cuda.synchronize()
                t0 = time.perf_counter()
                fn()
                if cuda:
                    torch.cuda.synchronize()
                times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) * 1000 for name, t in times.items()}
