# MIPNet with SimpleBaseline (ResNet-101), COCO, 256x192.
_base_ = ['./td-hm_res50-mipnet_8xb64-210e_coco-256x192.py']

model = dict(
    backbone=dict(
        depth=101, init_cfg=dict(checkpoint='torchvision://resnet101')))
