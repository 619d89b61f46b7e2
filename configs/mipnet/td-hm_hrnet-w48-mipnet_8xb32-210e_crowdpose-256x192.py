# MIPNet on HRNet-W48, CrowdPose trainval -> test, 256x192.
_base_ = [
    './td-hm_hrnet-w32-mipnet_8xb64-210e_crowdpose-256x192.py',
    '../_base_/hrnet-w48.py'
]

model = dict(backbone={{_base_.hrnet_w48_backbone}}, head=dict(in_channels=48))
train_dataloader = dict(batch_size=32)
