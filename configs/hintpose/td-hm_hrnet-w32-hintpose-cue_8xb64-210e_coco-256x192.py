# HintPose, instance cue only (Table 1, "Instance cue"): one hop.
_base_ = ['./td-hm_hrnet-w32-hintpose_8xb64-210e_coco-256x192.py']

model = dict(backbone=dict(num_hops=1))
