# Stock MMPose top-down HRNet (a small one: widths 16/32/64/128, one module of
# two blocks per stage, from scratch) on the synthetic crowded scenes: the
# same data, schedule and budget as the quickstart's model. It is the baseline
# of the HintPose comparison (HintPose modifies HRNet).
_base_ = [
    './td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py',
    '../_base_/hrnet-w16-small.py'
]

model = dict(
    backbone=dict(
        _delete_=True,
        type='HRNet',
        in_channels=3,
        extra={{_base_.hrnet_w16_small_extra}}),
    head=dict(in_channels=16, deconv_out_channels=None))
