"""Measures of colour quality and steadiness (`filmcolor.metrics`) against values worked out by
hand on tiny arrays."""

import math

import numpy as np
import pytest
from testfilms import false_colour, moving_texture

from filmcolor.flow import flow, occlusion_mask
from filmcolor.metrics import (
    CDCAccumulator,
    ab_histograms,
    cdc,
    chroma,
    colourfulness,
    js_divergence,
    psnr,
    ssim,
    warping_error,
)

H, W = 72, 96


def test_psnr_and_colourfulness_by_hand():
    a = np.zeros((2, 2), np.uint8)
    b = a.copy()
    b[0, 0] = 10  # MSE = 100 / 4 = 25 -> 10 log10(255^2 / 25)
    assert psnr(a, b) == pytest.approx(10 * np.log10(255**2 / 25))
    assert psnr(a, a) == float("inf")
    gray = np.full((4, 4, 3), 77, np.uint8)
    assert colourfulness(gray) == 0.0
    red = np.zeros((1, 2, 3))
    red[0, 0] = (255, 0, 0)  # rg = [255, 0], yb = [127.5, 0]
    expected = np.hypot(127.5, 63.75) + 0.3 * np.hypot(127.5, 63.75)
    assert colourfulness(red) == pytest.approx(expected)


# --- SSIM ---------------------------------------------------------------------------------------

C1, C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2


def test_ssim_of_identical_images_is_one():
    img = np.random.default_rng(0).integers(0, 256, (20, 24, 3), dtype=np.uint8)
    assert ssim(img, img) == pytest.approx(1.0, abs=1e-12)
    assert ssim(img[..., 0], img[..., 0]) == pytest.approx(1.0, abs=1e-12)


def test_ssim_of_a_constant_shift_by_hand():
    # Flat pictures: no contrast, so SSIM is the luminance term alone, (2 mu_a mu_b + C1) / (mu_a^2 + mu_b^2 + C1).
    a = np.full((16, 16), 100, np.uint8)
    b = np.full((16, 16), 110, np.uint8)
    by_hand = (2 * 100 * 110 + C1) / (100**2 + 110**2 + C1)  # 0.995477...
    assert ssim(a, b) == pytest.approx(by_hand, rel=1e-9)
    # Per channel, then averaged: one channel shifted, two equal.
    rgb_a = np.full((16, 16, 3), 100, np.uint8)
    rgb_b = rgb_a.copy()
    rgb_b[..., 0] = 110
    assert ssim(rgb_a, rgb_b) == pytest.approx((by_hand + 1 + 1) / 3, rel=1e-9)


def _ssim_valid_by_definition(x, y):
    """Wang et al.'s formula with an explicit 11x11 Gaussian window over every window wholly
    inside the picture (their reference code's 'valid' filtering), in plain loops."""
    g = np.exp(-((np.arange(11) - 5) ** 2) / (2 * 1.5**2))
    win = np.outer(g, g) / np.outer(g, g).sum()
    h, w = x.shape
    vals = []
    for i in range(h - 10):
        for j in range(w - 10):
            px, py = x[i : i + 11, j : j + 11], y[i : i + 11, j : j + 11]
            mx, my = (win * px).sum(), (win * py).sum()
            vx, vy = (win * (px - mx) ** 2).sum(), (win * (py - my) ** 2).sum()
            cxy = (win * (px - mx) * (py - my)).sum()
            vals.append((2 * mx * my + C1) * (2 * cxy + C2) / ((mx**2 + my**2 + C1) * (vx + vy + C2)))
    return np.mean(vals)


def test_ssim_matches_the_definition_on_a_textured_pair():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, (17, 19)).astype(np.float64)
    b = np.clip(a + rng.normal(0, 30, a.shape), 0, 255)
    expected = _ssim_valid_by_definition(a, b)
    assert ssim(a, b) == pytest.approx(expected, rel=1e-9)
    assert 0.2 < expected < 0.95
    assert ssim(a, b) == pytest.approx(ssim(b, a), rel=1e-12)


def test_ssim_refuses_different_shapes():
    with pytest.raises(ValueError):
        ssim(np.zeros((4, 4)), np.zeros((4, 5)))


# --- histograms, JS divergence, CDC -------------------------------------------------------------


def test_js_divergence_equal_disjoint_and_by_hand():
    assert js_divergence([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == pytest.approx(0.0, abs=1e-12)
    assert js_divergence([1, 0, 0, 0], [0, 0, 0.5, 0.5]) == pytest.approx(1.0, abs=1e-12)
    # P = (1, 0), Q = (1/2, 1/2), M = (3/4, 1/4): KL(P||M) = log2(4/3), KL(Q||M) = (log2(2/3) + 1) / 2.
    by_hand = 0.5 * math.log2(4 / 3) + 0.5 * 0.5 * (math.log2(2 / 3) + 1)  # 0.311278...
    assert js_divergence([1, 0], [0.5, 0.5]) == pytest.approx(by_hand, abs=1e-12)
    assert js_divergence([0.5, 0.5], [1, 0]) == pytest.approx(by_hand, abs=1e-12)


def test_ab_histograms_of_gray_and_red():
    gray = np.full((4, 5, 3), 128, np.uint8)
    h = ab_histograms(gray)  # 65 bins, 4 units wide, centred on -128, -124, ..., 0 (bin 32), ..., 128
    assert h.shape == (2, 65)
    assert h.sum(axis=1) == pytest.approx([1, 1])
    assert h[0, 32] == 1 and h[1, 32] == 1
    red = np.zeros((4, 5, 3), np.uint8)
    red[..., 0] = 255  # CIELAB a* 80.1, b* 67.2
    h = ab_histograms(red)
    assert h[0, round((80.1 + 128) / 4)] == 1 and h[1, round((67.2 + 128) / 4)] == 1
    half = np.concatenate([gray, red], axis=1)
    assert ab_histograms(half)[0, [32, 52]] == pytest.approx([0.5, 0.5])


def _hist(k, bins=8):
    """(2, bins): all mass in bin k, for both a* and b*."""
    h = np.zeros((2, bins))
    h[:, k] = 1
    return h


def test_cdc_by_hand_and_cuts_skip_pairs():
    # Frames 0-2 in one colour, 3-5 in another with nothing in common: each pair across is JS 1.
    hists = [_hist(1)] * 3 + [_hist(6)] * 3
    # gap 1: 1 of 5 pairs differs; gap 2: 2 of 4; gap 4: 2 of 2.
    assert cdc(hists) == pytest.approx((1 / 5 + 2 / 4 + 2 / 2) / 3)
    assert cdc(hists, cuts=[3]) == 0.0  # a new shot at 3: every differing pair straddles it
    assert cdc(np.stack(hists), cuts=[0, 3, 99]) == 0.0
    # Only the a* channel changes: half the JS.
    only_a = [_hist(1)] * 3 + [np.stack([_hist(6)[0], _hist(1)[1]])] * 3
    assert cdc(only_a) == pytest.approx((1 / 5 + 2 / 4 + 2 / 2) / 6)


def test_cdc_cut_part_way_and_missing_gaps():
    # A cut at 2 in 0..4 with a change at 4: pairs left are (0,1); (2,3), (3,4); (2,4); none of gap 4.
    hists = [_hist(0), _hist(0), _hist(2), _hist(2), _hist(5)]
    assert cdc(hists, cuts=[2]) == pytest.approx((1 / 3 + 1 / 1) / 2)
    assert math.isnan(cdc([_hist(0)]))
    assert math.isnan(cdc([_hist(0), _hist(1)], cuts=[1]))
    acc = CDCAccumulator()
    for i, h in enumerate(hists):
        acc.push(h, cut=i == 2)
    assert acc.value() == pytest.approx(cdc(hists, cuts=[2]))
    assert len(acc._recent) <= 4  # bounded memory


# --- flow, warp, occlusion, warping error -------------------------------------------------------


def test_chroma_is_bt601_cb_cr():
    rgb = np.array([[[255, 0, 0], [128, 128, 128]]], np.uint8)  # (1, 2, 3): red, gray
    c = chroma(rgb)  # (1, 2, 2)
    # BT.601: Cb = -0.168736 R - 0.331264 G + 0.5 B, Cr = 0.5 R - 0.418688 G - 0.081312 B
    assert c[0, 0] == pytest.approx([-0.168736, 0.5], abs=1e-3)
    assert c[0, 1] == pytest.approx([0.0, 0.0], abs=1e-3)
    # Only colour counts: a brightness step leaves the chroma warping error at 0.
    zero = np.zeros((1, 2, 2), np.float32)
    lighter = np.full((1, 2, 3), 150, np.uint8)
    darker = np.full((1, 2, 3), 100, np.uint8)
    assert warping_error(chroma(darker), chroma(lighter), zero, np.ones((1, 2), bool)) == pytest.approx(0.0, abs=1e-10)


def test_warping_error_steady_against_flickering():
    prev, cur = moving_texture(H, W, (3, 2))
    to_prev = flow(cur, prev)
    mask = occlusion_mask(to_prev, flow(prev, cur))
    steady = warping_error(false_colour(prev), false_colour(cur), to_prev, mask)
    flicker = warping_error(false_colour(prev), false_colour(cur, hue=1), to_prev, mask)
    assert steady < 1e-4
    assert flicker > 0.02 and flicker > 100 * steady
    # By hand: a constant step of 0.1 in one channel of three over every visible pixel -> 0.01 / 3.
    a = np.full((H, W, 3), 0.5, np.float32)
    b = a.copy()
    b[..., 1] += 0.1
    zero = np.zeros((H, W, 2), np.float32)
    assert warping_error(a, b, zero, np.ones((H, W), bool)) == pytest.approx(0.01 / 3, rel=1e-5)
    assert math.isnan(warping_error(a, b, zero, np.zeros((H, W), bool)))


def test_fringes_count_chroma_changes_where_the_luma_is_flat():
    from filmcolor.colour import ycbcr_to_rgb
    from filmcolor.metrics import flat_mask, fringe

    rng = np.random.default_rng(0)
    y = np.full((40, 60), 0.5, np.float32)
    y[:, 30:] = 0.8  # one luma edge
    flat = flat_mask(y)
    assert flat[:, :25].all() and not flat[:, 29:31].any()
    clean = np.zeros((40, 60, 2), np.float32)
    clean[:, 30:, 0] = 0.1  # colour changes only at the luma edge
    banded = clean.copy()
    banded[..., 1] += 0.03 * np.sin(np.arange(60) / 3.0)[None]  # bands across the flat parts
    noisy = clean + 0.01 * rng.standard_normal(clean.shape).astype(np.float32)

    def rgb(c):
        return np.clip(ycbcr_to_rgb(np.concatenate([y[..., None], c], -1), "bt601") * 255 + 0.5, 0, 255).astype(
            np.uint8
        )

    assert fringe(rgb(clean), flat) < 0.1
    assert fringe(rgb(banded), flat) > 10 * max(fringe(rgb(clean), flat), 0.01)
    assert fringe(rgb(noisy), flat) > 1
    assert math.isnan(fringe(rgb(clean), np.zeros_like(flat)))
