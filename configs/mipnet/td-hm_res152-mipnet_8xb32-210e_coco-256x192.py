# MIPNet with SimpleBaseline (ResNet-152), COCO, 256x192 (8xb32 as MMPose's
# td-hm_res152 config).
_base_ = ['./td-hm_res50-mipnet_8xb64-210e_coco-256x192.py']

model = dict(
    backbone=dict(
        depth=152, init_cfg=dict(checkpoint='torchvision://resnet152')))
train_dataloader = dict(batch_size=32)
