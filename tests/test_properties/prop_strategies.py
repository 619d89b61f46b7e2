"""Hypothesis strategies shared by the property tests: people counts of 0, 1
and many; keypoints inside the image, outside it, or not finite; boxes that
are zero-size or duplicated.

Shapes: keypoints (N, K, 2), visibility (N, K), boxes (N, 4) x1, y1, x2, y2.
"""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

__all__ = [
    'people_counts', 'coordinate', 'keypoints', 'visibility', 'boxes',
    'scores', 'BAD_NUMBERS'
]

BAD_NUMBERS = (np.nan, np.inf, -np.inf)

#: 0 and 1 people as often as "many".
people_counts = st.one_of(st.just(0), st.just(1), st.integers(2, 6))


def coordinate(lo: float = -20.0,
               hi: float = 120.0,
               bad: bool = True) -> st.SearchStrategy:
    """A float32 coordinate: mostly in [lo, hi] (whole pixels now and then,
    so that points coincide), sometimes far outside, optionally NaN or
    infinite."""
    options = [
        st.floats(lo, hi, width=32),
        st.integers(int(lo), int(hi)).map(float),
        st.sampled_from([-1e4, 1e4, lo - 1, hi + 1])
    ]
    if bad:
        options.append(st.sampled_from(BAD_NUMBERS))
    return st.one_of(*options)


def keypoints(n: int,
              k: int,
              lo: float = -20.0,
              hi: float = 120.0,
              bad: bool = True) -> st.SearchStrategy:
    return arrays(np.float32, (n, k, 2), elements=coordinate(lo, hi, bad))


def visibility(n: int, k: int) -> st.SearchStrategy:
    """COCO-style 0 / 1 / 2 labels or scores in [0, 1] (all-invisible
    people included)."""
    return arrays(
        np.float32, (n, k),
        elements=st.one_of(
            st.sampled_from([0.0, 1.0, 2.0]), st.floats(0, 1, width=32)))


@st.composite
def boxes(draw,
          n: int,
          lo: float = -20.0,
          hi: float = 200.0,
          max_size: float = 120.0) -> np.ndarray:
    """(n, 4) valid boxes (x2 >= x1, y2 >= y1), zero-size and exact
    duplicates included."""
    out = np.zeros((n, 4), np.float32)
    for i in range(n):
        if i and draw(st.integers(0, 4)) == 0:
            out[i] = out[draw(st.integers(0, i - 1))]  # a duplicate
            continue
        x, y = (draw(st.floats(lo, hi, width=32)) for _ in range(2))
        w, h = (
            draw(st.floats(1, max_size, width=32))
            if draw(st.integers(0, 4)) else 0.0 for _ in range(2))
        out[i] = (x, y, x + w, y + h)
    return out


def scores(n: int) -> st.SearchStrategy:
    """(n,) scores in [0, 1], ties likely."""
    return arrays(
        np.float32, (n, ),
        elements=st.one_of(
            st.sampled_from([0.3, 0.5, 0.9]), st.floats(0, 1, width=32)))
