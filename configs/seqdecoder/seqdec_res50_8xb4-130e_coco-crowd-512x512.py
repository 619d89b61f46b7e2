# Sequential ConvLSTM person decoder (the sequential-decoder paper) on
# COCO-crowd, 512x512: ResNet-50 part localizer (C1..C4 -> 64 channels, summed:
# the neck PyramidSumFusion; then K part heatmaps, sigmoid, stride 4 in the
# head), person decoder with two stacked ConvLSTMs per scale, Hungarian-matched
# BCE with two stop steps, λ0 = 0.5; Adam 1e-3 for 130 epochs, x0.1 at 60 and
# 90, batch 32 on 8 GPUs; flips, ±40° rotation, scaling from the original
# image; curriculum on the number of people (2 until the loss settles, then one
# more every two epochs). Flip test, stop when a step's maximum is below 0.05.
#
# Data: COCO-crowd regions (docs/coco_crowd.md). Training reads the regions
# of the COCO train file on the fly (CocoCrowdDataset, one sample per crowd
# region, cropped from the original image with scale augmentation);
# validation runs on the crops written by
#   python tools/dataset_converters/make_coco_crowd.py \
#       data/coco/annotations/person_keypoints_val2017.json \
#       data/coco/val2017 data/coco_crowd
# (the paper made its val/test crops from COCO 2014 val; val2017 is the
# closest split MMPose users have).
_base_ = [
    'mmpose::body_2d_keypoint/associative_embedding/coco/'
    'ae_hrnet-w32_8xb24-300e_coco-512x512.py'
]

custom_imports = dict(imports=['mmpose_occlusion'], allow_failed_imports=False)

# runtime
train_cfg = dict(max_epochs=130, val_interval=10)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(
        type='LinearLR', begin=0, end=500, start_factor=0.001, by_epoch=False),
    dict(
        type='MultiStepLR',
        begin=0,
        end=130,
        milestones=[60, 90],
        gamma=0.1,
        by_epoch=True),
]
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(checkpoint=dict(interval=10))
# MMPose's SyncBuffersHook (BN statistics averaged over the processes before
# validation and saving) kept next to the curriculum
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='PersonCurriculumHook', start=2, interval=2)
]

# codec and model
codec = dict(
    type='SequentialDiskHeatmap',
    input_size=(512, 512),
    heatmap_size=(128, 128),
    radius=3)
model = dict(
    backbone=dict(
        _delete_=True,
        type='ResNet',
        depth=50,
        out_indices=(0, 1, 2, 3),
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    # the part localizer's fusion; keep_inputs: C1..C4 pass through for the
    # person decoder, the fused map comes last
    neck=dict(
        type='PyramidSumFusion',
        in_channels=(256, 512, 1024, 2048),
        out_channels=64,
        keep_inputs=True),
    head=dict(
        _delete_=True,
        type='SequentialDecoderHead',
        in_channels=(256, 512, 1024, 2048),
        num_keypoints=17,
        part_channels=64,
        hidden_channels=(64, 128, 128, 256),
        # layer-normalised ConvLSTMs (GroupNorm per gate): with plain cells
        # the coarse scales do not reach the output (docs/seqdecoder.md)
        lstm_norm_cfg=dict(type='GN'),
        loss_part=dict(
            type='BCELoss', use_target_weight=True, loss_weight=0.5),
        loss_person=dict(type='HungarianBCELoss', stop_steps=2),
        max_train_people=2,
        decoder=codec),
    test_cfg=dict(
        _delete_=True,
        flip_test=True,
        shift_heatmap=False,
        stop_thr=0.05,
        max_steps=30,
        # True: keypoints at the maxima of sqrt(step x part heatmap), not in
        # the paper; the synthetic config uses it (docs/seqdecoder.md)
        locate_by_parts=False))

# data
dataset_type = 'CocoCrowdDataset'
data_root = 'data/coco/'
crowd_root = 'data/coco_crowd/'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='RandomCrowdRegionCrop', scale_factor=(0.75, 1.5)),
    # scale_type='long': the window holds the whole image or region (the
    # stock 'short' cuts tall and wide crowd regions to their short side,
    # while validation's BottomupResize('expand') shows them whole)
    dict(
        type='BottomupRandomAffine',
        input_size=codec['input_size'],
        scale_type='long',
        rotate_factor=40,
        scale_prob=0,
        shift_prob=0),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='BottomupGetHeatmapMask'),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(
    batch_size=4,
    dataset=dict(type=dataset_type, iou_thr=0.1, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type='CocoDataset',
        data_root=crowd_root,
        ann_file='annotations/person_keypoints_val2017_crowd.json',
        data_prefix=dict(img='images/')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=crowd_root +
                     'annotations/person_keypoints_val2017_crowd.json')
test_evaluator = val_evaluator
