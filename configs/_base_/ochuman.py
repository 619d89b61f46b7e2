# OCHuman as an evaluation set for COCO-trained models (ground-truth boxes, no
# training on OCHuman), data laid out as in MMPose 0.x: data/ochuman/images/
# and data/ochuman/annotations/. Children inherit this file next to their COCO
# config and set
#   val_dataloader = dict(dataset={{_base_.ochuman_val_dataset}})
#   test_dataloader = dict(dataset={{_base_.ochuman_test_dataset}})
#   val_evaluator = dict(ann_file={{_base_.ochuman_val_ann_file}})
#   test_evaluator = dict(ann_file={{_base_.ochuman_test_ann_file}})
# (`mim test` runs the test split; `val_dataloader` is the val split.)
ochuman_data_root = 'data/ochuman/'
ochuman_val_ann_file = (
    ochuman_data_root + 'annotations/'
    'ochuman_coco_format_val_range_0.00_1.00.json')
ochuman_test_ann_file = (
    ochuman_data_root + 'annotations/'
    'ochuman_coco_format_test_range_0.00_1.00.json')
ochuman_val_dataset = dict(
    type='OCHumanDataset',
    data_root=ochuman_data_root,
    ann_file='annotations/ochuman_coco_format_val_range_0.00_1.00.json',
    bbox_file=None,
    data_prefix=dict(img='images/'))
ochuman_test_dataset = dict(
    ochuman_val_dataset,
    ann_file='annotations/ochuman_coco_format_test_range_0.00_1.00.json')
