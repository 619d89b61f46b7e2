# DetPoseNet's chain with the sequential decoder as the coarse-pose source:
# HTC person boxes (no NMS) -> coarse-pose filter fed by the people the
# ConvLSTM decoder emits -> HRNet-W48 refinement -> OKS-NMS. The decoder's
# checkpoint is yours (`mim train mmpose
# configs/seqdecoder/seqdec_res50_8xb4-130e_coco-crowd-512x512.py`). It
# learnt on crowd regions and here runs on whole images, which hold more
# people than its step limit (test_cfg.max_steps = 30) only in rare cases.
_base_ = [
    './crowd-chain_htc-r50_ae-hrnet-w32-filter_hrnet-w48-'
    'detposenet_coco.py'
]

proposal = dict(
    pose_source=dict(
        _delete_=True,
        config='configs/seqdecoder/seqdec_res50_8xb4-130e_coco-crowd-'
        '512x512.py',
        checkpoint=None))
