"""Command-line tools run end to end on tiny inputs."""
import glob
import os.path as osp
import subprocess
import sys

import mmengine
import numpy as np
import pytest
import torch
from conftest import REPO_ROOT

MIPNET_SYNTH = osp.join(
    REPO_ROOT,
    'configs/mipnet/td-hm_res18-half-mipnet_1xb32-6e_synthcrowd-128x96.py')


def _analysis_tool(name):
    """Import tools/analysis/<name>.py (pytest.ini puts tools/analysis on
    the path, as Python does for a script)."""
    import importlib
    return importlib.import_module(name)


def test_draw_soft_lambda(tiny_synth, tmp_path):
    from mmpose.apis import init_model
    model = init_model(MIPNET_SYNTH, None, device='cpu')
    ckpt = str(tmp_path / 'mip.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    img = sorted(glob.glob(osp.join(tiny_synth, 'val', '*.jpg')))[0]
    out = str(tmp_path / 'fig' / 'soft.jpg')
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO_ROOT, 'tools/analysis/draw_soft_lambda.py'),
        MIPNET_SYNTH, ckpt, img, '--bbox', '10', '10', '150', '240', '--steps',
        '4', '--kpt-thr', '0', '--out', out
    ],
                          capture_output=True,
                          text=True,
                          cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    import cv2
    drawn, orig = cv2.imread(out), cv2.imread(img)
    assert drawn.shape == orig.shape
    assert (np.abs(drawn.astype(int) - orig).sum(-1) > 60).sum() > 50


def test_draw_soft_lambda_names_a_missing_image(tmp_path):
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO_ROOT, 'tools/analysis/draw_soft_lambda.py'),
        MIPNET_SYNTH, 'x.pth',
        str(tmp_path / 'missing.jpg'), '--bbox', '0', '0', '1', '1'
    ],
                          capture_output=True,
                          text=True,
                          cwd=REPO_ROOT)
    assert proc.returncode != 0
    assert 'missing.jpg' in proc.stderr


def test_make_cue_file_from_ground_truth_poses(tiny_synth, tmp_path):
    """Upper-bound cues: each box gets the central joint of every annotated
    person inside it, its own person's among them."""
    ann = osp.join(tiny_synth, 'annotations', 'person_keypoints_val.json')
    out = str(tmp_path / 'cues.json')
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO_ROOT, 'tools', 'misc', 'make_cue_file.py'), ann,
        osp.join(tiny_synth, 'val'), out, '--poses', ann, '--thr', '0',
        '--min-distance', '0', '--max-per-box', '10'
    ],
                          capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    cues = mmengine.load(out, file_format='json')
    anns = mmengine.load(ann, file_format='json')['annotations']
    assert set(cues) == {str(a['id']) for a in anns}
    for a in anns:
        kpts = np.asarray(a['keypoints'], np.float32).reshape(-1, 3)
        labelled = kpts[kpts[:, 2] > 0, :2]
        if not len(labelled):
            continue
        own = labelled[np.argmin(
            np.linalg.norm(labelled - labelled.mean(0), axis=1))]
        x, y, w, h = a['bbox']
        if x <= own[0] <= x + w and y <= own[1] <= y + h:
            assert np.abs(np.asarray(cues[str(a['id'])]) -
                          own).max(1).min() < 0.01


def test_seqdecoder_plateau_centroid_finds_the_disk_centre():
    """A flat disk response (what BCE on disk targets can learn) has its
    maximum anywhere on the disk: MMPose's argmax takes the first pixel in
    raster order, the disk's top; the plateau centroid finds the centre."""
    import seqdecoder_evidence as evidence
    import torch
    from mmpose.codecs.utils import get_heatmap_maximum
    ys, xs = torch.meshgrid(
        torch.arange(16.), torch.arange(20.), indexing='ij')
    disk = (((xs - 7)**2 + (ys - 8)**2) <= 4).float()
    peak = torch.exp(-((xs - 12)**2 + (ys - 3)**2))  # a sharp peak
    hm = torch.stack([disk * 0.8, peak])
    argmax = get_heatmap_maximum(hm.numpy())[0]
    np.testing.assert_allclose(argmax[0], [7, 6])
    np.testing.assert_allclose(
        evidence.disk_centroid(hm, 2.0).numpy(), [[7, 8], [12, 3]], atol=1e-4)


def test_seqdecoder_jitter_canvases_put_crops_back_in_place(
        tiny_synth, tmp_path):
    """The jitter test's canvases: each crowd crop back at its place on an
    image-size canvas, annotations back in the original frame."""
    import importlib.util
    import json

    import cv2

    def load(name, path):
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod

    evidence = load(
        'seqdecoder_evidence',
        osp.join(REPO_ROOT, 'tools/analysis/seqdecoder_evidence.py'))
    crowd = load(
        'make_coco_crowd',
        osp.join(REPO_ROOT, 'tools/dataset_converters/make_coco_crowd.py'))
    ann = osp.join(tiny_synth, 'annotations/person_keypoints_val.json')
    img_dir = osp.join(tiny_synth, 'val')
    crops = str(tmp_path / 'crops')
    assert crowd.main([ann, img_dir, crops, '--jitter', '5']) == 0
    crop_ann = osp.join(crops, 'annotations',
                        'person_keypoints_val_crowd.json')
    out = evidence.crops_on_canvas(crop_ann, osp.join(crops, 'images'),
                                   img_dir, str(tmp_path / 'canvas'))
    with open(out) as f:
        canvas = json.load(f)
    with open(crop_ann) as f:
        regions = json.load(f)
    with open(ann) as f:
        originals = {a['id']: a for a in json.load(f)['annotations']}
    assert len(canvas['images']) == len(regions['images']) > 0
    for info, region in zip(canvas['images'], regions['images']):
        orig = cv2.imread(osp.join(img_dir, info['original_file_name']))
        img = cv2.imread(
            osp.join(tmp_path, 'canvas', 'images', info['file_name']))
        crop = cv2.imread(osp.join(crops, 'images', region['file_name']))
        x1, y1, x2, y2 = info['crop_box']
        assert img.shape == orig.shape
        assert (info['width'], info['height']) == orig.shape[1::-1]
        # JPEG round trips: the crop's pixels, then its mean colour
        assert np.abs(img[y1:y2, x1:x2].astype(int) - crop).mean() < 4
        outside = np.ones(img.shape[:2], bool)
        outside[y1:y2, x1:x2] = False
        if outside.any():
            assert np.abs(img[outside].astype(int) -
                          crop.reshape(-1, 3).mean(0)).mean() < 4
    for a in canvas['annotations']:
        k = np.reshape(a['keypoints'], (-1, 3))
        ref = np.reshape(originals[a['original_id']]['keypoints'], (-1, 3))
        seen = k[:, 2] > 0
        assert seen.any()
        np.testing.assert_allclose(k[seen, :2], ref[seen, :2], atol=1e-6)


def test_proposal_filter_benchmark_default_row_is_the_filter_default():
    """The benchmark's "(default)" row runs CoarsePoseFilter's defaults, so
    the row the docs and the crowd benchmark quote cannot drift from the
    class."""
    from mmpose_occlusion.proposals import CoarsePoseFilter
    bpf = _analysis_tool('benchmark_proposal_filter')
    rows = dict(bpf.FILTER_VARIANTS)
    default = CoarsePoseFilter(pose_source=None)
    for key, value in rows[bpf.DEFAULT_LABEL].items():
        assert getattr(default, key) == value, key
    assert rows[bpf.ALGORITHM1] == dict(
        unposed_score_thr=None, pairing='score')


def test_coarse_pose_sweep_degrades_the_poses(tiny_synth, monkeypatch):
    """With every person's coarse pose missing, Algorithm 1 keeps no box
    (recall 0) while the default filter keeps the strong detections; box
    NMS does not depend on the poses."""
    cps = _analysis_tool('coarse_pose_sweep')
    monkeypatch.setattr(cps, 'FACTORS',
                        {'people missed': ('miss_person', (0.0, 1.0))})
    res = cps.sweep(
        osp.join(tiny_synth, 'annotations/person_keypoints_val.json'), 0)
    r = res['people missed']
    assert r['levels'] == [0.0, 1.0]
    assert r['Algorithm 1']['recall'][1] == 0.0
    assert r['Algorithm 1']['recall'][0] > 0.5
    assert r['filter (default)']['recall'][1] > 0.3
    assert r['best box NMS']['recall'][0] == r['best box NMS']['recall'][1]


def test_coarse_pose_sweep_runs_the_chain_per_level(tiny_synth, tmp_path,
                                                    monkeypatch):
    """The chain per level: with every coarse pose missing, Algorithm 1
    proposes no box, so the chain finds nobody (AP 0, no runs); with the
    poses present it runs the pose model on the kept boxes."""
    cps = _analysis_tool('coarse_pose_sweep')
    monkeypatch.setattr(cps, 'FACTORS',
                        {'people missed': ('miss_person', (0.0, 1.0))})
    baseline = osp.join(REPO_ROOT, 'configs', 'baseline',
                        'td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py')
    res = cps.chain_sweep(tiny_synth, baseline, None, 0, str(tmp_path))
    alg1 = res['people missed']['Algorithm 1']
    assert alg1['runs'][1] == 0.0 and alg1['ap'][1] <= 0.0
    assert alg1['runs'][0] > 0.5
    nms = res['best box NMS']
    assert nms['iou_thr'] in (0.3, 0.5, 0.6, 0.7, 0.8) and nms['runs'] > 0.5
    assert res['box NMS 0.5']['runs'] <= nms['runs']
    cps.plot({}, str(tmp_path / 'sweep.png'), res)
    assert osp.getsize(tmp_path / 'sweep.png') > 0


def _parse(path, argv, monkeypatch):
    """``parse_args()`` of the tool at ``path`` on ``argv``, and the option
    strings its parser knows."""
    import argparse
    import importlib.util
    spec = importlib.util.spec_from_file_location(f'tool_{abs(hash(path))}',
                                                  path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    seen = {}
    parse = argparse.ArgumentParser.parse_args

    def record(parser, *args, **kwargs):
        seen['options'] = set(parser._option_string_actions)
        return parse(parser, *args, **kwargs)

    monkeypatch.setattr(argparse.ArgumentParser, 'parse_args', record)
    monkeypatch.setattr(sys, 'argv', ['tool', *argv])
    return vars(module.parse_args()), seen['options']


def test_train_and_test_tools_take_mmpose_tools_arguments(monkeypatch):
    """tools/train.py and tools/test.py parse exactly as MMPose 1.3.2's."""
    import mmpose
    theirs = osp.join(osp.dirname(mmpose.__file__), '.mim', 'tools')
    monkeypatch.setenv('LOCAL_RANK', '0')
    cases = {
        'train.py': [
            'cfg.py', '--work-dir', 'w', '--resume', '--amp', '--no-validate',
            '--launcher', 'pytorch', '--cfg-options', 'a.b=1'
        ],
        'test.py': [
            'cfg.py', 'ckpt.pth', '--out', 'm.json', '--dump', 'p.pkl',
            '--launcher', 'pytorch', '--cfg-options', 'a=2'
        ],
    }
    for tool, argv in cases.items():
        ours = _parse(osp.join(REPO_ROOT, 'tools', tool), argv, monkeypatch)
        stock = _parse(osp.join(theirs, tool), argv, monkeypatch)
        assert ours == stock, tool
        assert '--launcher' in ours[1] and '--cfg-options' in ours[1]


def test_hintpose_cue_ambiguity_counts_wrong_person_cues(tiny_synth):
    """Without jitter the training cue sits on a target joint (never nearer
    another person); a large jitter puts some cues nearer another
    person."""
    hca = _analysis_tool('hintpose_cue_ambiguity')
    from mmengine.config import Config
    exact = hca.ambiguity(Config.fromfile(hca.CONFIG), tiny_synth, 0.0, 12)
    assert exact['samples'] > 3 and exact['wrong'] == 0.0
    assert exact['to_target'] == 0.0
    noisy = hca.ambiguity(Config.fromfile(hca.CONFIG), tiny_synth, 8.0, 12)
    assert noisy['wrong'] > 0.0 and noisy['to_target'] > 5.0


def test_hintpose_jitter_sweep_reads_each_sittings_device(tmp_path):
    """A run started on a GPU and resumed on the CPU says so (from the
    environment block of each sitting's MMEngine log)."""
    hjs = _analysis_tool('hintpose_jitter_sweep')
    env = {
        'gpu': '    CUDA available: True\n    GPU 0: NVIDIA H100 80GB HBM3\n',
        'cpu': '    CUDA available: False\n'
    }
    for stamp, kind in (('20261126_100000', 'gpu'), ('20261126_110000', 'cpu'),
                        ('20261126_120000', 'cpu')):
        (tmp_path / stamp).mkdir()
        (tmp_path / stamp /
         f'{stamp}.log').write_text('System environment:\n' + env[kind] +
                                    '    numpy_random_seed: 1\n')
    assert hjs.sitting_devices(
        str(tmp_path)) == ['NVIDIA H100 80GB HBM3', 'cpu']
    assert hjs.sitting_devices(str(tmp_path / 'none')) == []


def test_hintpose_jitter_sweep_edits_only_the_training_cue():
    """The sweep reads the config's jitter and changes it in the training
    pipeline only (the test pipeline's cue has none)."""
    hjs = _analysis_tool('hintpose_jitter_sweep')
    cfg_path = hjs.cb.ROWS[hjs.BASE_ROW][2]
    assert hjs.config_cue(cfg_path) == (1.5, 2.0)
    cfg = hjs.cb.load_cfg(cfg_path, hjs.set_cue(jitter=0.25))
    cues = [
        t for t in cfg.train_dataloader.dataset.pipeline
        if t['type'] == 'GenerateInstanceCue'
    ]
    assert [t['jitter'] for t in cues] == [0.25]
    assert all('jitter' not in t for t in cfg.val_dataloader.dataset.pipeline
               if t['type'] == 'GenerateInstanceCue')
    with pytest.raises(ValueError, match='GenerateInstanceCue'):
        hjs.cb.load_cfg(hjs.cb.ROWS['stock'][2], hjs.set_cue(jitter=0.0))
    # a sigma variant draws the same cue in training and at test time
    cfg = hjs.cb.load_cfg(cfg_path, hjs.set_cue(0.5, 1.0))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cues = [
            t for t in cfg[loader].dataset.pipeline
            if t['type'] == 'GenerateInstanceCue'
        ]
        assert [t['sigma'] for t in cues] == [1.0], loader
    assert hjs.parse_variant('0.5/1', 2.0) == (0.5, 1.0, {})
    assert hjs.parse_variant('0', 2.0) == (0.0, 2.0, {})
    for bad in ('a/b', '0,stages=15', '0,other=2', '0,depth=3', '0,epochs=0',
                '0,input=64x48'):
        with pytest.raises(SystemExit, match='JITTER/SIGMA'):
            hjs.parse_variant(bad, 2.0)
    # model and target variants: the backbone's cue stages, ChooseCueTarget
    jitter, sigma, extra = hjs.parse_variant('0,stages=43,other=0.8', 2.0)
    assert extra == dict(cue_stages=(3, 4), other_prob=0.8)
    assert hjs.variant_row(jitter, sigma, extra, 2.0) == \
        'hintpose_1hop_jitter0_stages34_other0.8'
    assert hjs.config_other_prob(cfg_path) == 0.5
    assert hjs.parse_variant('1.5,epochs=120',
                             2.0) == (1.5, 2.0, dict(epochs=120))
    assert hjs.variant_row(1.5, 2.0, dict(epochs=120), 2.0) == \
        'hintpose_1hop_jitter1.5_120e'
    assert hjs.variant_row(*hjs.parse_variant('0,input=128x96', 2.0),
                           2.0) == 'hintpose_1hop_jitter0_128x96'
    cfg = hjs.cb.load_cfg(cfg_path, hjs.set_cue(jitter, **extra))
    assert tuple(cfg.model.backbone.cue_stages) == (3, 4)
    assert [
        t['other_prob'] for t in cfg.train_dataloader.dataset.pipeline
        if t['type'] == 'ChooseCueTarget'
    ] == [0.8]
