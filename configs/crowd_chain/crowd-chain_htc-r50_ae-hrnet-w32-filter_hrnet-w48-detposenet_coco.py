# DetPoseNet's whole chain for `CrowdPoseInferencer.from_chain_config` and
# `demo/image_demo.py --chain-config`: HTC person boxes (no NMS) -> the
# coarse-pose filter (Algorithm 1) with coarse poses from MMPose's
# Associative Embedding HRNet-W32 -> the HRNet-W48 refinement sub-net ->
# OKS-NMS. The checkpoints are the public MMDetection / MMPose ones where
# they exist; the refinement sub-net's is yours (`mim train mmpose
# configs/detposenet/td-hm_hrnet-w48-detposenet_8xb32-210e_coco-256x192.py`).
detector = dict(
    config='configs/detectors/htc_r50_fpn_1x_coco-person.py',
    checkpoint='https://download.openmmlab.com/mmdetection/v2.0/htc/'
    'htc_r50_fpn_1x_coco/htc_r50_fpn_1x_coco_20200317-7332cf16.pth')
proposal = dict(
    type='CoarsePoseFilter',
    pose_source=dict(
        config='mmpose::body_2d_keypoint/associative_embedding/coco/'
        'ae_hrnet-w32_8xb24-300e_coco-512x512.py',
        checkpoint='https://download.openmmlab.com/mmpose/bottom_up/'
        'hrnet_w32_coco_512x512-bcb8c247_20200816.pth'),
    delta_kpt=3,
    oks_thr=0.9)
pose = dict(
    config='configs/detposenet/td-hm_hrnet-w48-detposenet_8xb32-210e_coco-'
    '256x192.py',
    checkpoint=None)
bbox_thr = 0.05  # the filter, not a score cut, removes false boxes
oks_thr = 0.9
batch_size = 16
device = 'cpu'
