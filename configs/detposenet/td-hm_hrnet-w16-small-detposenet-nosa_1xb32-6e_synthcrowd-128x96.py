# Ablation: DetPoseNet on the synthetic scenes without the structure-aware
# term (α2 = 0: eq. 2 becomes the per-keypoint MSE at every scale).
_base_ = ['./td-hm_hrnet-w16-small-detposenet_1xb32-6e_synthcrowd-128x96.py']

model = dict(head=dict(loss=dict(alpha2=0.0)))
