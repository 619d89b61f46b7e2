"""Properties of the codecs on machine-made input: 0, 1 or many people,
keypoints outside the input or not finite, all keypoints unlabelled.

What must hold: targets have the documented shapes and dtypes; a keypoint
gets weight 1 exactly when it is labelled and lies in the heatmap, and only
such keypoints leave a mark; encode -> decode gives back the labelled
in-image keypoints within the disk radius (SequentialDiskHeatmap).
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from prop_strategies import keypoints, people_counts, visibility

from mmpose_occlusion.codecs import SequentialDiskHeatmap
from mmpose_occlusion.upstream import PackedAssociativeEmbedding

# NaN and infinite inputs are the point here: numpy's warnings about them
# are expected
pytestmark = pytest.mark.filterwarnings('ignore::RuntimeWarning')

INPUT, HEATMAP = (64, 48), (16, 12)  # (W, H), stride 4


@st.composite
def people(draw, k_max: int = 5):
    n, k = draw(people_counts), draw(st.integers(1, k_max))
    kpts = draw(keypoints(n, k, lo=-8, hi=70))
    vis = draw(visibility(n, k))
    return kpts, vis


def _labelled_inside(kpts, vis, stride=4):
    """(N, K) labelled keypoints inside the heatmap (heatmap pixels
    0 .. W - 1, 0 .. H - 1)."""
    pts = kpts / stride
    w, h = HEATMAP
    with np.errstate(invalid='ignore'):
        return (vis > 0) & (pts[..., 0] >= 0) & (pts[..., 0] <= w -
                                                 1) & (pts[..., 1] >= 0) & (
                                                     pts[..., 1] <= h - 1)


@given(
    sample=people(),
    radius=st.sampled_from([1.0, 2.0, 3.0]),
    omit_visible=st.booleans())
def test_disk_targets_mark_exactly_the_labelled_keypoints(
        sample, radius, omit_visible):
    kpts, vis = sample
    (n, k), (w, h) = kpts.shape[:2], HEATMAP
    codec = SequentialDiskHeatmap(INPUT, HEATMAP, radius)
    out = codec.encode(kpts, None if omit_visible else vis)
    assert out['heatmaps'].shape == (k, h, w)
    assert out['heatmaps'].dtype == np.float32
    assert out['instance_heatmaps'].shape == (n, k, h, w)
    assert out['instance_heatmaps'].dtype == np.uint8
    assert out['keypoint_weights'].shape == (n, k)
    want = _labelled_inside(kpts, np.ones((n, k)) if omit_visible else vis)
    np.testing.assert_array_equal(out['keypoint_weights'], want)
    # a labelled in-heatmap keypoint draws a disk; any other draws nothing
    drawn = out['instance_heatmaps'].reshape(n, k, h * w).any(-1)
    np.testing.assert_array_equal(drawn, want)
    np.testing.assert_array_equal(out['heatmaps'],
                                  out['instance_heatmaps'].max(0) if n else 0)
    # every marked pixel is within the radius of its keypoint
    for i, j in zip(*np.nonzero(want)):
        ys, xs = np.nonzero(out['instance_heatmaps'][i, j])
        d2 = (xs - kpts[i, j, 0] / 4)**2 + (ys - kpts[i, j, 1] / 4)**2
        assert (d2 <= radius**2 + 1e-4).all()


@given(sample=people(), radius=st.sampled_from([1.0, 3.0]))
def test_disk_encode_decode_round_trip(sample, radius):
    kpts, vis = sample
    codec = SequentialDiskHeatmap(INPUT, HEATMAP, radius)
    out = codec.encode(kpts, vis)
    steps = out['instance_heatmaps'].astype(np.float32)
    dec, scores = codec.decode(steps)
    assert dec.shape == kpts.shape and scores.shape == vis.shape
    assert dec.dtype == np.float32 and scores.dtype == np.float32
    want = out['keypoint_weights'] > 0
    np.testing.assert_array_equal(scores, want.astype(np.float32))
    # the decoded point is in the disk (radius + the quarter-pixel
    # refinement, in heatmap pixels), so within that many strides
    err = np.linalg.norm(dec[want] - kpts[want], axis=-1)
    assert (err <= (radius + 0.25) * 4 + 1e-3).all(), err.max()


@given(sample=people(), omit_visible=st.booleans())
def test_associative_embedding_targets(sample, omit_visible):
    kpts, vis = sample
    # MMPose's datasets give visibilities 0 / 1 (min(1, v)); the stock
    # codec keeps a fractional one below 0.5 as the weight of a keypoint it
    # does not draw
    vis = (vis > 0).astype(np.float32)
    (n, k), (w, h) = kpts.shape[:2], HEATMAP
    codec = PackedAssociativeEmbedding(
        input_size=INPUT,
        heatmap_size=HEATMAP,
        sigma=2,
        decode_keypoint_order=list(range(k)))
    out = codec.encode(kpts, None if omit_visible else vis)
    assert out['heatmaps'].shape == (k, h, w)
    assert np.isfinite(out['heatmaps']).all()
    assert out['heatmaps'].min() >= 0 and out['heatmaps'].max() <= 1
    assert out['keypoint_indices'].shape == (n, k, 2)
    assert out['keypoint_weights'].shape == (n, k)
    # the label table reaches the packed instance labels
    assert set(codec.label_mapping_table) <= set(out)
    # the heatmap loss weighs labelled finite keypoints only (MMPose's
    # stock rule keeps the weight of one just outside whose Gaussian still
    # reaches the map); the tag loss takes those inside the map, and their
    # index is a pixel of it
    labelled = np.ones((n, k), bool) if omit_visible else vis > 0
    trained = out['keypoint_weights'] > 0
    assert not (trained & ~(labelled & np.isfinite(kpts).all(-1))).any()
    tagged = out['keypoint_indices'][..., 1] > 0
    assert not (tagged & ~trained).any()
    idx = out['keypoint_indices'][..., 0][tagged]
    assert ((idx >= 0) & (idx < w * h)).all()
