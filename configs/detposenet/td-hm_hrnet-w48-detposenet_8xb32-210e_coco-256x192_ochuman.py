# Evaluate the COCO-trained DetPoseNet refinement sub-net (HRNet-W48) on
# OCHuman (paper Table III; ground-truth boxes here, the crowd chain for
# detected ones). `mim test` runs the test split; data as in
# configs/_base_/ochuman.py.
_base_ = [
    './td-hm_hrnet-w48-detposenet_8xb32-210e_coco-256x192.py',
    '../_base_/ochuman.py'
]

val_dataloader = dict(dataset={{_base_.ochuman_val_dataset}})
test_dataloader = dict(dataset={{_base_.ochuman_test_dataset}})
val_evaluator = dict(ann_file={{_base_.ochuman_val_ann_file}})
test_evaluator = dict(ann_file={{_base_.ochuman_test_ann_file}})
