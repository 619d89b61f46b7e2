# Stock MMPose bottom-up model (Associative Embedding) with the small HRNet of
# configs/baseline/td-hm_hrnet-w16-small_..., trained from scratch on the
# synthetic crowded scenes. It is the cue source of the HintPose evidence (its
# joint heatmaps give the instance cues at inference, HintPose §3.1) and a
# bottom-up reference row; any MMPose bottom-up model whose head gives
# heatmaps can take its place.
#
# MMPose 1.3.2 ships Associative Embedding for inference only; the two
# `Packed...`/`Trainable...` types are the stock codec and head with the two
# fixes training needs (mmpose_occlusion/upstream). DEKR, which MMPose does
# train, takes about a minute per iteration here.
_base_ = [
    'mmpose::body_2d_keypoint/associative_embedding/coco/'
    'ae_hrnet-w32_8xb24-300e_coco-512x512.py', '../_base_/hrnet-w16-small.py'
]

custom_imports = dict(imports=['mmpose_occlusion'], allow_failed_imports=False)

# runtime: the synthetic schedule (6 epochs, short warm-up)
train_cfg = dict(max_epochs=6, val_interval=6)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=50, start_factor=0.01, by_epoch=False),
    dict(
        type='CosineAnnealingLR',
        begin=0,
        end=6,
        T_max=6,
        by_epoch=True,
        eta_min=1e-5),
]
auto_scale_lr = dict(base_batch_size=16)
default_hooks = dict(
    logger=dict(interval=20), checkpoint=dict(save_best=None, interval=6))
randomness = dict(seed=0)

# codec and model: 256x256 input (the 320x256 images fit at size factor 64)
codec = dict(
    type='PackedAssociativeEmbedding',
    input_size=(256, 256),
    heatmap_size=(64, 64),
    sigma=2,
    decode_topk=30,
    decode_center_shift=0.5,
    decode_keypoint_order=[
        0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13, 14, 15, 16
    ],
    decode_max_instances=30)
model = dict(
    backbone=dict(extra={{_base_.hrnet_w16_small_extra}}, init_cfg=None),
    head=dict(
        type='TrainableAssociativeEmbeddingHead',
        in_channels=16,
        decoder=dict(codec, heatmap_size=codec['input_size'])))

# data
data_root = 'data/synthetic_crowd/'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='BottomupRandomAffine', input_size=codec['input_size']),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='BottomupGetHeatmapMask'),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(
        type='BottomupResize',
        input_size=codec['input_size'],
        size_factor=64,
        resize_mode='expand'),
    dict(
        type='PackPoseInputs',
        meta_keys=('id', 'img_id', 'img_path', 'crowd_index', 'ori_shape',
                   'img_shape', 'input_size', 'input_center', 'input_scale',
                   'flip', 'flip_direction', 'flip_indices', 'raw_ann_info',
                   'skeleton_links'))
]
train_dataloader = dict(
    batch_size=16,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/person_keypoints_train.json',
        data_prefix=dict(img='train/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/person_keypoints_val.json',
        data_prefix=dict(img='val/'),
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root +
                     'annotations/person_keypoints_val.json')
test_evaluator = val_evaluator

visualizer = dict(type='OcclusionPoseVisualizer')
