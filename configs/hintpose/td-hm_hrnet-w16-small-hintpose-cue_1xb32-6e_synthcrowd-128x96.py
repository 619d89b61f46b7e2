# HintPose's instance cue only (1 hop, no recurrent refinement) on the
# synthetic crowded scenes: the 1-hop row of the evidence in docs/hintpose.md.
_base_ = ['./td-hm_hrnet-w16-small-hintpose_1xb32-6e_synthcrowd-128x96.py']

model = dict(backbone=dict(num_hops=1))
