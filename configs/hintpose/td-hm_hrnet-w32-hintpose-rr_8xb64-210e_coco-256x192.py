# HintPose, recurrent refinement only (Table 1, "Recurrent refinement"): no
# cue block (the pipeline's cue is rendered but not used), 3 hops.
_base_ = ['./td-hm_hrnet-w32-hintpose_8xb64-210e_coco-256x192.py']

model = dict(backbone=dict(use_cue=False))
