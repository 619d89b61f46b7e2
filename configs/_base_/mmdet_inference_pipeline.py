# MMDetection's COCO test pipeline without annotation loading (inference has
# none), for the person detectors of the crowd chain (configs/detectors/):
#   test_pipeline = {{_base_.mmdet_inference_pipeline}}
# The chain prefixes the types with `mmdet.` to run it from MMPose's scope.
mmdet_inference_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor')),
]
