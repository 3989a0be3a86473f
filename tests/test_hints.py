"""Colour hints (`filmcolor.guidance.hints`): strokes spread along the luma, not across its
edges; the stroke fill's reach, which falls with distance and across edges."""

import cv2
import numpy as np

from filmcolor.guidance.hints import ALONE, PAINTED, coloured, dissection, fill_chroma, shrunk_hints, stroke_fill


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


RED = (-0.1, 0.25)


def test_the_reach_falls_with_distance_over_an_open_area():
    """A stroke across a flat picture 200 px wide (the walk's 1/e at 20 px: reach 0.1, gain 1)
    colours what is near it and hardly the far end; Levin's fill colours all of it."""
    luma = np.full((30, 200), 0.5)
    chroma, known = np.zeros((30, 200, 2)), np.zeros((30, 200), bool)
    known[:, 5:9], chroma[:, 5:9] = True, RED
    out, reach = stroke_fill(luma, chroma, known, reach=0.1, gain=1.0)
    assert reach[known].min() == 1.0 and reach[:, 15].min() > 0.5 and reach[:, 150:].max() < 0.01
    assert np.all(np.diff(reach[15, 9:]) <= 1e-6)  # falling all the way
    assert np.allclose(out, reach[..., None] * np.array(RED), atol=1e-4)  # gray base: the reach times the colour
    assert np.abs(fill_chroma(luma, chroma, known)[:, 150:] - RED).max() < 0.01


def test_the_reach_falls_across_an_edge():
    """A stroke left of an edge: the region it is in keeps the colour, the other hardly gets it."""
    luma = _two_regions()
    chroma, known = np.zeros((60, 80, 2)), np.zeros((60, 80), bool)
    known[10:50, 30:34], chroma[10:50, 30:34] = True, RED
    out, reach = stroke_fill(luma, chroma, known)
    assert reach[10:50, 36].mean() > 0.9 and reach[10:50, 44].mean() < 0.2  # as far from the stroke, either side
    assert np.abs(out[:, 44:]).mean() < 0.2 * np.abs(RED).max()


def test_the_base_blends_by_the_reach_and_keep_gray_strokes_hold():
    """out = base + reach * (fill - base): with the automatic colour as base, the pixels no
    stroke reaches keep it; a keep-gray stroke (painted, chroma 0) keeps its pixels gray over
    any base, and pulls its neighbours to gray as a colour stroke pulls them to its colour."""
    luma = np.full((30, 200), 0.5)
    chroma, known = np.zeros((30, 200, 2)), np.zeros((30, 200), bool)
    known[:, 5:9], chroma[:, 5:9] = True, RED
    known[:, 40:44] = True  # keep gray
    base = np.full((30, 200, 2), (0.05, 0.05), np.float32)
    gray, reach = stroke_fill(luma, chroma, known, reach=0.1, gain=1.0)
    auto, same = stroke_fill(luma, chroma, known, base, reach=0.1, gain=1.0)
    assert np.array_equal(reach, same)
    assert np.allclose(auto, gray + (1.0 - reach)[..., None] * base, atol=1e-5)
    assert np.abs(auto[:, 40:44]).max() == 0 and np.abs(auto[:, 46]).max() < 0.02
    assert np.abs(auto[:, 190:] - base[:, 190:]).max() < 0.01


def test_the_reach_grows_with_the_number_of_separate_hints():
    """Up to ALONE separate hints the reach is a lone stroke's; with ten, the colourist has said
    much, the leak shrinks and the far end of an open area is reached where a lone stroke's
    colour would have died out."""
    luma = np.full((30, 200), 0.5)

    def dots(n):
        chroma, known = np.zeros((30, 200, 2)), np.zeros((30, 200), bool)
        for k in range(n):
            known[1 + 3 * k, 5:7], chroma[1 + 3 * k, 5:7] = True, RED
        return chroma, known

    few = dots(ALONE)
    assert np.array_equal(stroke_fill(luma, *few, reach=0.1)[1], stroke_fill(luma, *few, reach=0.1, alone=1000)[1])
    many = dots(10)
    grown, fixed = stroke_fill(luma, *many, reach=0.1)[1], stroke_fill(luma, *many, reach=0.1, alone=1000)[1]
    assert fixed[:, 150:].max() < 0.001 and grown[:, 150:].min() > 0.2  # the far end: 145 px from every hint
    assert np.all(grown >= fixed - 1e-6)


def test_with_many_strokes_it_is_levins_fill():
    """Hints every few pixels: every pixel is near one, the reach is about 1, and the fill is Levin's."""
    luma = _two_regions()
    rng = np.random.default_rng(2)
    truth = np.stack([np.where(luma < 0.5, 0.1, -0.1), np.where(luma < 0.5, -0.05, 0.2)], axis=2)
    known = rng.random((60, 80)) < 0.15
    chroma = np.where(known[..., None], truth, 0.0)
    out, reach = stroke_fill(luma, chroma, known)
    assert np.abs(out - fill_chroma(luma, chroma, known)).mean() < 0.005 and reach.mean() > 0.97


def test_a_large_picture_is_filled_small_and_brought_back_along_its_luma():
    """300x400 filled at 100 px and brought back up: the strokes kept, the colour stopping at the
    luma's edge within a pixel or two (a plain scaling up would blur it over four)."""
    luma = np.kron(_two_regions(), np.ones((5, 5)))
    chroma, known = np.zeros((300, 400, 2)), np.zeros((300, 400), bool)
    known[50:250, 150:170], chroma[50:250, 150:170] = True, RED
    out, reach = stroke_fill(luma, chroma, known, max_side=100)
    assert np.array_equal(out[known], chroma[known].astype(np.float32))
    assert reach[50:250, 198].min() > 0.9 and reach[50:250, 202].max() < 0.5 and reach[50:250, 205:].mean() < 0.2
    assert np.abs(stroke_fill(luma, chroma, np.zeros_like(known))[0]).max() == 0


def test_the_solve_order_is_every_pixel_once_and_the_fill_a_weighted_mean():
    """The nested-dissection order the fill is factorised in takes every pixel once, on any
    shape; and what it solves is still Levin's system: an unpainted pixel's colour lies between
    its neighbours' (a weighted mean), the painted ones keep theirs."""
    for h, w in ((1, 1), (1, 9), (9, 1), (2, 2), (3, 3), (7, 50), (48, 64), (113, 200)):
        order = dissection(h, w)
        assert order.shape == (h * w,) and np.array_equal(np.sort(order), np.arange(h * w))
    rng = np.random.default_rng(3)
    luma = rng.random((31, 47))
    known = rng.random((31, 47)) < 0.05
    chroma = np.where(known[..., None], rng.uniform(-0.3, 0.3, (31, 47, 2)), 0.0)
    out = fill_chroma(luma, chroma, known)
    assert np.array_equal(out[known], chroma[known].astype(np.float32))
    padded = np.pad(out, ((1, 1), (1, 1), (0, 0)), constant_values=np.nan)  # outside: no neighbour
    steps = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]
    around = np.stack([padded[1 + dy : 32 + dy, 1 + dx : 48 + dx] for dy, dx in steps])  # (8, 31, 47, 2)
    low, high = np.nanmin(around, axis=0)[~known], np.nanmax(around, axis=0)[~known]
    assert np.all(out[~known] >= low - 1e-5) and np.all(out[~known] <= high + 1e-5)
    assert np.ptp(out[~known]) > 0.1  # not trivially flat


def test_a_stroke_shrunk_keeps_its_colour_to_its_edge():
    """A 3 px red stroke on a transparent layer (black under its clear pixels, as an image
    editor exports it) brought to 0.7 of its size: every pixel the stroke paints there is the
    stroke's red, where a plain average mixed its edge with the black."""
    rgb, alpha = np.zeros((70, 100, 3), np.uint8), np.zeros((70, 100), np.uint8)
    rgb[30:33, 20:80], alpha[30:33, 20:80] = (200, 40, 30), 255
    small, small_alpha = shrunk_hints(rgb, alpha, (70, 49))
    painted = small_alpha >= PAINTED
    assert painted.any() and np.abs(small[painted] - np.array([200, 40, 30]) / 255.0).max() < 1e-5
    plain = cv2.resize(rgb.astype(np.float32) / 255.0, (70, 49), interpolation=cv2.INTER_AREA)
    assert np.abs(plain[painted] - np.array([200, 40, 30]) / 255.0).max() > 0.2
