# Evaluate the COCO-trained MIPNet HRNet-W48 (384x288) on OCHuman val / test
# (the paper's strongest OCHuman setting, Table 4/5).
_base_ = [
    './td-hm_hrnet-w48-mipnet_8xb32-210e_coco-384x288.py',
    '../_base_/ochuman.py'
]

val_dataloader = dict(dataset={{_base_.ochuman_val_dataset}})
test_dataloader = dict(dataset={{_base_.ochuman_test_dataset}})
val_evaluator = dict(ann_file={{_base_.ochuman_val_ann_file}})
test_evaluator = dict(ann_file={{_base_.ochuman_test_ann_file}})
