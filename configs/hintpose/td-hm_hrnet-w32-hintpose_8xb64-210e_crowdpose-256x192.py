# HintPose on HRNet-W32, CrowdPose trainval -> test, 256x192, both ideas on:
# the COCO 256x192 config (model, cue pipelines, metric) on CrowdPose's data,
# as configs/_base_/crowdpose.py lays it out (14 keypoints, so 14 heatmaps
# fed back by the recurrent refinement).
_base_ = [
    './td-hm_hrnet-w32-hintpose_8xb64-210e_coco-256x192.py',
    '../_base_/crowdpose.py'
]

dataset_type = 'CrowdPoseDataset'
data_root = 'data/crowdpose/'
model = dict(backbone=dict(num_keypoints=14), head=dict(out_channels=14))
train_dataloader = dict(dataset={{_base_.crowdpose_train_dataset}})
val_dataloader = dict(dataset={{_base_.crowdpose_test_dataset}})
test_dataloader = val_dataloader
val_evaluator = {{_base_.crowdpose_evaluator}}
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best='crowdpose/AP'))
