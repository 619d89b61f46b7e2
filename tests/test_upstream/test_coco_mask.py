"""MMPose's BottomupGetHeatmapMask masks out unannotated people on this
toolchain (xtcocotools' mask decoding is broken on numpy 2)."""
import numpy as np
from mmpose.datasets.transforms import BottomupGetHeatmapMask

import mmpose_occlusion  # noqa: F401
from mmpose_occlusion.upstream import (patch_bottomup_heatmap_mask,
                                       xtcocotools_mask_works)


def test_heatmap_mask_zero_on_an_unannotated_person():
    results = dict(
        img_shape=(40, 40),
        input_size=(40, 40),
        warp_mat=np.eye(2, 3, dtype=np.float32),  # as after the affine
        heatmaps=np.zeros((17, 20, 20), np.float32),
        invalid_segs=[[[4.0, 4.0, 20.0, 4.0, 20.0, 20.0, 4.0, 20.0]]])
    mask = BottomupGetHeatmapMask()(results)['heatmap_mask']
    assert mask.shape == (20, 20)
    assert mask[5, 5] == 0  # inside the polygon (image 10..11 px)
    assert mask[15, 15] == 1 and mask[0, 0] == 1
    assert 0.1 < 1 - mask.mean() < 0.3  # about 16x16 of 40x40 pixels


def test_patch_only_when_needed():
    # after import the patch is in place where needed: a second call finds
    # nothing more to do unless xtcocotools itself is broken
    assert patch_bottomup_heatmap_mask() is (not xtcocotools_mask_works())
