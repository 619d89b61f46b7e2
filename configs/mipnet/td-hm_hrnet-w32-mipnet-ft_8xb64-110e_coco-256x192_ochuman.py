# Evaluate the fine-tuned COCO MIPNet HRNet-W32 (256x192) on OCHuman, as the
# paper does (Table 4: ground-truth boxes, no training on OCHuman). `mim test`
# runs the test split; data as in configs/_base_/ochuman.py.
_base_ = [
    './td-hm_hrnet-w32-mipnet-ft_8xb64-110e_coco-256x192.py',
    '../_base_/ochuman.py'
]

val_dataloader = dict(dataset={{_base_.ochuman_val_dataset}})
test_dataloader = dict(dataset={{_base_.ochuman_test_dataset}})
val_evaluator = dict(ann_file={{_base_.ochuman_val_ann_file}})
test_evaluator = dict(ann_file={{_base_.ochuman_test_ann_file}})
