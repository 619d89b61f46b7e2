# Stock MMPose top-down HRNet (a small one: widths 16/32/64/128, one module of
# two blocks per stage, from scratch) on the synthetic crowded scenes: the
# same data, schedule and budget as the quickstart's model. It is the baseline
# of the HintPose comparison (HintPose modifies HRNet).
_base_ = ['./td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='HRNet',
        in_channels=3,
        extra=dict(
            stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK',
                        num_blocks=(2, ), num_channels=(32, )),
            stage2=dict(num_modules=1, num_branches=2, block='BASIC',
                        num_blocks=(2, 2), num_channels=(16, 32)),
            stage3=dict(num_modules=1, num_branches=3, block='BASIC',
                        num_blocks=(2, 2, 2), num_channels=(16, 32, 64)),
            stage4=dict(num_modules=1, num_branches=4, block='BASIC',
                        num_blocks=(2, 2, 2, 2),
                        num_channels=(16, 32, 64, 128)))),
    head=dict(in_channels=16, deconv_out_channels=None))
