"""Colour hints (`filmcolor.guidance.hints`): strokes spread along the luma, not across its edges."""

import numpy as np

from filmcolor.guidance.hints import coloured, fill_chroma


def _two_regions(h=60, w=80):
    """A dark left half and a bright right half, a little grain on both."""
    luma = np.where(np.arange(w)[None, :] < w // 2, 0.3, 0.7) * np.ones((h, 1))
    return luma + np.random.default_rng(0).normal(0, 0.01, (h, w))


def test_a_stroke_in_each_region_colours_that_region_and_not_the_other():
    luma = _two_regions()
    chroma, known = np.zeros((60, 80, 2)), np.zeros((60, 80), bool)
    blue, red = (0.2, -0.1), (-0.1, 0.25)
    known[28:32, 10:14], chroma[28:32, 10:14] = True, blue
    known[28:32, 60:64], chroma[28:32, 60:64] = True, red
    out = fill_chroma(luma, chroma, known)
    assert np.abs(out[:, :38] - blue).max() < 0.02  # the whole left region, to its far corners
    assert np.abs(out[:, 42:] - red).max() < 0.02  # and the right one: no leak across the edge
    assert np.array_equal(out[known], chroma[known].astype(np.float32))  # the strokes themselves kept


def test_a_large_picture_is_filled_at_a_smaller_size_and_keeps_its_strokes():
    luma = np.kron(_two_regions(), np.ones((10, 10)))  # 600x800
    chroma, known = np.zeros((600, 800, 2)), np.zeros((600, 800), bool)
    known[280:320, 100:140], chroma[280:320, 100:140] = True, (0.2, -0.1)
    out = fill_chroma(luma, chroma, known)
    assert out.shape == (600, 800, 2) and np.abs(out[:, :380] - (0.2, -0.1)).max() < 0.03
    assert np.abs(fill_chroma(luma, chroma, np.zeros_like(known))).max() == 0  # nothing coloured: gray


def test_which_pixels_a_hint_picture_colours():
    chroma = np.zeros((10, 10, 2))
    chroma[2:4, 2:4] = (0.1, 0.1)
    assert coloured(chroma, None).sum() == 4  # strokes on gray
    assert coloured(np.full((10, 10, 2), 0.1), None).all()  # coloured whole: its gray parts would be gray too
    alpha = np.zeros((10, 10), np.uint8)
    alpha[:5] = 255
    assert coloured(chroma, alpha).sum() == 50  # transparency says it
