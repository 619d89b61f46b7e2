"""The sequential decoder as a cue source (its part heatmaps, for HintPose)
and a coarse-pose source (its decoded people, for DetPoseNet's filter)."""
import os.path as osp

import numpy as np
import torch
import torch.nn.functional as F
from conftest import REPO_ROOT
from mmengine.config import Config
from mmpose.apis import init_model

from mmpose_occlusion.apis import BottomupCueSource, BottomupPoseSource
from mmpose_occlusion.proposals import CoarsePoseFilter

SEQ = osp.join(REPO_ROOT, 'configs', 'seqdecoder',
               'seqdec_res18-half_1xb16-16e_synthcrowd-128x160.py')
K = 17


def _scripted_model(people_hm):
    """The synthetic config whose part heatmaps are the input's brightness
    (pooled at stride 4) and whose decoder emits one person per entry of
    ``people_hm`` (all keypoints at that heatmap pixel), then stops; the
    keypoints are decoded from the steps alone (the paper's decoding)."""
    cfg = Config.fromfile(SEQ)
    cfg.model.test_cfg.flip_test = False
    cfg.model.test_cfg.locate_by_parts = False
    model = init_model(cfg, None, device='cpu')
    # the neck's output: C1..C4, then the fused part features
    model.extract_feat = lambda x: tuple(
        F.avg_pool2d(x[:, :1], 4 * 2**s)
        for s in range(4)) + (F.avg_pool2d(x[:, :1], 4).repeat(1, 64, 1, 1), )
    head = model.head
    head.part_localizer.forward = lambda fused: (
        (fused[:, :1] + 2.2) / 4.4 * 12 - 6).repeat(1, K, 1, 1)
    head.person_decoder.prepare = lambda feats: [feats[0]]
    head.person_decoder.init_states = lambda: 0

    def step(context, t):
        b, _, h, w = context[0].shape
        logits = torch.full((b, K, h, w), -12.0)
        if t < len(people_hm):
            x, y = people_hm[t]
            logits[:, :, y, x] = 6.0
        return logits, t + 1

    head.person_decoder.step = step
    return model


def test_part_heatmaps_give_hintpose_cues_in_image_pixels():
    img = np.zeros((256, 320, 3), np.uint8)
    img[120:136, 200:216] = 255  # centre (207.5, 127.5)
    source = BottomupCueSource(
        _scripted_model([]),
        mode='peaks',
        threshold=0.5,
        max_per_box=2,
        min_distance=20)
    points, _ = source(img, [[150, 80, 260, 180], [0, 0, 60, 60]])
    assert len(points[0]) == 1 and len(points[1]) == 0
    np.testing.assert_allclose(points[0][0], [207.5, 127.5], atol=8)


def test_decoded_people_are_coarse_poses_for_the_filter():
    # 320x256 image -> 160x128 input (x0.5) -> 40x32 heatmaps (stride 4):
    # heatmap pixel (x, y) is image pixel about (8x, 8y)
    model = _scripted_model([(10, 8), (30, 20)])
    poses = BottomupPoseSource(model)
    img = np.full((256, 320, 3), 90, np.uint8)
    kpts, scores = poses(img)
    assert kpts.shape == (2, K, 2) and scores.shape == (2, K)
    np.testing.assert_allclose(kpts[0], np.tile([80, 64], (K, 1)), atol=8)
    np.testing.assert_allclose(kpts[1], np.tile([240, 160], (K, 1)), atol=8)
    assert (scores > 0.9).all()
    # DetPoseNet's filter takes them as its pose source: the two people
    # keep one box each; a detector box with no pose in it is dropped
    # (Algorithm 1 as published)
    filt = CoarsePoseFilter(pose_source=poses, unposed_score_thr=None)
    boxes = np.array([[50, 30, 110, 100], [52, 32, 112, 102],
                      [210, 120, 270, 200], [5, 200, 40, 250]], np.float32)
    out = filt(boxes, np.array([0.9, 0.8, 0.9, 0.7], np.float32), img=img)
    assert sorted(out.source.tolist()) == [0, 2]
