# MIPNet fine-tuned from MMPose's trained stock HRNet-W32 on CrowdPose
# (trainval, 256x192): the COCO -ft config (the official COCO fine-tuning
# recipe, neutral MIMBs) on CrowdPose's data, as configs/_base_/crowdpose.py
# lays it out, starting from the CrowdPose checkpoint. The official
# CrowdPose scripts instead train from ImageNet weights for 210 epochs:
# that is td-hm_hrnet-w32-mipnet_8xb64-210e_crowdpose-256x192.py.
_base_ = [
    './td-hm_hrnet-w32-mipnet-ft_8xb64-110e_coco-256x192.py',
    '../_base_/crowdpose.py'
]

dataset_type = 'CrowdPoseDataset'
data_root = 'data/crowdpose/'
model = dict(head=dict(out_channels=14))
train_dataloader = dict(dataset={{_base_.crowdpose_train_dataset}})
val_dataloader = dict(dataset={{_base_.crowdpose_test_dataset}})
test_dataloader = val_dataloader
val_evaluator = {{_base_.crowdpose_evaluator}}
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best='crowdpose/AP'))
load_from = ('https://download.openmmlab.com/mmpose/top_down/hrnet/'
             'hrnet_w32_crowdpose_256x192-960be101_20201227.pth')
