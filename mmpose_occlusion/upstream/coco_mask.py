"""MMPose's bottom-up heatmap mask on numpy 2.

``BottomupGetHeatmapMask`` (mmpose 1.3.2) rasterises the polygons of people
without keypoint annotations (and crowd regions) with ``xtcocotools.mask``;
the loss then ignores those pixels. xtcocotools 1.14.3's ``mask.decode``
uses ``np.NPY_OWNDATA``, which numpy 2 removed, so on today's toolchain every
bottom-up training sample with such a person (most real COCO images) fails
with ``AttributeError: module 'numpy' has no attribute 'NPY_OWNDATA'``;
synthetic data without unannotated people never reaches that line.

:func:`patch_bottomup_heatmap_mask` tries xtcocotools on a tiny polygon and,
only if it fails, points that one module's ``cocomask`` at
``pycocotools.mask`` (same functions, same RLE format, maintained for
numpy 2). Nothing else in MMPose uses xtcocotools' masks (its keypoint
evaluation does not decode masks). ``import mmpose_occlusion`` calls it.
"""
__all__ = ['xtcocotools_mask_works', 'patch_bottomup_heatmap_mask']

_SQUARE = [[1.0, 1.0, 5.0, 1.0, 5.0, 5.0, 1.0, 5.0]]


def xtcocotools_mask_works() -> bool:
    """Whether ``xtcocotools.mask`` decodes a polygon on this numpy."""
    try:
        import xtcocotools.mask as m
        rles = m.frPyObjects(_SQUARE, 8, 8)
        return int(m.decode(m.merge(rles)).sum()) > 0
    except Exception:  # noqa: BLE001 - any failure means "does not work"
        return False


def patch_bottomup_heatmap_mask() -> bool:
    """Make ``BottomupGetHeatmapMask`` use pycocotools' masks when
    xtcocotools' are broken; returns whether it patched."""
    if xtcocotools_mask_works():
        return False
    import pycocotools.mask
    from mmpose.datasets.transforms import bottomup_transforms
    bottomup_transforms.cocomask = pycocotools.mask
    return True
