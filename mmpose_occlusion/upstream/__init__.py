"""Fixes for bugs of the OpenMMLab releases we pin, kept together so that
each can be dropped when upstream mends it. Every module names the release
and the bug; ``import mmpose_occlusion`` registers the classes and applies
the two patches. This package imports nothing of mmpose_occlusion (layer 0,
docs/architecture.md).

- ``checkpoint`` (MMEngine 0.10.7 on torch >= 2.6): ``torch.load`` now
  defaults to ``weights_only=True``, and MMEngine, loading without it,
  refuses its own checkpoints (numpy arrays, ``HistoryBuffer`` in ``meta``).
  Fix: an allow-list of those globals for MMEngine's local loader; other
  files need ``trust_checkpoint`` (docs/checkpoints.md); it also renames our
  older state-dict keys (``upgrade_state_dict``). Drop when MMEngine loads
  with ``weights_only`` and an allow-list of its own.
- ``coco_mask`` (xtcocotools 1.14.3 on numpy 2, through MMPose 1.3.2's
  ``BottomupGetHeatmapMask``): ``mask.decode`` uses ``np.NPY_OWNDATA``, gone
  in numpy 2. Fix: ``patch_bottomup_heatmap_mask`` rasterises with
  pycocotools when xtcocotools fails. Drop with an xtcocotools built for
  numpy 2.
- ``ae_codec`` (MMPose 1.3.2): ``AssociativeEmbedding.encode``'s
  ``keypoint_indices`` has no label-mapping entry, so ``PackPoseInputs``
  drops them and the head's loss fails. Fix: ``PackedAssociativeEmbedding``
  declares the table. Drop when MMPose trains Associative Embedding.
- ``ae_head`` (MMPose 1.3.2): ``AssociativeEmbeddingHead.loss`` passes
  per-person keypoint weights as per-image heatmap weights (a shape
  assert). Fix: ``TrainableAssociativeEmbeddingHead``. Drop as above.
- ``visualizer`` (MMPose 1.3.2 on numpy >= 2.4): ``PoseLocalVisualizer``
  passes radii as 1-element arrays to ``int()``. Fix:
  ``OcclusionPoseVisualizer`` converts the radius first. Drop when MMPose
  casts it.
"""
from .ae_codec import PackedAssociativeEmbedding
from .ae_head import TrainableAssociativeEmbeddingHead
from .checkpoint import (LEGACY_KEY_RENAMES, TRUST_ENV,
                         UntrustedCheckpointError, is_trusted, load_from_local,
                         register_checkpoint_loader, restricted_getattr,
                         safe_checkpoint_globals, trust_checkpoint,
                         upgrade_state_dict)
from .coco_mask import patch_bottomup_heatmap_mask, xtcocotools_mask_works
from .visualizer import OcclusionPoseVisualizer

__all__ = [
    'PackedAssociativeEmbedding', 'TrainableAssociativeEmbeddingHead',
    'TRUST_ENV', 'UntrustedCheckpointError', 'is_trusted', 'load_from_local',
    'register_checkpoint_loader', 'restricted_getattr',
    'safe_checkpoint_globals', 'trust_checkpoint', 'LEGACY_KEY_RENAMES',
    'upgrade_state_dict', 'patch_bottomup_heatmap_mask',
    'xtcocotools_mask_works', 'OcclusionPoseVisualizer'
]
