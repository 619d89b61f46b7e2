# Evaluate the COCO-trained MIPNet HRNet-W48 (384x288) on OCHuman val / test
# (the paper's strongest OCHuman setting, Table 4/5).
_base_ = ['./td-hm_hrnet-w48-mipnet_8xb32-210e_coco-384x288.py']

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
