import numpy as np
from mmengine.structures import InstanceData
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.structures import PoseDataSample

from mmpose_occlusion.upstream import OcclusionPoseVisualizer


def test_draws_keypoints_and_skeleton_with_numpy2():
    vis = OcclusionPoseVisualizer(name='test_vis_np2', radius=4, line_width=2)
    vis.set_dataset_meta(
        parse_pose_metainfo(dict(from_file='configs/_base_/datasets/coco.py')))
    kpts = np.zeros((1, 17, 2), np.float32)
    kpts[0, :, 0] = np.linspace(20, 100, 17)
    kpts[0, :, 1] = 60
    sample = PoseDataSample()
    sample.pred_instances = InstanceData(
        keypoints=kpts, keypoint_scores=np.ones((1, 17), np.float32))
    image = np.zeros((120, 120, 3), np.uint8)
    out = vis.add_datasample(
        'x',
        image,
        data_sample=sample,
        draw_gt=False,
        draw_bbox=False,
        kpt_thr=0.3,
        show=False)
    assert out.shape == image.shape
    # A keypoint disk is drawn at every keypoint (and nothing far away).
    for x in (20, 60, 100):
        assert out[60, x].any()
    assert not out[10, 10].any()
