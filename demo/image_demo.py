"""Crowd pose demo: person boxes -> proposal stage -> top-down pose model
(stock, MIPNet or HintPose) -> OKS-NMS, on an image, a folder or a list.

    python demo/image_demo.py INPUT [options]

INPUT is an image, a folder of images, or a text file listing image paths
(one per line, relative to the list's folder; '#' starts a comment).

With no model options it uses the quickstart's outputs (run
``bash tools/run_main.sh`` first): the stock model trained on the synthetic
crowded scenes, and as the detector stage the ground-truth boxes of the
synthetic annotations with simulated detector noise (jitter, misses,
duplicates, false positives; no detector is trained in the quickstart). An
image those annotations do not list runs as one whole-image box.

Images are decoded by --workers processes while the model runs, and the
crops of --images-per-batch images share forward passes. Writes, under
--out-dir: ``vis/<image name>`` (skeletons and boxes drawn with MMPose's
visualizer), ``results.jsonl`` (one line per finished image, written as it
finishes: an interrupted run loses at most the image in flight, and
--resume continues it) and, at the end, ``results.json`` (COCO keypoint
results, plus ``file_name``, ``box_index``, ``instance_index`` and
``cue_point`` per pose). Existing outputs are kept unless --overwrite or
--resume. A bad image is reported and skipped; the exit status is 1 if any
image failed (a --resume run retries it).
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import List, Tuple

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
QUICKSTART_CONFIG = osp.join(
    ROOT, 'configs/baseline/td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py')
QUICKSTART_WORK_DIR = osp.join(ROOT, 'work_dirs/quickstart')
SYNTH_ANNS = [
    osp.join(ROOT, 'data/synthetic_crowd/annotations',
             f'person_keypoints_{split}.json') for split in ('val', 'train')
]


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n\n'.join(__doc__.split('\n\n')[1:]))
    p.add_argument('input', help='image, folder, or text file of images')
    p.add_argument(
        '--chain-config',
        default=None,
        help='a crowd-chain config (e.g. configs/crowd_chain/'
        'crowd-chain_*.py) instead of the model options below')
    g = p.add_argument_group('pose model')
    g.add_argument(
        '--pose-config',
        default=None,
        help='MMPose top-down config (default: the quickstart)')
    g.add_argument(
        '--pose-checkpoint',
        default=None,
        help='its weights (default: the quickstart checkpoint)')
    g.add_argument(
        '--num-instances',
        type=int,
        default=None,
        help='MIPNet: poses per box (λ = 0..n-1)')
    g.add_argument(
        '--cue-config',
        default=None,
        help='HintPose: bottom-up model giving the cues')
    g.add_argument('--cue-checkpoint', default=None)
    g.add_argument(
        '--cue-mode',
        choices=('poses', 'peaks'),
        default='poses',
        help='one cue per person the bottom-up model found '
        '(poses) or its local heatmap peaks (peaks)')
    g.add_argument('--cue-thr', type=float, default=0.1)
    g.add_argument('--max-cues', type=int, default=3)
    g = p.add_argument_group('person boxes (one source)')
    g.add_argument(
        '--det-config',
        default=None,
        help='MMDetection config (e.g. configs/detectors/...)')
    g.add_argument('--det-checkpoint', default=None)
    g.add_argument('--person-class', default='person')
    g.add_argument(
        '--bboxes',
        default=None,
        help='COCO detection-results JSON instead of a detector '
        '(needs --ann-file for the image names)')
    g.add_argument(
        '--gt-boxes',
        default=None,
        help='COCO keypoint file: its boxes with simulated '
        'detector noise')
    g.add_argument(
        '--ann-file',
        default=None,
        help='COCO file naming the images of --bboxes; also '
        'gives image ids to the results')
    g = p.add_argument_group('chain')
    g.add_argument('--bbox-thr', type=float, default=0.3)
    g.add_argument(
        '--nms-thr',
        type=float,
        default=0.5,
        help='box NMS IoU threshold of the proposal stage')
    g.add_argument(
        '--no-nms',
        action='store_true',
        help='keep every box (e.g. ground-truth boxes)')
    g.add_argument(
        '--coarse-pose-config',
        default=None,
        help='DetPoseNet: replace box NMS by the coarse-pose '
        'filter, with this MMPose bottom-up model')
    g.add_argument('--coarse-pose-checkpoint', default=None)
    g.add_argument('--oks-thr', type=float, default=0.9)
    g.add_argument(
        '--batch-size', type=int, default=16, help='crops per forward pass')
    g.add_argument(
        '--images-per-batch',
        type=int,
        default=8,
        help='images whose crops are pooled into the forward '
        'passes')
    g.add_argument(
        '--workers',
        type=int,
        default=2,
        help='processes decoding images while the model runs '
        '(0: decode in this process)')
    g.add_argument(
        '--device',
        default=None,
        help="e.g. cuda:0 (default: the chain config's, or cpu)")
    g = p.add_argument_group('output')
    g.add_argument('--out-dir', default='outputs/demo')
    g.add_argument(
        '--kpt-thr',
        type=float,
        default=0.3,
        help='keypoints drawn above this score')
    g.add_argument('--no-vis', action='store_true', help='results only')
    g.add_argument(
        '--overwrite', action='store_true', help='replace existing outputs')
    g.add_argument(
        '--resume',
        action='store_true',
        help='continue an interrupted run in --out-dir: images '
        'already in its results.jsonl are skipped')
    return p.parse_args(argv)


def fail(msg: str, code: int = 2):
    print(f'error: {msg}', file=sys.stderr)
    sys.exit(code)


def list_inputs(path: str) -> Tuple[List[str], List[str]]:
    """(image paths, skipped non-image files) for an image, folder or list."""
    from mmpose_occlusion.utils import IMAGE_EXTENSIONS
    if not osp.exists(path):
        fail(f'{path}: no such file or folder; pass an image, a folder of '
             'images, or a text file listing image paths')
    if osp.isdir(path):
        names = sorted(os.listdir(path))
        files = [
            osp.join(path, n) for n in names if osp.isfile(osp.join(path, n))
        ]
        images = [f for f in files if f.lower().endswith(IMAGE_EXTENSIONS)]
        skipped = [f for f in files if f not in images]
        if not images:
            fail(f'{path}: the folder holds no images '
                 f'({", ".join(IMAGE_EXTENSIONS)})')
        return images, skipped
    if path.lower().endswith(('.txt', '.lst', '.list')):
        base = osp.dirname(osp.abspath(path))
        with open(path) as f:
            lines = [ln.split('#')[0].strip() for ln in f]
        images = [
            ln if osp.isabs(ln) else osp.join(base, ln) for ln in lines if ln
        ]
        if not images:
            fail(f'{path}: the list names no images')
        return images, []
    return [path], []


def output_names(images: List[str]) -> List[str]:
    """Unique picture names (a list may name two files called a.jpg)."""
    names, seen = [], {}
    for path in images:
        name = osp.basename(path)
        stem, ext = osp.splitext(name)
        if ext.lower() not in ('.jpg', '.jpeg', '.png'):
            ext = '.jpg'  # what OpenCV writes for any input kind
        n = seen.get(name, 0)
        seen[name] = n + 1
        names.append(f'{stem}{"" if n == 0 else f"_{n}"}{ext}')
    return names


class FallbackBoxes:
    """Quickstart default: simulated detections for images the synthetic
    annotations list; one whole-image box (with a note) for others."""

    def __init__(self, ann_files):
        from mmpose_occlusion.apis import SimulatedDetector
        self.sources = [SimulatedDetector(a) for a in ann_files]
        self.unknown: List[str] = []

    def __call__(self, img, name):
        import numpy as np
        for source in self.sources:
            if source.knows(name):
                return source(img, name)
        self.unknown.append(name)
        h, w = img.shape[:2]
        return np.array([[0, 0, w, h]], np.float32), np.ones(1, np.float32)


def build_chain(args):
    from mmengine import Config

    from mmpose_occlusion.apis import (CrowdPoseInferencer, PrecomputedBoxes,
                                       SimulatedDetector)
    if args.chain_config:
        return CrowdPoseInferencer.from_chain_config(args.chain_config,
                                                     args.device), None
    args.device = args.device or 'cpu'
    pose_config, pose_ckpt = args.pose_config, args.pose_checkpoint
    if pose_config is None:
        pose_config = QUICKSTART_CONFIG
        if pose_ckpt is None:
            pose_ckpt = osp.join(QUICKSTART_WORK_DIR, 'epoch_6.pth')
            if not osp.isfile(pose_ckpt):
                fail(f'the default model needs the quickstart checkpoint '
                     f'{pose_ckpt}: run `bash tools/run_main.sh` first, or '
                     'pass --pose-config and --pose-checkpoint')
    elif not osp.isfile(pose_config):
        fail(f'--pose-config {pose_config}: no such file')
    if pose_ckpt is None:
        print('warning: no --pose-checkpoint: the pose model keeps its '
              'initial weights (a plumbing check, not poses)')

    sources = [s for s in (args.det_config, args.bboxes, args.gt_boxes) if s]
    if len(sources) > 1:
        fail('choose one box source: --det-config, --bboxes or --gt-boxes')
    # the same chain config a user would write
    # (CrowdPoseInferencer.from_chain_config), from the options
    chain = dict(
        pose=dict(
            config=pose_config,
            checkpoint=pose_ckpt,
            num_instances=args.num_instances),
        bbox_thr=args.bbox_thr,
        oks_thr=args.oks_thr,
        batch_size=args.batch_size,
        device=args.device)
    fallback = box_source = None
    if args.det_config:
        chain['detector'] = dict(
            config=args.det_config,
            checkpoint=args.det_checkpoint,
            person_class=args.person_class)
    elif args.bboxes:
        if not args.ann_file:
            fail('--bboxes needs --ann-file (the COCO file naming its '
                 'images)')
        box_source = PrecomputedBoxes(args.bboxes, args.ann_file)
    elif args.gt_boxes:
        box_source = SimulatedDetector(args.gt_boxes)
    else:
        fallback = FallbackBoxes([a for a in SYNTH_ANNS if osp.isfile(a)])
        box_source = fallback

    if args.cue_config:
        chain['cues'] = dict(
            config=args.cue_config,
            checkpoint=args.cue_checkpoint,
            mode=args.cue_mode,
            threshold=args.cue_thr,
            max_per_box=args.max_cues)
    if args.coarse_pose_config:
        chain['proposal'] = dict(
            type='CoarsePoseFilter',
            pose_source=dict(
                config=args.coarse_pose_config,
                checkpoint=args.coarse_pose_checkpoint))
    elif args.no_nms:
        chain['proposal'] = dict(type='KeepAllBoxes')
    else:
        chain['proposal'] = dict(type='BoxNMS', iou_thr=args.nms_thr)
    chain = CrowdPoseInferencer.from_chain_config(
        Config(chain), box_source=box_source)
    return chain, fallback


def image_ids(ann_file):
    if not ann_file:
        return {}
    with open(ann_file) as f:
        return {
            osp.basename(i['file_name']): i['id']
            for i in json.load(f)['images']
        }


def to_coco(result, image_id, file_name) -> List[dict]:
    import numpy as np
    out = []
    for r in range(len(result['scores'])):
        kpts = np.concatenate(
            [result['keypoints'][r], result['keypoint_scores'][r][:, None]], 1)
        x1, y1, x2, y2 = result['bboxes'][r].tolist()
        cue = result['cue_points'][r]
        out.append(
            dict(
                image_id=image_id,
                category_id=1,
                file_name=file_name,
                keypoints=[round(float(v), 3) for v in kpts.reshape(-1)],
                score=float(result['scores'][r]),
                bbox=[x1, y1, x2 - x1, y2 - y1],
                box_index=int(result['box_index'][r]),
                instance_index=int(result['instance_index'][r]),
                cue_point=None if np.isnan(cue).any() else
                [float(cue[0]), float(cue[1])]))
    return out


def draw(visualizer, img_bgr, result, kpt_thr, out_path):
    import cv2
    from mmengine.structures import InstanceData
    from mmpose.structures import PoseDataSample
    sample = PoseDataSample()
    sample.pred_instances = InstanceData(
        keypoints=result['keypoints'],
        keypoint_scores=result['keypoint_scores'],
        bboxes=result['bboxes'])
    visualizer.add_datasample(
        'crowd',
        img_bgr[..., ::-1].copy(),
        sample,
        draw_gt=False,
        draw_bbox=True,
        kpt_thr=kpt_thr,
        show=False)
    canvas = visualizer.get_image()[..., ::-1]
    stem, ext = osp.splitext(out_path)
    tmp = f'{stem}.partial{ext}'
    if not cv2.imwrite(tmp, canvas):
        raise OSError(f'could not write {out_path}')
    os.replace(tmp, out_path)


def read_done(stream_path: str) -> dict:
    """The images a previous run finished: ``{path: record}`` from the
    results stream. A last line cut short by an interruption is dropped
    (and cut from the file, so appending goes on from a clean line end)."""
    done, good_end = {}, 0
    if not osp.exists(stream_path):
        return done
    with open(stream_path, 'rb') as f:
        data = f.read()
    for line in data.splitlines(keepends=True):
        try:
            if not line.endswith(b'\n'):
                raise ValueError('unterminated line')
            record = json.loads(line)
        except ValueError:
            break
        done[record['path']] = record
        good_end += len(line)
    if good_end < len(data):
        with open(stream_path, 'r+b') as f:
            f.truncate(good_end)
    return done


def main(argv=None) -> int:
    args = parse_args(argv)
    images, skipped = list_inputs(args.input)
    vis_dir = osp.join(args.out_dir, 'vis')
    results_path = osp.join(args.out_dir, 'results.json')
    stream_path = osp.join(args.out_dir, 'results.jsonl')
    pictures = [osp.join(vis_dir, n) for n in output_names(images)]
    if args.resume and args.overwrite:
        fail('choose one of --resume (continue a run) and --overwrite '
             '(start again)')
    existing = [
        p for p in [results_path, stream_path] +
        ([] if args.no_vis else pictures) if osp.exists(p)
    ]
    if existing and not (args.overwrite or args.resume):
        fail(f'{len(existing)} outputs already exist (e.g. {existing[0]}); '
             'pass --resume to continue that run, --overwrite to replace '
             'them, or choose another --out-dir')
    for f in skipped:
        print(f'skipping {f}: not an image file')

    from mmpose.registry import VISUALIZERS

    import mmpose_occlusion  # noqa: F401
    from mmpose_occlusion.apis import CheckpointMismatchError
    from mmpose_occlusion.utils import Progress
    try:
        chain, fallback = build_chain(args)
    except (CheckpointMismatchError, KeyError, OSError, ValueError) as e:
        # a missing or mismatched config or checkpoint, an unreachable URL
        hint = ('; a checkpoint URL could not be downloaded: pass a local '
                'file' if 'urlopen' in str(e) else '')
        fail(f'{e}{hint}')

    os.makedirs(vis_dir, exist_ok=True)
    if args.overwrite and osp.exists(stream_path):
        os.remove(stream_path)
    done = read_done(stream_path) if args.resume else {}
    todo = [i for i, path in enumerate(images) if path not in done]
    if args.resume:
        print(f'resuming: {len(images) - len(todo)} of {len(images)} '
              f'images already done in {stream_path}')
    visualizer = None
    if not args.no_vis:
        visualizer = VISUALIZERS.build(
            dict(
                type='OcclusionPoseVisualizer',
                name='crowd_demo',
                line_width=2,
                radius=3))
        visualizer.set_dataset_meta(chain.dataset_meta)
    ids = image_ids(args.ann_file)
    failures = []
    progress = Progress(len(todo), 'images')
    # one JSON line per finished image, flushed at once: an interruption
    # loses at most the image in flight, and --resume goes on from there
    with open(stream_path, 'a') as stream:
        for item in chain.run([images[i] for i in todo],
                              num_workers=args.workers,
                              images_per_batch=args.images_per_batch):
            index = todo[item.index]
            path = images[index]
            if item.error is not None:
                failures.append(item.error if path in
                                item.error else f'{path}: {item.error}')
            else:
                try:
                    if visualizer is not None:
                        draw(visualizer, item.result['img'], item.result,
                             args.kpt_thr, pictures[index])
                except OSError as e:
                    failures.append(f'{path}: {e}')
                else:
                    poses = to_coco(item.result,
                                    ids.get(osp.basename(path), index),
                                    osp.basename(path))
                    stream.write(
                        json.dumps(dict(path=path, poses=poses)) + '\n')
                    stream.flush()
                    done[path] = dict(path=path, poses=poses)
            progress.update()
    summary = progress.close()

    coco = [
        pose for path in images if path in done for pose in done[path]['poses']
    ]
    tmp = results_path + '.partial'
    with open(tmp, 'w') as f:
        json.dump(coco, f)
    os.replace(tmp, results_path)

    n_done = sum(path in done for path in images)
    print(f'\n{n_done} of {len(images)} images done, {len(coco)} poses -> '
          f'{results_path}' +
          ('' if args.no_vis else f', pictures in {vis_dir}') +
          f' (this run: {summary})')
    if fallback is not None and fallback.unknown:
        print(f'note: {len(fallback.unknown)} images are not in the '
              'synthetic annotations and ran as one whole-image box each; '
              'pass --det-config/--det-checkpoint or --bboxes for real '
              'person boxes')
    for msg in failures:
        print(f'failed: {msg}', file=sys.stderr)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
