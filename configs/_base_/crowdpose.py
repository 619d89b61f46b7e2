# CrowdPose (trainval -> test, 14 keypoints) as MMPose's stock CrowdPose
# configs lay it out: data/crowdpose/images/ and data/crowdpose/annotations/,
# detected test boxes from det_for_crowd_test_0.1_0.5.json, and the
# keypoints_crowd AP (easy / medium / hard). A method's COCO 256x192 config
# becomes its CrowdPose variant by inheriting this file next to it and setting
#   dataset_type = 'CrowdPoseDataset'
#   data_root = 'data/crowdpose/'
#   model = dict(head=dict(out_channels=14))
#   train_dataloader = dict(dataset={{_base_.crowdpose_train_dataset}})
#   val_dataloader = dict(dataset={{_base_.crowdpose_test_dataset}})
#   test_dataloader = val_dataloader
#   val_evaluator = {{_base_.crowdpose_evaluator}}
#   test_evaluator = val_evaluator
#   default_hooks = dict(checkpoint=dict(save_best='crowdpose/AP'))
# (the names differ from the COCO config's, so the two bases do not clash;
# the method's pipelines and metric type stay the COCO config's).
crowdpose_data_root = 'data/crowdpose/'
crowdpose_train_dataset = dict(
    type='CrowdPoseDataset',
    data_root=crowdpose_data_root,
    ann_file='annotations/mmpose_crowdpose_trainval.json',
    data_prefix=dict(img='images/'))
crowdpose_test_dataset = dict(
    crowdpose_train_dataset,
    ann_file='annotations/mmpose_crowdpose_test.json',
    bbox_file=crowdpose_data_root +
    'annotations/det_for_crowd_test_0.1_0.5.json')
crowdpose_evaluator = dict(
    ann_file=crowdpose_data_root + 'annotations/mmpose_crowdpose_test.json',
    use_area=False,
    iou_type='keypoints_crowd',
    prefix='crowdpose')
