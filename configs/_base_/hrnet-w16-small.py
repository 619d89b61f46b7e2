# The small HRNet of our synthetic-set configs: widths 16/32/64/128, one
# module of two blocks per stage, trained from scratch (a 2-core CPU trains it
# in minutes). Children use it as `extra={{_base_.hrnet_w16_small_extra}}`.
hrnet_w16_small_extra = dict(
    stage1=dict(
        num_modules=1,
        num_branches=1,
        block='BOTTLENECK',
        num_blocks=(2, ),
        num_channels=(32, )),
    stage2=dict(
        num_modules=1,
        num_branches=2,
        block='BASIC',
        num_blocks=(2, 2),
        num_channels=(16, 32)),
    stage3=dict(
        num_modules=1,
        num_branches=3,
        block='BASIC',
        num_blocks=(2, 2, 2),
        num_channels=(16, 32, 64)),
    stage4=dict(
        num_modules=1,
        num_branches=4,
        block='BASIC',
        num_blocks=(2, 2, 2, 2),
        num_channels=(16, 32, 64, 128)))
