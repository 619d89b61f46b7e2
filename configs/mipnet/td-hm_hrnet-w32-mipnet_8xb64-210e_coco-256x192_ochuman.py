# Evaluate the COCO-trained MIPNet HRNet-W32 (256x192) on OCHuman, as the
# paper does (Table 4: ground-truth boxes, no training on OCHuman). `mim test`
# runs the test split; `val_dataloader` is the val split. Data layout as in
# MMPose 0.x: data/ochuman/images/ and data/ochuman/annotations/.
_base_ = ['./td-hm_hrnet-w32-mipnet_8xb64-210e_coco-256x192.py']

data_root = 'data/ochuman/'
val_ann = 'annotations/ochuman_coco_format_val_range_0.00_1.00.json'
test_ann = 'annotations/ochuman_coco_format_test_range_0.00_1.00.json'
val_dataloader = dict(
    dataset=dict(
        type='OCHumanDataset',
        data_root=data_root,
        ann_file=val_ann,
        bbox_file=None,
        data_prefix=dict(img='images/')))
test_dataloader = dict(
    dataset=dict(
        type='OCHumanDataset',
        data_root=data_root,
        ann_file=test_ann,
        bbox_file=None,
        data_prefix=dict(img='images/')))
val_evaluator = dict(ann_file=data_root + val_ann)
test_evaluator = dict(ann_file=data_root + test_ann)
