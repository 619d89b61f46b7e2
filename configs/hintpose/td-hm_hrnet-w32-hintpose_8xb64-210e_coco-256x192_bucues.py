# Testing HintPose (cue + 3 hops, HRNet-W32, COCO) as the report evaluates
# it (§3.1): every person box runs once per bottom-up cue, and the
# instances are merged per image by OKS-NMS (MultiInstanceCocoMetric).
# The cues come from a file, one list of points per box:
#
#   python tools/misc/make_cue_file.py \
#       data/coco/annotations/person_keypoints_val2017.json \
#       data/coco/val2017/ data/coco/cues/ae_val2017_AP_H_56_person.json \
#       --bottomup AE_CONFIG AE_CHECKPOINT \
#       --bbox-file data/coco/person_detection_results/\
# COCO_val2017_detections_AP_H_56_person.json
#   mim test mmpose configs/hintpose/\
# td-hm_hrnet-w32-hintpose_8xb64-210e_coco-256x192_bucues.py \
#       --checkpoint HINTPOSE.pth
#
# One cue per person the bottom-up model found in the box (make_cue_file's
# default --cue-mode poses; ours). `--cue-mode peaks` gives the report's
# local heatmap peaks. The cue file must be keyed like the test set's boxes:
# detection ids with the detected boxes below (--bbox-file), annotation ids
# with ground-truth boxes (bbox_file=None).
_base_ = ['./td-hm_hrnet-w32-hintpose_8xb64-210e_coco-256x192.py']

cue_file = 'data/coco/cues/ae_val2017_AP_H_56_person.json'
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='LoadCuePoints', cue_file=cue_file),
    dict(type='TopdownAffine', input_size={{_base_.codec.input_size}}),
    dict(type='GenerateInstanceCue', gt=None, sigma=2),
    dict(type='PackCuePoseInputs')
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
