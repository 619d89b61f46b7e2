"""The crowd chain end to end: box sources, proposal stage, several instances
per box with their provenance, batching, OKS-NMS."""
import json
import os.path as osp

import mmengine
import numpy as np
import pytest
import torch
from conftest import REPO_ROOT, SHARED_REAL, TINY_HRNET
from mmengine.config import Config
from mmpose.evaluation.functional.nms import oks_iou

from mmpose_occlusion.apis import (CheckpointMismatchError,
                                   CrowdPoseInferencer, MMDetPersonDetector,
                                   PrecomputedBoxes, SimulatedDetector,
                                   clean_boxes)
from mmpose_occlusion.proposals import BoxNMS, KeepAllBoxes
from mmpose_occlusion.registry import build_proposal_filter

BASELINE = osp.join(REPO_ROOT, 'configs', 'baseline',
                    'td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py')
MIPNET = osp.join(REPO_ROOT, 'configs', 'mipnet',
                  'td-hm_res18-half-mipnet_1xb32-6e_synthcrowd-128x96.py')
HINTPOSE = osp.join(
    REPO_ROOT, 'configs', 'hintpose',
    'td-hm_hrnet-w16-small-hintpose_1xb32-6e_synthcrowd-128x96.py')
CROWDPOSE = osp.join(REPO_ROOT, 'configs', 'mipnet',
                     'td-hm_hrnet-w32-mipnet_8xb64-210e_crowdpose-256x192.py')


def _val(tiny_synth):
    ann = osp.join(tiny_synth, 'annotations', 'person_keypoints_val.json')
    with open(ann) as f:
        coco = json.load(f)
    return ann, coco


def _first_image(tiny_synth):
    ann, coco = _val(tiny_synth)
    return ann, osp.join(tiny_synth, 'val', coco['images'][0]['file_name'])


def test_box_nms_and_keep_all():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]])
    scores = np.array([0.8, 0.9, 0.7])
    p = BoxNMS(iou_thr=0.5)(boxes, scores)
    np.testing.assert_array_equal(p.source, [1, 2])  # best of the pair
    p = BoxNMS(iou_thr=0.9)(boxes, scores)
    assert sorted(p.source) == [0, 1, 2]
    p = build_proposal_filter(dict(type='KeepAllBoxes'))(boxes, scores)
    assert isinstance(build_proposal_filter(dict(type='BoxNMS')), BoxNMS)
    np.testing.assert_array_equal(p.source, [0, 1, 2])
    assert len(KeepAllBoxes()(np.zeros((0, 4)), [])) == 0
    with pytest.raises(ValueError, match='3 boxes but 2 scores'):
        BoxNMS()(boxes, scores[:2])


def test_clean_boxes_clips_and_drops():
    boxes = [
        [-5, -5, 20, 20],  # clipped to the image
        [50, 50, 60, 60],  # entirely outside (image 40 x 30)
        [5, 5, 5, 15],  # zero width
        [1, 1, np.nan, 9],  # not finite
        [10, 10, 30, 25]
    ]
    kept, scores, dropped = clean_boxes(boxes, [1, 1, 1, 1, 0.5], (30, 40))
    np.testing.assert_allclose(kept, [[0, 0, 20, 20], [10, 10, 30, 25]])
    np.testing.assert_allclose(scores, [1, 0.5])
    assert dropped == 3


def test_simulated_detector_is_noisy_and_reproducible(tiny_synth):
    ann, coco = _val(tiny_synth)
    det = SimulatedDetector(
        ann, jitter=0.05, miss_prob=0.0, dup_prob=1.0, fp_rate=2.0)
    img = np.zeros((256, 320, 3), np.uint8)
    name = coco['images'][0]['file_name']
    boxes, scores = det(img, name)
    again, _ = det(img, name)
    np.testing.assert_array_equal(boxes, again)
    people = [
        a for a in coco['annotations']
        if a['image_id'] == coco['images'][0]['id']
    ]
    # every person twice (a duplicate each), plus false positives
    assert len(boxes) >= 2 * len(people)
    assert ((scores >= 0) & (scores <= 1)).all()
    assert len(det(img, 'not_there.jpg')[0]) == 0
    assert det.knows(name) and not det.knows('not_there.jpg')


def test_precomputed_boxes_by_file_name(tmp_path, tiny_synth):
    ann, coco = _val(tiny_synth)
    img = coco['images'][1]
    dets = [
        dict(
            image_id=img['id'],
            category_id=1,
            bbox=[10, 20, 30, 40],
            score=0.8),
        dict(image_id=img['id'], category_id=3, bbox=[0, 0, 5, 5], score=0.9)
    ]
    path = str(tmp_path / 'dets.json')
    mmengine.dump(dets, path, file_format='json')
    boxes, scores = PrecomputedBoxes(path, ann)(None, 'x/' + img['file_name'])
    np.testing.assert_allclose(boxes, [[10, 20, 40, 60]])
    np.testing.assert_allclose(scores, [0.8])
    assert len(PrecomputedBoxes(path, ann)(None, 'other.jpg')[0]) == 0


def _max_pairwise_oks(result, sigmas):
    k = result['keypoints']
    flat = np.concatenate([k, result['keypoint_scores'][..., None]],
                          -1).reshape(len(k), -1)
    wh = result['bboxes'][:, 2:] - result['bboxes'][:, :2]
    areas = wh.prod(1)
    worst = 0.0
    for i in range(len(k) - 1):
        worst = max(
            worst,
            oks_iou(flat[i], flat[i + 1:], areas[i], areas[i + 1:],
                    sigmas).max())
    return worst


def test_chain_end_to_end_on_a_synthetic_image(tiny_synth):
    ann, path = _first_image(tiny_synth)
    chain = CrowdPoseInferencer(
        BASELINE,
        None,
        box_source=SimulatedDetector(ann),
        bbox_thr=0.0,
        oks_thr=0.5)
    r = chain(path)
    boxes, scores = r['detections']
    assert len(boxes) > 0 and len(r['proposals']) <= len(boxes)
    n = len(r['scores'])
    assert 1 <= n <= len(r['proposals'])
    assert r['keypoints'].shape == (n, 17, 2)
    assert r['keypoint_scores'].shape == (n, 17)
    np.testing.assert_array_equal(r['instance_index'], 0)
    np.testing.assert_allclose(r['bboxes'],
                               r['proposals'].bboxes[r['box_index']])
    assert np.isnan(r['cue_points']).all()
    assert _max_pairwise_oks(r, chain.sigmas) <= 0.5 + 1e-6
    assert set(r['timings']) == {'load', 'detect', 'propose', 'pose', 'merge'}


def test_batched_crops_match_one_at_a_time(tiny_synth):
    ann, path = _first_image(tiny_synth)
    kwargs = dict(
        box_source=SimulatedDetector(ann, dup_prob=0.0),
        bbox_thr=0.0,
        proposal=dict(type='KeepAllBoxes'),
        oks_thr=1.0)
    batched = CrowdPoseInferencer(BASELINE, None, batch_size=16, **kwargs)
    single = CrowdPoseInferencer(BASELINE, None, batch_size=1, **kwargs)
    single.pose_model.load_state_dict(batched.pose_model.state_dict())
    a, b = batched(path), single(path)
    assert len(a['scores']) > 1
    np.testing.assert_allclose(a['keypoints'], b['keypoints'], atol=1e-3)
    np.testing.assert_allclose(
        a['keypoint_scores'], b['keypoint_scores'], atol=1e-5)


def test_mipnet_gives_n_instances_per_box_with_their_lambda(tiny_synth):
    ann, path = _first_image(tiny_synth)
    kwargs = dict(
        box_source=SimulatedDetector(ann), bbox_thr=0.0,
        oks_thr=1.0)  # keep every instance to count them
    chain = CrowdPoseInferencer(MIPNET, None, **kwargs)
    r = chain(path)
    p = len(r['proposals'])
    assert len(r['scores']) == 2 * p
    for box in range(p):
        np.testing.assert_array_equal(
            sorted(r['instance_index'][r['box_index'] == box]), [0, 1])
    one = CrowdPoseInferencer(MIPNET, None, num_instances=1, **kwargs)
    one.pose_model.load_state_dict(chain.pose_model.state_dict())
    r1 = one(path)
    assert len(r1['scores']) == p
    np.testing.assert_array_equal(r1['instance_index'], 0)
    np.testing.assert_allclose(
        r1['keypoints'], r['keypoints'][r['instance_index'] == 0], atol=1e-3)
    with pytest.raises(ValueError, match='num_instances'):
        CrowdPoseInferencer(BASELINE, None, num_instances=1)


def test_hintpose_runs_every_cue_of_a_box(tiny_synth):
    ann, path = _first_image(tiny_synth)
    given = {}

    def cue_source(img, boxes):
        pts = []
        for x1, y1, x2, y2 in boxes:
            pts.append(
                np.array([[x1 + 0.3 * (x2 - x1), (y1 + y2) / 2],
                          [x1 + 0.7 * (x2 - x1), (y1 + y2) / 2]]))
        given['points'] = pts
        return pts, [np.ones(2)] * len(pts)

    chain = CrowdPoseInferencer(
        HINTPOSE,
        None,
        box_source=SimulatedDetector(ann),
        bbox_thr=0.0,
        cue_source=cue_source,
        oks_thr=1.0)
    r = chain(path)
    p = len(r['proposals'])
    assert len(r['scores']) == 2 * p
    for box in range(p):
        mine = r['box_index'] == box
        np.testing.assert_array_equal(
            sorted(r['instance_index'][mine]), [0, 1])
        # the cue each instance ran with, back in image pixels
        order = np.argsort(r['instance_index'][mine])
        np.testing.assert_allclose(
            r['cue_points'][mine][order], given['points'][box], atol=0.5)
    # without a cue source: one (centre) cue per box
    chain.cue_source = None
    assert len(chain(path)['scores']) == p


def _save_random_checkpoint(config, path, num_keypoints=None):
    from mmpose.apis import init_model
    cfg = Config.fromfile(config)
    if num_keypoints is not None:
        cfg.model.head.out_channels = num_keypoints
    model = init_model(cfg, None, device='cpu')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return model


def test_checkpoint_of_another_model_is_refused(tmp_path):
    ckpt = str(tmp_path / 'crowdpose14.pth')
    _save_random_checkpoint(BASELINE, ckpt, num_keypoints=14)
    with pytest.raises(
            CheckpointMismatchError,
            match=r'crowdpose14.pth.*does not match config.*'
            r'head.final_layer.weight is \(14'):
        CrowdPoseInferencer(BASELINE, ckpt)
    with pytest.raises(CheckpointMismatchError, match='does not match config'):
        CrowdPoseInferencer(HINTPOSE, ckpt)
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        CrowdPoseInferencer(BASELINE, str(tmp_path / 'missing.pth'))
    good = str(tmp_path / 'good.pth')
    model = _save_random_checkpoint(BASELINE, good)
    chain = CrowdPoseInferencer(BASELINE, good)
    for k, v in model.state_dict().items():
        torch.testing.assert_close(chain.pose_model.state_dict()[k], v)


def test_mmdet_person_detector_keeps_the_person_class():
    det = MMDetPersonDetector(
        osp.join(REPO_ROOT, 'configs', 'detectors',
                 'faster-rcnn_r50_fpn_1x_coco-person.py'), None)
    assert det.label == 0
    boxes, scores = det(np.zeros((64, 80, 3), np.uint8), 'x.jpg')
    assert boxes.shape[1:] == (4, ) and len(scores) == len(boxes)
    with pytest.raises(ValueError, match="no class 'car'"):
        MMDetPersonDetector(
            osp.join(REPO_ROOT, 'configs', 'detectors',
                     'faster-rcnn_r50_fpn_1x_coco-person.py'),
            None,
            person_class='car')


@pytest.mark.skipif(
    not osp.isdir(osp.join(SHARED_REAL, 'crowdpose')),
    reason='../shared/data/real is not here')
def test_chain_on_real_crowdpose_images():
    """Plumbing on real photographs: their sizes, 14 CrowdPose keypoints,
    several people (a tiny random HRNet: no trained real-world weights)."""
    cfg = Config.fromfile(CROWDPOSE)
    cfg.model.backbone.extra = TINY_HRNET
    cfg.model.backbone.init_cfg = None
    cfg.model.head.in_channels = 8
    root = osp.join(SHARED_REAL, 'crowdpose')
    boxes = PrecomputedBoxes(
        osp.join(root, 'test_crowdpose_det_AP_40.json'),
        osp.join(root, 'test_crowdpose.json'))
    chain = CrowdPoseInferencer(cfg, None, box_source=boxes, bbox_thr=0.3)
    assert chain.dataset_meta['num_keypoints'] == 14
    for name in ('103319.jpg', '106848.jpg'):
        r = chain(osp.join(root, name))
        h, w = r['img_shape']
        assert len(r['proposals']) >= 2
        assert r['keypoints'].shape[1:] == (14, 2)
        assert (r['bboxes'][:, 2] <= w).all() and (r['bboxes'][:, 3]
                                                   <= h).all()


def test_chain_with_bad_and_no_boxes(tiny_synth):
    _, path = _first_image(tiny_synth)

    def bad_boxes(img, name):
        h, w = img.shape[:2]
        return (
            np.array([
                [-50, -50, 80, 120],  # partly outside: clipped
                [w + 5, 0, w + 60, 40],  # outside
                [10, 10, 10, 90],  # zero width
                [0, 0, np.inf, 20]
            ]),  # not finite
            np.ones(4))

    chain = CrowdPoseInferencer(BASELINE, None, box_source=bad_boxes)
    r = chain(path)
    np.testing.assert_allclose(r['detections'][0], [[0, 0, 80, 120]])
    assert len(r['scores']) == 1
    chain.box_source = lambda img, name: (np.zeros((0, 4)), np.zeros(0))
    r = chain(path)
    assert len(r['scores']) == 0 and r['keypoints'].shape == (0, 17, 2)


def test_unknown_proposal_filter_names_the_registered_ones():
    with pytest.raises(
            KeyError, match="'NoSuch' is not a proposal filter.*"
            "BoxNMS"):
        build_proposal_filter(dict(type='NoSuch'))


def test_coarse_pose_filter_in_the_chain_feeds_hintpose(tiny_synth):
    """DetPoseNet's filter by config, with perfect coarse poses (the ground
    truth): duplicates and false positives go, every person keeps one
    proposal, and HintPose runs with the filter's cue for each."""
    ann, coco = _val(tiny_synth)
    image = coco['images'][0]
    people = [a for a in coco['annotations'] if a['image_id'] == image['id']]
    gt = np.array([a['keypoints'] for a in people],
                  np.float32).reshape(len(people), -1, 3)

    def poses(img):
        return gt[..., :2], (gt[..., 2] > 0).astype(np.float32)

    boxes = SimulatedDetector(ann, miss_prob=0.0, dup_prob=1.0, fp_rate=3.0)
    chain = CrowdPoseInferencer(
        HINTPOSE,
        None,
        box_source=boxes,
        bbox_thr=0.0,
        proposal=dict(type='CoarsePoseFilter', pose_source=poses))
    r = chain(osp.join(tiny_synth, 'val', image['file_name']))
    proposals = r['proposals']
    real = [p for p in range(len(people)) if (gt[p, :, 2] > 0).sum() > 3]
    assert len(r['detections'][0]) >= 2 * len(people)  # dups + false pos.
    assert len(proposals) == len(real)
    # one proposal per person: each cue is a joint of a distinct person
    owners = []
    for cue in proposals.cue_points:
        d = np.linalg.norm(gt[..., :2] - cue[0], axis=-1)
        d[gt[..., 2] == 0] = np.inf
        owners.append(int(np.unravel_index(d.argmin(), d.shape)[0]))
        assert d.min() < 1e-3
    assert len(set(owners)) == len(owners)
    # HintPose ran once per proposal, with that cue
    assert len(r['scores']) <= len(proposals)
    for box, cue in zip(r['box_index'], r['cue_points']):
        np.testing.assert_allclose(cue, proposals.cue_points[box][0], atol=0.5)


def test_chain_from_a_chain_config(tiny_synth, tmp_path):
    """detector + coarse-pose filter + refinement model built from one
    chain config (tiny random models; the structure is what is tested)."""
    ann, path = _first_image(tiny_synth)
    chain_cfg = Config(
        dict(
            detector=dict(
                config=osp.join(REPO_ROOT, 'configs', 'detectors',
                                'faster-rcnn_r50_fpn_1x_coco-person.py'),
                checkpoint=None),
            proposal=dict(
                type='CoarsePoseFilter',
                delta_kpt=0,
                pose_source=dict(
                    config=osp.join(
                        REPO_ROOT, 'configs', 'bottomup',
                        'ae_hrnet-w16-small_1xb16-6e_synthcrowd-'
                        '256x256.py'),
                    checkpoint=None)),
            pose=dict(config=HINTPOSE, checkpoint=None),
            bbox_thr=0.0,
            oks_thr=0.5,
            device='cpu'))
    chain = CrowdPoseInferencer.from_chain_config(chain_cfg)
    assert isinstance(chain.box_source, MMDetPersonDetector)
    assert type(chain.proposal).__name__ == 'CoarsePoseFilter'
    assert chain.uses_cues and chain.oks_thr == 0.5
    r = chain(path)
    assert r['keypoints'].shape[1:] == (17, 2)
    with pytest.raises(KeyError, match='no `pose`'):
        CrowdPoseInferencer.from_chain_config(Config(dict(bbox_thr=0.1)))


def test_chain_keeps_mipnets_secondary_score_decay(tiny_synth):
    ann, path = _first_image(tiny_synth)
    kwargs = dict(
        box_source=SimulatedDetector(ann), bbox_thr=0.0,
        oks_thr=1.0)  # keep every instance
    chain = CrowdPoseInferencer(MIPNET, None, **kwargs)
    r = chain(path)
    box_scores = r['proposals'].scores[r['box_index']]
    second = r['instance_index'] == 1
    assert second.any() and (~second).any()
    np.testing.assert_allclose(
        r['bbox_scores'][second], 0.5 * box_scores[second], rtol=1e-6)
    np.testing.assert_allclose(
        r['bbox_scores'][~second], box_scores[~second], rtol=1e-6)
    chain.pose_model.test_cfg['secondary_score_decay'] = 1.0
    r = chain(path)
    np.testing.assert_allclose(r['bbox_scores'],
                               r['proposals'].scores[r['box_index']])


@pytest.mark.parametrize('workers', [0, 2])
def test_run_over_many_images_matches_one_by_one(tiny_synth, tmp_path,
                                                 workers):
    """``run`` pools the crops of several images into one forward pass and
    decodes in worker processes: same poses as the chain image by image,
    in input order, and a bad file gives its error without stopping the
    others."""
    ann, coco = _val(tiny_synth)
    paths = [
        osp.join(tiny_synth, 'val', i['file_name']) for i in coco['images']
    ]
    bad = tmp_path / 'broken.jpg'
    bad.write_text('not an image')
    inputs = paths[:2] + [str(bad)] + paths[2:]
    chain = CrowdPoseInferencer(
        MIPNET,
        None,
        box_source=SimulatedDetector(ann),
        bbox_thr=0.0,
        batch_size=5)
    out = list(chain.run(inputs, num_workers=workers, images_per_batch=3))
    assert [r.index for r in out] == list(range(len(inputs)))
    assert [r.path for r in out] == inputs
    assert out[2].result is None and 'broken.jpg' in out[2].error
    crops = 0
    for item in out[:2] + out[3:]:
        assert item.error is None
        one = chain(item.path)
        crops += len(one['proposals'])
        assert len(item.result['scores']) == len(one['scores']) > 0
        np.testing.assert_allclose(
            item.result['keypoints'], one['keypoints'], atol=1e-3)
        np.testing.assert_allclose(
            item.result['scores'], one['scores'], atol=1e-5)
        np.testing.assert_array_equal(item.result['box_index'],
                                      one['box_index'])
        assert item.result['img'].shape[:2] == one['img_shape']
    # the images' crops were really pooled: more crops than one image has
    assert crops > 5
    with pytest.raises(ValueError, match='images_per_batch'):
        next(chain.run(inputs, images_per_batch=0))
