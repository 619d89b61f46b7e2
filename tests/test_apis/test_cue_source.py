"""Cues from a bottom-up model: heatmap -> image mapping, cue files, and the
Associative Embedding codec/head fixes that let the cue model train."""
import os.path as osp

import mmengine
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmpose.apis import init_model
from mmpose.registry import DATASETS, MODELS

from mmpose_occlusion.apis import BottomupCueSource, write_cue_file

AE = osp.join(REPO_ROOT, 'configs', 'bottomup',
              'ae_hrnet-w16-small_1xb16-6e_synthcrowd-256x256.py')


def _dot_model():
    """The AE config whose 'heatmaps' are the input's brightness (pooled at
    stride 4, every channel alike), so a white square in the image must come
    back as a cue at the same image position."""
    model = init_model(Config.fromfile(AE), None, device='cpu')
    model.extract_feat = lambda inputs: (inputs, )

    def head_forward(feats):
        x = F.avg_pool2d(feats[0][:, :1], 4)  # normalised: ~-2 black, ~2 white
        heat = ((x + 2.2) / 4.4).clamp(0, 1).repeat(1, 17, 1, 1)
        return heat, torch.zeros_like(heat)

    model.head.forward = head_forward
    return model


@pytest.mark.parametrize('size', [(256, 320), (300, 200)])
def test_bottomup_heatmaps_map_back_to_the_image(size):
    h, w = size
    img = np.zeros((h, w, 3), np.uint8)
    x0, y0 = int(w * 0.6), int(h * 0.4)
    img[y0:y0 + 8, x0:x0 + 8] = 255  # centre (x0 + 3.5, y0 + 3.5)
    source = BottomupCueSource(
        _dot_model(),
        mode='peaks',
        threshold=0.5,
        max_per_box=3,
        min_distance=20)
    boxes = [[x0 - 30, y0 - 30, x0 + 30, y0 + 30], [0, 0, 40, 40]]
    points, scores = source(img, boxes)
    assert len(points[0]) == 1 and len(points[1]) == 0
    np.testing.assert_allclose(points[0][0], [x0 + 3.5, y0 + 3.5], atol=4)
    assert scores[0][0] > 0.5
    assert source.model.test_cfg['output_heatmaps']


def test_cue_source_rejects_a_non_bottomup_model():
    with pytest.raises(TypeError, match='bottom-up'):
        BottomupCueSource(torch.nn.Linear(2, 2))


def test_write_cue_file_keys_by_annotation_or_detection_id(tmp_path):
    coco = dict(
        images=[dict(id=1, file_name='a.jpg', width=100, height=100)],
        annotations=[
            dict(id=11, image_id=1, bbox=[0, 0, 40, 40], category_id=1),
            dict(id=12, image_id=1, bbox=[50, 50, 40, 40], category_id=1)
        ],
        categories=[dict(id=1, name='person')])
    ann_file = str(tmp_path / 'gt.json')
    mmengine.dump(coco, ann_file, file_format='json')
    seen = []

    def cue_fn(image, boxes):
        seen.append((image['file_name'], boxes.tolist()))
        return [np.array([[b[0] + 1, b[1] + 1]]) for b in boxes]

    out = str(tmp_path / 'cues.json')
    counts = write_cue_file(cue_fn, ann_file, out)
    # boxes reach cue_fn as x1, y1, x2, y2
    assert seen == [('a.jpg', [[0, 0, 40, 40], [50, 50, 90, 90]])]
    assert mmengine.load(
        out, file_format='json') == {
            '11': [[1, 1]],
            '12': [[51, 51]]
        }
    assert counts == dict(boxes=2, cues=2, boxes_without_cue=0)

    dets = [
        dict(image_id=1, category_id=2, bbox=[0, 0, 5, 5], score=1),
        dict(image_id=1, category_id=1, bbox=[10, 10, 20, 20], score=1)
    ]
    det_file = str(tmp_path / 'dets.json')
    mmengine.dump(dets, det_file, file_format='json')
    write_cue_file(
        lambda image, boxes: [[] for _ in boxes],
        ann_file,
        out,
        bbox_file=det_file)
    # MMPose numbers detections among the person entries only
    assert mmengine.load(out, file_format='json') == {'0': []}

    bad = [dict(image_id=7, category_id=1, bbox=[0, 0, 5, 5], score=1)]
    mmengine.dump(bad, det_file, file_format='json')
    with pytest.raises(KeyError, match='image 7'):
        write_cue_file(
            cue_fn, ann_file, str(tmp_path / 'x.json'), bbox_file=det_file)
    assert not osp.exists(tmp_path / 'x.json')


def test_associative_embedding_trains(tiny_synth):
    """MMPose 1.3.2's AE cannot train (the codec drops keypoint indices, the
    head's loss mixes per-person and per-image weights); ours can."""
    cfg = Config.fromfile(AE)
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.data_root = tiny_synth
    dataset = DATASETS.build(ds_cfg)
    batch = pseudo_collate([dataset[i] for i in range(2)])
    labels = batch['data_samples'][0].gt_instance_labels
    n = len(dataset[0]['data_samples'].gt_instances)
    assert labels.keypoint_indices.shape == (n, 17, 2)

    model = MODELS.build(cfg.model)
    data = model.data_preprocessor(batch, True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert set(losses) == {'loss_kpt', 'loss_pull', 'loss_push'}
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    assert model.head.final_layer.weight.grad.abs().sum() > 0

    # the heatmap term is the stock masked MSE, taken against the mask only
    from mmpose.models.losses import KeypointMSELoss
    heat, _ = model.head.forward(model.extract_feat(data['inputs']))
    gt = torch.stack([d.gt_fields.heatmaps for d in data['data_samples']])
    mask = torch.stack(
        [d.gt_fields.heatmap_mask for d in data['data_samples']])
    want = KeypointMSELoss()(heat, gt, None, mask)
    got = model.head.loss(
        model.extract_feat(data['inputs']), data['data_samples'])['loss_kpt']
    torch.testing.assert_close(got, want)


def test_bottomup_pose_source_gives_image_poses():
    from mmpose_occlusion.apis import BottomupPoseSource
    source = BottomupPoseSource.from_config(Config.fromfile(AE), None)
    kpts, scores = source(np.zeros((256, 320, 3), np.uint8))
    assert kpts.ndim == 3 and kpts.shape[1:] == (17, 2)
    assert scores.shape == kpts.shape[:2]
    with pytest.raises(TypeError, match='bottom-up'):
        BottomupPoseSource(torch.nn.Linear(2, 2))


def _two_person_model(strong=0.9, weak=0.6):
    """The AE config with a handmade head output: two people side by side
    in one 256x256 image, person A (brighter heatmaps) 32 px left of person
    B, every joint of A tagged 0 and of B tagged 5. The maps are made at
    the input size (MMPose's AE head restores the heatmap size only under
    flip test, which a handmade output cannot follow). Returns the model and
    the two people's joints in image pixels."""
    model = init_model(Config.fromfile(AE), None, device='cpu')
    model.test_cfg = dict(model.test_cfg, flip_test=False)
    model.extract_feat = lambda inputs: [inputs]
    rng = np.random.default_rng(0)
    a = np.stack([rng.integers(56, 88, 17), np.linspace(24, 232, 17)], 1)
    b = a + np.array([32, 0])
    heat = torch.zeros(1, 17, 256, 256)
    tags = torch.zeros(1, 17, 256, 256)
    ys, xs = torch.meshgrid(
        torch.arange(256.), torch.arange(256.), indexing='ij')
    for k in range(17):
        for (x, y), value, tag in ((a[k], strong, 0.0), (b[k], weak, 5.0)):
            g = torch.exp(-((xs - x)**2 + (ys - y)**2) / (2 * 6.0**2))
            heat[0, k] = torch.maximum(heat[0, k], value * g)
            tags[0, k][g > 0.01] = tag

    def head_forward(feats):
        n = feats[0].shape[0]
        return heat.repeat(n, 1, 1, 1), tags.repeat(n, 1, 1, 1)

    model.head.forward = head_forward
    return model, a.astype(np.float32), b.astype(np.float32)


def test_pose_cues_give_one_cue_per_person_in_the_box():
    """Two people in one box: one cue on each (the grouped poses' central
    joints); the report's peaks put every cue on the brighter person."""
    model, a, b = _two_person_model()
    img = np.zeros((256, 256, 3), np.uint8)
    box = [[a[:, 0].min() - 20, 0, b[:, 0].max() + 20, 255]]
    points, _ = BottomupCueSource(model)(img, box)
    assert len(points[0]) == 2
    nearest = []
    for p in points[0]:
        da = np.linalg.norm(a - p, axis=1).min()
        db = np.linalg.norm(b - p, axis=1).min()
        assert min(da, db) <= 4  # on a joint of a person
        nearest.append('a' if da < db else 'b')
    assert sorted(nearest) == ['a', 'b']

    peaks, _ = BottomupCueSource(
        model, mode='peaks', max_per_box=2, threshold=0.3)(img, box)
    on_a = [np.linalg.norm(a - p, axis=1).min() <= 4 for p in peaks[0]]
    assert len(peaks[0]) == 2 and all(on_a)
    with pytest.raises(ValueError, match="'poses' or 'peaks'"):
        BottomupCueSource(model, mode='joints')
