# MIPNet on HRNet-W32, CrowdPose trainval -> test, 256x192 (paper Table 3/5),
# evaluated with CrowdPose's keypoints_crowd AP (easy / medium / hard): the
# COCO 256x192 config (model, train pipeline, metric) on CrowdPose's data,
# as configs/_base_/crowdpose.py lays it out (14 keypoints).
_base_ = [
    './td-hm_hrnet-w32-mipnet_8xb64-210e_coco-256x192.py',
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
