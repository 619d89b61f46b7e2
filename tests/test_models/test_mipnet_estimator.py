import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from mmpose_occlusion.models import MIPNetPoseEstimator, soft_selectors

K, N = 17, 2
CODEC = dict(
    type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2)


def _model(test_cfg=None):
    """A small MIPNet whose MIMB gates differ per λ (as after training; the
    official init starts them all near 0.5)."""
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='MIPNetPoseEstimator',
            data_preprocessor=dict(type='PoseDataPreprocessor'),
            backbone=dict(
                type='MIPResNet',
                depth=18,
                base_channels=16,
                stem_channels=16,
                num_instances=N),
            head=dict(
                type='HeatmapHead',
                in_channels=128,
                out_channels=K,
                deconv_out_channels=(32, 32, 32),
                deconv_kernel_sizes=(4, 4, 4),
                loss=dict(type='KeypointMSELoss', use_target_weight=True),
                decoder=CODEC),
            test_cfg=test_cfg or dict(flip_test=False)))
    for m in model.backbone.mimb.modules():
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.normal_(m.weight, std=0.5)
    return model


def _samples(b):
    rng = np.random.default_rng(0)
    out = []
    for i in range(b):
        ds = PoseDataSample(
            metainfo=dict(
                input_size=(96, 128),
                input_center=np.array([100., 80.]),
                input_scale=np.array([96., 128.]),
                flip_indices=list(range(K)),
                id=i,
                img_id=0))
        ds.gt_fields = PixelData(
            heatmaps=torch.from_numpy(
                rng.random((N * K, 32, 24)).astype(np.float32)))
        w = np.ones((1, N * K), np.float32)
        w[0, 3] = 0  # an unlabelled keypoint in slot 0
        ds.gt_instance_labels = InstanceData(
            keypoint_weights=torch.from_numpy(w))
        ds.gt_instances = InstanceData(
            bboxes=np.array([[50., 16., 150., 144.]]), bbox_scores=np.ones(1))
        out.append(ds)
    return out


def test_loss_is_the_mean_of_the_per_slot_losses_eq1():
    model = _model()
    model.eval()  # BatchNorm statistics would differ between batch sizes
    inputs = torch.randn(2, 3, 128, 96)
    samples = _samples(2)
    loss = model.loss(inputs, samples)['loss_kpt']

    # recompute: λ = i for every image, slot i's targets
    per_slot = []
    for i in range(N):
        selector = torch.zeros(2, 1, N)
        selector[:, 0, i] = 1
        pred = model.head.forward(model.extract_feat(inputs, selector))
        gt = torch.stack(
            [s.gt_fields.heatmaps[i * K:(i + 1) * K] for s in samples])
        w = torch.cat([
            s.gt_instance_labels.keypoint_weights[:, i * K:(i + 1) * K]
            for s in samples
        ])
        per_slot.append(model.head.loss_module(pred, gt, w))
    torch.testing.assert_close(loss, torch.stack(per_slot).mean())
    # swapping the slots' targets changes the loss: the order matters
    for s in samples:
        s.gt_fields.heatmaps = torch.cat(
            [s.gt_fields.heatmaps[K:], s.gt_fields.heatmaps[:K]])
    assert not torch.allclose(model.loss(inputs, samples)['loss_kpt'], loss)


def test_single_slot_targets_are_rejected():
    model = _model()
    samples = _samples(1)
    samples[0].gt_fields.heatmaps = samples[0].gt_fields.heatmaps[:K]
    samples[0].gt_instance_labels.keypoint_weights = \
        samples[0].gt_instance_labels.keypoint_weights[:, :K]
    with pytest.raises(ValueError, match='GenerateMultiInstanceTarget'):
        model.loss(torch.randn(1, 3, 128, 96), samples)


@pytest.mark.parametrize('flip_test', [False, True])
def test_predict_gives_n_instances_per_box(flip_test):
    model = _model(dict(flip_test=flip_test))
    model.eval()
    with torch.no_grad():
        results = model.predict(torch.randn(3, 3, 128, 96), _samples(3))
    for r in results:
        pred = r.pred_instances
        assert len(pred) == N
        assert pred.keypoints.shape == (N, K, 2)
        assert pred.keypoint_scores.shape == (N, K)
        np.testing.assert_array_equal(pred.instance_selectors, np.eye(N))
        assert pred.bboxes.shape == (N, 4)
        # image coordinates: inside the box's input window (centre x 100,
        # width 96), up to one heatmap pixel (4 px) for the codec's -1
        # sentinel on an untrained model
        assert (pred.keypoints[..., 0] >= 100 - 48 - 4).all()
        assert (pred.keypoints[..., 0] <= 100 + 48).all()
    assert not np.allclose(results[0].pred_instances.keypoint_scores[0],
                           results[0].pred_instances.keypoint_scores[1])


def test_soft_selectors_interpolate_between_instances():
    model = _model()
    model.eval()
    x = torch.randn(1, 3, 128, 96)
    t = torch.tensor([0.0, 0.5, 1.0])
    with torch.no_grad():
        soft = model.predict_with_selectors(x, _samples(1), soft_selectors(t))
        hard = model.predict(x, _samples(1))
    assert len(soft[0].pred_instances) == 3
    np.testing.assert_allclose(soft[0].pred_instances.instance_selectors,
                               [[1, 0], [0.5, 0.5], [0, 1]])
    np.testing.assert_allclose(
        soft[0].pred_instances.keypoint_scores[0],
        hard[0].pred_instances.keypoint_scores[0],
        rtol=1e-5)
    np.testing.assert_allclose(
        soft[0].pred_instances.keypoint_scores[2],
        hard[0].pred_instances.keypoint_scores[1],
        rtol=1e-5)


def test_needs_a_multi_instance_backbone():
    with pytest.raises(TypeError, match='multi-instance backbone'):
        MIPNetPoseEstimator(
            backbone=dict(type='ResNet', depth=18),
            head=dict(type='HeatmapHead', in_channels=512, out_channels=K))


def test_tensor_mode_gives_all_instances():
    model = _model()
    model.eval()
    with torch.no_grad():
        out = model(torch.randn(3, 3, 128, 96), None, mode='tensor')
    assert out.shape == (3 * N, K, 32, 24)


def test_inference_topdown_returns_n_instances_per_box(tiny_synth):
    """MMPose's high-level API with a MIPNet config and no checkpoint."""
    import glob
    import os.path as osp

    from conftest import REPO_ROOT
    from mmpose.apis import inference_topdown, init_model
    cfg = osp.join(
        REPO_ROOT, 'configs/mipnet/'
        'td-hm_res18-half-mipnet_1xb32-6e_synthcrowd-128x96.py')
    model = init_model(cfg, None, device='cpu')
    img = sorted(glob.glob(osp.join(tiny_synth, 'val', '*.jpg')))[0]
    boxes = np.array([[10, 10, 120, 200], [100, 20, 220, 240]], np.float32)
    results = inference_topdown(model, img, boxes)
    assert len(results) == 2  # one sample per box
    for r, box in zip(results, boxes):
        assert r.pred_instances.keypoints.shape == (N, K, 2)
        np.testing.assert_allclose(r.pred_instances.bboxes,
                                   np.repeat(box[None], N, 0))


def test_test_cfg_num_instances_keeps_the_first_selectors():
    model = _model()
    model.eval()
    x = torch.randn(2, 3, 128, 96)
    with torch.no_grad():
        full = model.predict(x, _samples(2))
        model.test_cfg['num_instances'] = 1
        one = model.predict(x, _samples(2))
    for f, o in zip(full, one):
        assert len(o.pred_instances) == 1
        np.testing.assert_array_equal(o.pred_instances.instance_selectors,
                                      np.eye(N)[:1])
        np.testing.assert_allclose(
            o.pred_instances.keypoints[0],
            f.pred_instances.keypoints[0],
            rtol=1e-5)
    model.test_cfg['num_instances'] = N + 1
    with pytest.raises(ValueError, match='num_instances'):
        model.predict(x, _samples(2))


def test_secondary_instances_get_the_decayed_box_score(tiny_synth):
    """The official post-processing: poses from selectors other than the
    box's own (λ != e0) have their box score multiplied by the decay
    (0.5 by default) before rescoring and OKS-NMS; the estimator's output
    carries it to the metric."""
    from mmpose_occlusion.evaluation import MultiInstanceCocoMetric
    x = torch.randn(2, 3, 128, 96)
    for test_cfg, want in ((dict(flip_test=False), [1.0, 0.5]),
                           (dict(flip_test=False,
                                 secondary_score_decay=0.2), [1.0, 0.2]),
                           (dict(flip_test=False,
                                 secondary_score_decay=1.0), [1.0, 1.0])):
        model = _model(test_cfg)
        model.eval()
        with torch.no_grad():
            results = model.predict(x, _samples(2))
        for r in results:
            np.testing.assert_allclose(r.pred_instances.bbox_scores, want)
    # soft selectors: decayed where the largest weight is not on e0
    with torch.no_grad():
        soft = model.__class__.predict_with_selectors(
            _model(), x, _samples(2),
            torch.tensor([[1.0, 0.0], [0.7, 0.3], [0.3, 0.7]]))
    np.testing.assert_allclose(soft[0].pred_instances.bbox_scores,
                               [1.0, 1.0, 0.5])
    # the metric reads the decayed scores
    import os.path as osp

    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    metric = MultiInstanceCocoMetric(
        ann_file=osp.join(tiny_synth, 'annotations/person_keypoints_val.json'))
    metric.dataset_meta = parse_pose_metainfo(
        dict(from_file='configs/_base_/datasets/coco.py'))
    model = _model()
    model.eval()
    with torch.no_grad():
        results = model.predict(x, _samples(2))
    for r in results:
        r.set_metainfo(dict(ori_shape=(256, 320), category_id=1))
    metric.process([], [r.to_dict() for r in results])
    np.testing.assert_allclose(metric.results[-1][0]['bbox_scores'],
                               [1.0, 0.5])
    with pytest.raises(ValueError, match='secondary_score_decay'):
        bad = _model(dict(secondary_score_decay=2.0))
        bad.eval()
        with torch.no_grad():
            bad.predict(x, _samples(2))
