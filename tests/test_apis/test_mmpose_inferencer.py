"""MMPose's own ``MMPoseInferencer`` with our configs: top-down models
(MIPNet gives N poses per box) and the sequential decoder as a bottom-up
model, checked against our chain and MMPose's ``inference_bottomup``."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from mmpose.apis import MMPoseInferencer, inference_bottomup, init_model

from mmpose_occlusion.apis import CrowdPoseInferencer

MIPNET = osp.join(REPO_ROOT, 'configs', 'mipnet',
                  'td-hm_res18-half-mipnet_1xb32-6e_synthcrowd-128x96.py')
HINTPOSE = osp.join(
    REPO_ROOT, 'configs', 'hintpose',
    'td-hm_hrnet-w16-small-hintpose_1xb32-6e_synthcrowd-128x96.py')
SEQ = osp.join(REPO_ROOT, 'configs', 'seqdecoder',
               'seqdec_res18-half_1xb16-16e_synthcrowd-128x160.py')


def _image(tiny_synth):
    ann = osp.join(tiny_synth, 'annotations', 'person_keypoints_val.json')
    with open(ann) as f:
        name = json.load(f)['images'][0]['file_name']
    return osp.join(tiny_synth, 'val', name)


def _weights(config, path):
    """Random weights saved as a training checkpoint would be; MIPNet's
    MIMBs (which start neutral or near it) are randomised too, so that the
    selector changes the pose as in a trained model."""
    from mmpose_occlusion.models.utils.mimb import MIMB
    torch.manual_seed(0)
    model = init_model(Config.fromfile(config), None, device='cpu')
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, MIMB):
                for param in module.parameters():
                    param.normal_(0, 1.0)
    torch.save(
        dict(
            state_dict=model.state_dict(),
            meta=dict(dataset_meta=model.dataset_meta)), path)
    return str(path)


def _predictions(config, weights, img, **kwargs):
    inferencer = MMPoseInferencer(
        pose2d=config, pose2d_weights=weights, device='cpu', **kwargs)
    result = next(inferencer(img, return_vis=False))
    return result['predictions'][0]


@pytest.mark.parametrize('config,n', [(MIPNET, 2), (HINTPOSE, 1)])
def test_topdown_configs_give_our_chains_poses(tiny_synth, tmp_path, config,
                                               n):
    """One whole-image box: MIPNet returns N = 2 poses (λ = 0, 1), HintPose
    one (its cue at the box centre), equal to what our crowd chain gives
    for the same box and weights."""
    img = _image(tiny_synth)
    weights = _weights(config, tmp_path / 'pose.pth')
    preds = _predictions(config, weights, img, det_model='whole_image')
    assert len(preds) == n
    chain = CrowdPoseInferencer(
        config, weights, box_source=None, oks_thr=1.0)  # keep every instance
    ours = chain(img)
    order = np.argsort(ours['instance_index'])
    np.testing.assert_allclose(
        np.array([p['keypoints'] for p in preds]),
        ours['keypoints'][order],
        atol=1e-2)
    np.testing.assert_allclose(
        np.array([p['keypoint_scores'] for p in preds]),
        ours['keypoint_scores'][order],
        atol=1e-4)
    if n > 1:  # the two selectors really give two different poses
        assert np.abs(np.subtract(*[p['keypoints'] for p in preds])).max() \
            > 1.0


def test_sequential_decoder_as_mmposes_bottomup_model(tiny_synth, tmp_path):
    img = _image(tiny_synth)
    weights = _weights(SEQ, tmp_path / 'seq.pth')
    preds = _predictions(SEQ, weights, img)
    model = init_model(SEQ, weights, device='cpu')
    ref = inference_bottomup(model, img)[0].pred_instances
    assert len(preds) == len(ref.keypoints) > 0
    np.testing.assert_allclose(
        np.array([p['keypoints'] for p in preds]), ref.keypoints, atol=1e-3)
