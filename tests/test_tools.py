"""Command-line tools run end to end on tiny inputs."""
import glob
import os.path as osp
import subprocess
import sys

import numpy as np
import torch

from conftest import REPO_ROOT

MIPNET_SYNTH = osp.join(
    REPO_ROOT,
    'configs/mipnet/td-hm_res18-half-mipnet_1xb32-6e_synthcrowd-128x96.py')


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
        MIPNET_SYNTH, ckpt, img, '--bbox', '10', '10', '150', '240',
        '--steps', '4', '--kpt-thr', '0', '--out', out
    ], capture_output=True, text=True, cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    import cv2
    drawn, orig = cv2.imread(out), cv2.imread(img)
    assert drawn.shape == orig.shape
    assert (np.abs(drawn.astype(int) - orig).sum(-1) > 60).sum() > 50


def test_draw_soft_lambda_names_a_missing_image(tmp_path):
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO_ROOT, 'tools/analysis/draw_soft_lambda.py'),
        MIPNET_SYNTH, 'x.pth', str(tmp_path / 'missing.jpg'), '--bbox', '0',
        '0', '1', '1'
    ], capture_output=True, text=True, cwd=REPO_ROOT)
    assert proc.returncode != 0
    assert 'missing.jpg' in proc.stderr


def test_make_cue_file_from_ground_truth_poses(tiny_synth, tmp_path):
    """Upper-bound cues: each box gets the central joint of every annotated
    person inside it, its own person's among them."""
    import json
    ann = osp.join(tiny_synth, 'annotations', 'person_keypoints_val.json')
    out = str(tmp_path / 'cues.json')
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO_ROOT, 'tools', 'misc', 'make_cue_file.py'), ann,
        osp.join(tiny_synth, 'val'), out, '--poses', ann, '--thr', '0',
        '--min-distance', '0', '--max-per-box', '10'
    ], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    cues = json.load(open(out))
    anns = json.load(open(ann))['annotations']
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
            assert np.abs(np.asarray(cues[str(a['id'])]) - own).max(
                1).min() < 0.01
