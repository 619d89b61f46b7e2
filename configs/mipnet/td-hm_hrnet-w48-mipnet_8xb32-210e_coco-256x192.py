# MIPNet on HRNet-W48, COCO, 256x192 (the W32 config with W48 widths, as in
# MMPose's td-hm_hrnet-w48_8xb32-210e_coco-256x192.py).
_base_ = [
    './td-hm_hrnet-w32-mipnet_8xb64-210e_coco-256x192.py',
    '../_base_/hrnet-w48.py'
]

model = dict(backbone={{_base_.hrnet_w48_backbone}}, head=dict(in_channels=48))
train_dataloader = dict(batch_size=32)
