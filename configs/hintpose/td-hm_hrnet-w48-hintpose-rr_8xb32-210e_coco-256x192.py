# HintPose on HRNet-W48, recurrent refinement only (no cue block, 3 hops).
_base_ = ['./td-hm_hrnet-w48-hintpose_8xb32-210e_coco-256x192.py']

model = dict(backbone=dict(use_cue=False))
