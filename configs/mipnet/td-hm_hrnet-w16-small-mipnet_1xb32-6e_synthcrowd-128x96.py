# MIPNet (N = 2) with the small HRNet of configs/baseline/td-hm_hrnet-w16-
# small_... on the synthetic crowded scenes: MIMBs on the inputs of stage 4
# and its output (the official placement), the multi-instance targets and
# metric of the ResNet variant; same data, schedule and budget. The crowd
# benchmark (tools/analysis/crowd_benchmark.py) compares every top-down
# method on this backbone.
_base_ = [
    './td-hm_res18-half-mipnet_1xb32-6e_synthcrowd-128x96.py',
    '../_base_/hrnet-w16-small.py'
]

model = dict(
    backbone=dict(
        _delete_=True,
        type='MIPHRNet',
        num_instances={{_base_.num_instances}},
        in_channels=3,
        extra={{_base_.hrnet_w16_small_extra}}),
    head=dict(in_channels=16, deconv_out_channels=None))
