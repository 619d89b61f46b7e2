"""MMPose's Associative Embedding codec, packable for training.

MMPose 1.3.2 ships Associative Embedding for inference only. Its codec's
``encode`` returns ``keypoint_indices`` (N, K, 2) but declares no label
mapping table, so the stock ``PackPoseInputs`` drops them and
``AssociativeEmbeddingHead.loss`` fails with ``'InstanceData' object has no
attribute 'keypoint_indices'``. This subclass only declares the table;
encoding and decoding are the stock ones. Train with
``TrainableAssociativeEmbeddingHead`` (the head's loss has a second bug).
"""
from mmpose.codecs import AssociativeEmbedding
from mmpose.registry import KEYPOINT_CODECS

__all__ = ['PackedAssociativeEmbedding']


@KEYPOINT_CODECS.register_module()
class PackedAssociativeEmbedding(AssociativeEmbedding):
    """``AssociativeEmbedding`` whose ``keypoint_indices`` and
    ``keypoint_weights`` reach ``data_sample.gt_instance_labels``; takes the
    stock codec's arguments."""

    label_mapping_table = dict(
        keypoint_indices='keypoint_indices',
        keypoint_weights='keypoint_weights',
    )
