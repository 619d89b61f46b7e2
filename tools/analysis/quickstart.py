"""The main job: a stock top-down model and MIPNet trained side by side on
synthetic crowds, what each finds in them, and a picture of one box giving
two people.

Usage::

    python tools/analysis/quickstart.py [--epochs 6] [--retrain]
        [--work-dir DIR] [--data-root DIR] [--no-autocast]

Everything is made on this machine. The synthetic set is generated when its
annotation files are missing. Then two models train from scratch at the same
budget, on the CPU (bf16 autocast where the CPU supports it) or a GPU when
one is visible:

- MMPose's stock SimpleBaseline (half-width ResNet-18, 128x96), one pose per
  box;
- the same network as MIPNet (N = 2 instance selectors), two poses per box.

Both are evaluated on the validation split with ground-truth boxes by the
crowd benchmark's own code (``crowd_benchmark.py``, in this folder:
``topdown_aps``, ``recall_on_pairs``): COCO AP on all images and on the
crowded ones, AP on the crowded ones with the occluded people's boxes
removed (only a model that finds a second person in a box can recover
them), and, for the boxes of two strongly overlapping people, how often the
box's poses find the other person. A second run reuses the trained models
and the cached evaluations and takes seconds; ``--retrain`` trains again.

Outputs, in the work dir::

    quickstart_{stock,mipnet}_<E>e_s0/   checkpoints, logs, cached evaluations
    results.json                         the table, with timings
    stock_vs_mipnet.png                  the picture
"""
import argparse
import json
import os
import os.path as osp
import shutil
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

MODELS = (  # name, label, config
    ('stock', 'stock SimpleBaseline',
     'configs/baseline/td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py'),
    ('mipnet', 'MIPNet (N = 2)',
     'configs/mipnet/td-hm_res18-half-mipnet_1xb32-6e_synthcrowd-128x96.py'),
)
COLOURS = ('#2ca02c', '#ff7f0e')  # instance λ = 0, λ = 1


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        '--work-dir', default=osp.join(ROOT, 'work_dirs/quickstart'))
    p.add_argument(
        '--data-root', default=osp.join(ROOT, 'data/synthetic_crowd'))
    p.add_argument('--num-train', type=int, default=1500)
    p.add_argument('--num-val', type=int, default=200)
    p.add_argument(
        '--epochs',
        type=int,
        default=6,
        help='the budget of both models (default 6)')
    p.add_argument(
        '--retrain',
        action='store_true',
        help='train both models again (default: reuse them)')
    p.add_argument(
        '--no-autocast', action='store_true', help='train and test in float32')
    return p.parse_args(argv)


def log(msg: str) -> None:
    print(f'[quickstart] {msg}', flush=True)


def make_bench(args):
    """The crowd benchmark's state (profile edits, run dirs, cached
    evaluations) over our work dir, with the two models as its rows."""
    import crowd_benchmark as cb
    import torch
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    argv = [
        '--device', device, '--work-dir', args.work_dir, '--data-root',
        args.data_root, '--epochs',
        str(args.epochs), '--scale', 'configs'
    ]
    if args.no_autocast:
        argv.append('--no-autocast')
    bench = cb.Bench(cb.parse_args(argv))
    rows = {}
    for name, label, cfg in MODELS:
        row = f'quickstart_{name}_{args.epochs}e'
        cb.ROWS[row] = (name, label, cfg, 'topdown', 1)
        rows[name] = row
    return cb, bench, rows


def train_model(cb, bench, row: str, retrain: bool) -> tuple:
    """Train (or reuse) one row at the bench's budget: (checkpoint, seconds
    spent training now)."""
    from evidence_common import train
    run_dir = bench.run_dir(row, 0)
    if retrain and osp.isdir(run_dir):
        shutil.rmtree(run_dir)
    t0 = time.time()
    ckpt = train(
        cb.ROWS[row][2],
        run_dir,
        bench.data_root,
        bench.epochs,
        resumable=True,
        seed=0,
        autocast=bench.autocast,
        cfg_edit=bench.cfg_edit('topdown'))
    return ckpt, time.time() - t0


def figures(cb, bench, row: str, ckpt: str, ctx: dict) -> dict:
    """The crowd benchmark's measures of one model (cached per run)."""
    ap = cb.topdown_aps(bench, row, 0, ckpt, ctx)
    rec = cb.recall_on_pairs(bench, row, 0, ckpt, ctx)
    return dict(
        ap_all=ap['all'],
        ap_crowded=ap['crowded'],
        ap_crowded_front=ap['crowded_front'],
        other_found=rec.get('other'),
        both_found=rec.get('both'),
        pair_boxes=rec.get('n', 0))


def pair_images(ctx: dict, val_ann: str) -> list:
    """Candidates for the picture, most overlapping first: the validation
    images of exactly two people whose boxes overlap with IoU >= 0.5 (the
    benchmark's pairs), else every image with a pair, then any image:
    [(file name, boxes (P, 4) x1, y1, x2, y2, annotations)]."""
    import numpy as np

    from mmpose_occlusion.structures import box_iou
    with open(val_ann) as f:
        coco = json.load(f)
    people, names = {}, {im['id']: im['file_name'] for im in coco['images']}
    for a in coco['annotations']:
        people.setdefault(a['image_id'], []).append(a)
    overlap = {}
    for a, b in ctx['pairs']:
        i = a['image_id']
        overlap[i] = max(overlap.get(i, 0.0), box_iou(a['bbox'], b['bbox']))
    two = [i for i in overlap if len(people[i]) == 2]
    order = (
        sorted(two, key=lambda i: (-overlap[i], i)) +
        sorted(set(overlap) - set(two), key=lambda i:
               (-overlap[i], i)) + sorted(set(people) - set(overlap)))
    out = []
    for i in order:
        boxes = np.array([a['bbox'] for a in people[i]], np.float32)
        boxes[:, 2:] += boxes[:, :2]
        out.append((names[i], boxes, people[i]))
    return out


def load_model(cb, bench, row: str, ckpt: str):
    from mmpose.apis import init_model
    cfg = cb.load_cfg(cb.ROWS[row][2], bench.cfg_edit('topdown', row))
    return init_model(cfg, ckpt, device=bench.device)


def predict(model, img_path: str, boxes, sigmas) -> list:
    """The poses a model gives for the boxes of one image, after OKS-NMS
    over the image as MIPNet's evaluation does: [(keypoints (K, 2), scores
    (K,), λ index, box index)]."""
    import numpy as np
    from mmpose.apis import inference_topdown
    from mmpose.evaluation.functional import oks_nms
    poses = []
    for b, sample in enumerate(inference_topdown(model, img_path, boxes)):
        inst = sample.pred_instances
        sel = inst.get('instance_selectors')
        slots = (
            np.asarray(sel).argmax(1) if sel is not None else np.zeros(
                len(inst.keypoints), int))
        for n in range(len(inst.keypoints)):
            poses.append(
                (np.asarray(inst.keypoints[n]),
                 np.asarray(inst.keypoint_scores[n]), int(slots[n]), b,
                 float(np.asarray(inst.bbox_scores)[n])))
    x1, y1, x2, y2 = np.asarray(boxes, np.float32).T
    db = [
        dict(
            keypoints=np.concatenate([k, s[:, None]], 1),
            score=score * float(s.mean()),
            area=float((x2[b] - x1[b]) * (y2[b] - y1[b])))
        for k, s, _, b, score in poses
    ]
    keep = oks_nms(db, 0.9, sigmas=sigmas) if db else []
    return [poses[i][:4] for i in sorted(keep)]


def finds_second_person(poses, anns, sigmas) -> bool:
    """Whether a λ = 1 pose kept for a box lands on the other person of a
    two-person image (the benchmark's ``lands_on``, OKS >= 0.5)."""
    from mmpose_occlusion.evaluation.functional.crowd_mechanisms import \
        lands_on
    if len(anns) != 2:
        return False
    for kpts, _, slot, b in poses:
        own, other = anns[b], anns[1 - b]
        if slot == 1 and lands_on(kpts[None], other, own, sigmas)[0]:
            return True
    return False


def pick_picture(models: dict,
                 img_dir: str,
                 candidates: list,
                 sigmas,
                 tries: int = 30) -> tuple:
    """The first candidate image where MIPNet's second pose finds the other
    person (else the first candidate), with every model's poses there:
    (file name, boxes, {name: poses}, found)."""
    first = None
    for file_name, boxes, anns in candidates[:tries]:
        img_path = osp.join(img_dir, file_name)
        poses = {
            n: predict(m, img_path, boxes, sigmas)
            for n, m in models.items()
        }
        if first is None:
            first = (file_name, boxes, poses, False)
        if finds_second_person(poses['mipnet'], anns, sigmas):
            return file_name, boxes, poses, True
    return first


def draw(img_path: str,
         boxes,
         panels,
         out_file: str,
         upscale: float = 3.0) -> str:
    """Side by side: each panel the image with the boxes and each model's
    poses, λ = 0 and λ = 1 in their colours; written whole (a temporary file
    renamed into place)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import mmcv
    import numpy as np
    image = mmcv.imread(img_path, channel_order='rgb')
    h, w = image.shape[:2]
    fig, axes = plt.subplots(
        1,
        len(panels),
        figsize=(len(panels) * w * upscale / 100, h * upscale / 100 + 0.8),
        dpi=100)
    for ax, (title, poses, meta) in zip(np.atleast_1d(axes), panels):
        ax.imshow(image, interpolation='bilinear')
        for x1, y1, x2, y2 in boxes:
            ax.add_patch(
                plt.Rectangle((x1, y1),
                              x2 - x1,
                              y2 - y1,
                              fill=False,
                              ec='white',
                              lw=1.2,
                              ls='--'))
        links = meta['skeleton_links']
        for kpts, scores, slot, _ in poses:
            c = COLOURS[min(slot, len(COLOURS) - 1)]
            for i, j in links:
                if scores[i] > 0.3 and scores[j] > 0.3:
                    ax.plot(kpts[[i, j], 0], kpts[[i, j], 1], c=c, lw=2.5)
            ok = scores > 0.3
            ax.scatter(
                kpts[ok, 0],
                kpts[ok, 1],
                s=18,
                c=c,
                zorder=3,
                edgecolors='black',
                linewidths=0.5)
        ax.set_title(title, fontsize=14)
        ax.set_xlim(0, w)
        ax.set_ylim(h, 0)
        ax.axis('off')
    fig.legend(
        handles=[
            matplotlib.lines.Line2D([], [],
                                    c=COLOURS[0],
                                    lw=3,
                                    label='pose of λ = 0 (the box\'s person)'),
            matplotlib.lines.Line2D([], [],
                                    c=COLOURS[1],
                                    lw=3,
                                    label='pose of λ = 1 (a second person)')
        ],
        loc='lower center',
        ncol=2,
        fontsize=12,
        frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    os.makedirs(osp.dirname(out_file), exist_ok=True)
    tmp = out_file[:-4] + '.part.png'
    fig.savefig(tmp)
    plt.close(fig)
    # 256 colours: a quarter of the file, the same picture to the eye
    from PIL import Image
    with Image.open(tmp) as im:
        small = im.convert('RGB').quantize(
            colors=256,
            method=Image.Quantize.MEDIANCUT,
            dither=Image.Dither.NONE)
    small.save(tmp, optimize=True)
    os.replace(tmp, out_file)
    return out_file


def pct(v) -> str:
    return '-' if v is None else f'{100 * v:.1f}'


def main(argv=None) -> dict:
    args = parse_args(argv)
    t0 = time.time()
    args.work_dir = osp.abspath(args.work_dir)
    args.data_root = osp.abspath(args.data_root)
    from mmengine.registry import init_default_scope

    import mmpose_occlusion  # noqa: F401  (registers our components)
    init_default_scope('mmpose')
    from evidence_common import ensure_data, write_json
    ensure_data(args.data_root, args.num_train, args.num_val, log=log)
    cb, bench, rows = make_bench(args)
    os.makedirs(bench.work_dir, exist_ok=True)
    ckpts, train_s = {}, {}
    for name, label, cfg in MODELS:
        done = osp.isfile(
            osp.join(
                bench.run_dir(rows[name], 0), f'epoch_{bench.epochs}.pth'))
        log(f'{label} ({osp.basename(cfg)}), {bench.epochs} epochs' +
            (f', {bench.autocast} autocast' if bench.autocast else '') +
            (': trained before, reused (--retrain trains it again)'
             if done and not args.retrain else ': training'))
        ckpts[name], train_s[name] = train_model(cb, bench, rows[name],
                                                 args.retrain)
    log('evaluating both on the validation split (ground-truth boxes)')
    t_eval = time.time()
    ctx = cb.make_context(bench)
    table = {
        name: figures(cb, bench, rows[name], ckpts[name], ctx)
        for name, _, _ in MODELS
    }
    eval_s = time.time() - t_eval
    models = {
        name: load_model(cb, bench, rows[name], ckpts[name])
        for name, _, _ in MODELS
    }
    file_name, boxes, poses, found = pick_picture(
        models, bench.img_dir, pair_images(ctx, bench.val_ann), cb.sigmas())
    img_path = osp.join(bench.img_dir, file_name)
    meta = models['stock'].dataset_meta
    panels = [(f'{label}: {len(poses[name])} pose(s) for {len(boxes)} '
               'boxes', poses[name], meta) for name, label, _ in MODELS]
    picture = draw(img_path, boxes, panels,
                   osp.join(bench.work_dir, 'stock_vs_mipnet.png'))
    total = time.time() - t0
    with open(bench.val_ann) as f:
        num_val = len(json.load(f)['images'])
    results = dict(
        epochs=bench.epochs,
        autocast=bench.autocast,
        device=bench.device,
        data_root=args.data_root,
        val_images=num_val,
        crowded_images=ctx['crowded_images'],
        models=table,
        train_s=train_s,
        eval_s=eval_s,
        total_s=total,
        picture=picture,
        picture_image=file_name,
        picture_second_person_found=found)
    results_file = write_json(
        results, osp.join(bench.work_dir, 'results.json'), indent=1)
    print()
    log(f'done in {total:.0f} s (training now: ' +
        ', '.join(f'{n} {s:.0f} s' for n, s in train_s.items()) +
        f'; evaluation {eval_s:.0f} s)')
    n_pairs = table['mipnet']['pair_boxes']
    print(f'\nOn {results["val_images"]} synthetic validation images '
          f'({ctx["crowded_images"]} crowded), ground-truth boxes, '
          f'{bench.epochs} epochs each:\n')
    print('| model | AP all | AP crowded | AP crowded, occluded people\'s '
          f'boxes removed | other person found ({n_pairs} two-person '
          'boxes) |')
    print('| --- | --- | --- | --- | --- |')
    for name, label, _ in MODELS:
        r = table[name]
        print(f'| {label} | {pct(r["ap_all"])} | {pct(r["ap_crowded"])} | '
              f'{pct(r["ap_crowded_front"])} | {pct(r["other_found"])} % |')
    print()
    log(f'picture: {picture} ({file_name}: ' +
        ("the two-person image with the most overlapping boxes where MIPNet's "
         'second pose finds the other person' if found else
         'the two-person image with the most overlapping boxes; MIPNet\'s '
         'second pose finds the other person in none of the first 30') + ')')
    log(f'results: {results_file}')
    return results


if __name__ == '__main__':
    main()
