# HintPose on HRNet-W48, instance cue only (one hop).
_base_ = ['./td-hm_hrnet-w48-hintpose_8xb32-210e_coco-256x192.py']

model = dict(backbone=dict(num_hops=1))
