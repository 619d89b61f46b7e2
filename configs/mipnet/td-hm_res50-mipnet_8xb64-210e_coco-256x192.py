# MIPNet with SimpleBaseline (ResNet-50), COCO, 256x192: MIMBs on the inputs
# of the last two ResNet stages (official). Data, schedule and multi-instance
# pipeline as in the HRNet-W32 MIPNet config; the model is MMPose's td-hm_res50
# SimpleBaseline.
_base_ = ['./td-hm_hrnet-w32-mipnet_8xb64-210e_coco-256x192.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='MIPResNet',
        depth=50,
        num_instances={{_base_.num_instances}},
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    head=dict(
        in_channels=2048,
        deconv_out_channels=(256, 256, 256),
        deconv_kernel_sizes=(4, 4, 4)))
