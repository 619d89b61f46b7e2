# MIPNet on HRNet-W48, COCO, 384x288 (the paper's strongest setting).
_base_ = [
    './td-hm_hrnet-w32-mipnet_8xb64-210e_coco-384x288.py',
    '../_base_/hrnet-w48.py'
]

model = dict(backbone={{_base_.hrnet_w48_backbone}}, head=dict(in_channels=48))
train_dataloader = dict(batch_size=32)
