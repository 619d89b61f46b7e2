# The sequential decoder's part-feature fusion (the neck PyramidSumFusion, the
# sequential-decoder paper §4.1) under a stock MMPose HeatmapHead: the
# baseline's half-width ResNet-18 gives C1..C4 (strides 4 to 32), the neck sums
# their 1x1 reductions to 64 channels at stride 4 (32x24 for the 128x96 crops,
# the codec's heatmap size), and the stock head predicts the heatmaps there
# with one 3x3 conv block instead of deconvolutions. Everything else is the
# baseline's.
_base_ = ['./td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py']

model = dict(
    backbone=dict(out_indices=(0, 1, 2, 3)),
    neck=dict(
        type='PyramidSumFusion',
        in_channels=(32, 64, 128, 256),
        out_channels=64),
    head=dict(
        in_channels=64,
        deconv_out_channels=None,
        conv_out_channels=(64, ),
        conv_kernel_sizes=(3, )))
