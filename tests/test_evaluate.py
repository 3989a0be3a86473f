"""Measures of colour quality and steadiness (`filmcolor.metrics`) against values worked out by
hand on tiny arrays, then `filmcolor.evaluate` end to end on tiny generated films."""

import json
import math

import cv2
import numpy as np
import pytest

from films import make_film, picture
from filmcolor.errors import InputError
from filmcolor.evaluate import EvalConfig, evaluate
from filmcolor.flow import flow, occlusion_mask, warp
from filmcolor.metrics import (
    CDCAccumulator,
    ab_histograms,
    cdc,
    chroma,
    js_divergence,
    ssim,
    warping_error,
)

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

H, W = 72, 96
SHIFT = (3, 2)  # (dx, dy): the picture moves 3 px right and 2 px down from the previous frame


@pytest.fixture(scope="module")
def moving_pair():
    """(prev, cur) uint8 luma of a smooth random texture, cur(x, y) = prev(x - 3, y - 2)."""
    big = cv2.GaussianBlur(np.random.default_rng(0).random((200, 200)).astype(np.float32), (0, 0), 2)
    big = np.rint((big - big.min()) / (big.max() - big.min()) * 255).astype(np.uint8)
    prev = big[40 : 40 + H, 40 : 40 + W].copy()
    cur = big[40 - SHIFT[1] : 40 - SHIFT[1] + H, 40 - SHIFT[0] : 40 - SHIFT[0] + W].copy()
    return prev, cur


def _colour(luma, hue=0):
    """(H, W, 3) uint8: a coloured version of a luma texture; `hue` rolls the channels (flicker)."""
    rgb = np.stack([luma, 255 - luma, luma // 2 + 60], -1).astype(np.uint8)
    return np.roll(rgb, hue, axis=-1)


INNER = (slice(10, -10), slice(10, -10))


def test_flow_finds_a_known_translation(moving_pair):
    prev, cur = moving_pair
    f = flow(prev, cur)
    assert f.shape == (H, W, 2) and f.dtype == np.float32
    assert np.abs(f[INNER] - SHIFT).max() < 0.25
    assert np.abs(flow(cur, prev)[INNER] + SHIFT).max() < 0.25


def test_warp_by_an_exact_translation_recovers_the_image(moving_pair):
    prev, cur = moving_pair
    exact = np.zeros((H, W, 2), np.float32)
    exact[...] = (-SHIFT[0], -SHIFT[1])  # current -> previous
    aligned = warp(prev, exact)  # aligned(x) = prev(x - shift) = cur(x)
    assert np.array_equal(aligned[SHIFT[1] :, SHIFT[0] :], cur[SHIFT[1] :, SHIFT[0] :])
    rgb = warp(_colour(prev), exact)
    assert rgb.shape == (H, W, 3) and np.array_equal(rgb[SHIFT[1] :, SHIFT[0] :], _colour(cur)[SHIFT[1] :, SHIFT[0] :])
    # With the estimated flow, inside the picture, to within interpolation.
    est = warp(prev, flow(cur, prev))
    assert np.abs(est[INNER].astype(int) - cur[INNER]).mean() < 1.0


def test_occlusion_mask_marks_the_disoccluded_strip(moving_pair):
    prev, cur = moving_pair
    mask = occlusion_mask(flow(cur, prev), flow(prev, cur))  # current pixels seen in the previous frame
    assert mask.shape == (H, W) and mask.dtype == bool
    assert not mask[:, : SHIFT[0]].any()  # the 3 columns that came into view on the left
    assert not mask[: SHIFT[1], :].any()  # the 2 rows at the top
    assert mask[INNER].mean() > 0.97
    # A flow that disagrees with its backward flow: occluded.
    fwd = np.zeros((8, 8, 2), np.float32)
    bwd = np.zeros((8, 8, 2), np.float32)
    bwd[..., 0] = 2.0  # |0 + 2|^2 = 4 > 0.01 * 4 + 0.5
    assert not occlusion_mask(fwd, bwd).any()
    bwd[..., 0] = 0.5  # 0.25 < 0.0025 + 0.5
    assert occlusion_mask(fwd, bwd).all()


def test_warping_error_steady_against_flickering(moving_pair):
    prev, cur = moving_pair
    to_prev = flow(cur, prev)
    mask = occlusion_mask(to_prev, flow(prev, cur))
    steady = warping_error(_colour(prev), _colour(cur), to_prev, mask)
    flicker = warping_error(_colour(prev), _colour(cur, hue=1), to_prev, mask)
    assert steady < 1e-4
    assert flicker > 0.02 and flicker > 100 * steady
    # By hand: a constant step of 0.1 in one channel of three over every visible pixel -> 0.01 / 3.
    a = np.full((H, W, 3), 0.5, np.float32)
    b = a.copy()
    b[..., 1] += 0.1
    zero = np.zeros((H, W, 2), np.float32)
    assert warping_error(a, b, zero, np.ones((H, W), bool)) == pytest.approx(0.01 / 3, rel=1e-5)
    assert math.isnan(warping_error(a, b, zero, np.zeros((H, W), bool)))


def test_chroma_is_bt601_cb_cr():
    rgb = np.array([[[255, 0, 0], [128, 128, 128]]], np.uint8)  # (1, 2, 3): red, gray
    c = chroma(rgb)  # (1, 2, 2)
    # BT.601: Cb = 0.5 - 0.168736 R - 0.331264 G + 0.5 B, Cr = 0.5 + 0.5 R - 0.418688 G - 0.081312 B
    assert c[0, 0] == pytest.approx([0.5 - 0.168736, 1.0], abs=1e-3)
    assert c[0, 1] == pytest.approx([0.5, 0.5], abs=1e-3)
    # Only colour counts: a brightness step leaves the chroma warping error at 0.
    zero = np.zeros((1, 2, 2), np.float32)
    lighter = np.full((1, 2, 3), 150, np.uint8)
    darker = np.full((1, 2, 3), 100, np.uint8)
    assert warping_error(chroma(darker), chroma(lighter), zero, np.ones((1, 2), bool)) == pytest.approx(0.0, abs=1e-10)


# --- evaluate, end to end -----------------------------------------------------------------------


def _desaturated(i, w=64, h=48, keep=0.3):
    rgb = picture(i, w, h).astype(np.float32)
    gray = rgb.mean(-1, keepdims=True)
    return np.rint(gray + keep * (rgb - gray)).astype(np.uint8)


@pytest.fixture(scope="module")
def films(tmp_path_factory):
    d = tmp_path_factory.mktemp("eval")
    colour = make_film(d / "colour.mp4", frames=8, audio=())
    pale = make_film(d / "pale.mp4", pictures=[_desaturated(i) for i in range(8)], audio=())
    gray = make_film(d / "gray.mp4", pictures=[_desaturated(i, keep=0.0) for i in range(8)], audio=())
    short = make_film(d / "short.mp4", frames=6, audio=())
    small = make_film(d / "small.mp4", width=32, height=24, frames=8, audio=())
    return {"colour": colour, "pale": pale, "gray": gray, "short": short, "small": small}


def test_a_film_against_itself(films):
    seen = []
    r = evaluate(films["colour"], films["colour"], input=films["colour"], progress=lambda done, total: seen.append((done, total)))
    assert r.frames == 8 and r.cuts == 0 and r.pairs == 7
    assert r.psnr == math.inf and r.ssim == pytest.approx(1.0)
    assert r.colourfulness == r.reference_colourfulness > 20
    assert r.cdc == r.reference_cdc and r.cdc < 0.2
    assert r.warping_error == r.reference_warping_error and 0 <= r.warping_error < 0.01
    assert r.chroma_warping_error == r.reference_chroma_warping_error < r.warping_error
    assert r.luma_psnr == math.inf and r.luma_psnr_min == math.inf
    assert seen[-1] == (8, 8)
    d = r.as_dict()
    assert d["psnr_db"] == "inf" and d["frames"] == 8
    json.dumps(d, allow_nan=False)  # strict JSON
    assert len(r.rows()) == 8


def test_a_desaturated_candidate(films):
    r = evaluate(films["colour"], films["pale"], input=films["gray"], config=EvalConfig())
    assert r.colourfulness < 0.5 * r.reference_colourfulness
    assert 10 < r.psnr < 40 and 0 < r.ssim < 1
    assert math.isfinite(r.cdc) and math.isfinite(r.warping_error)
    assert 20 < r.luma_psnr < math.inf and r.luma_psnr_min <= r.luma_psnr
    gray = evaluate(films["colour"], films["gray"])
    assert gray.colourfulness < 2 and gray.luma_psnr is None
    assert gray.as_dict()["luma_psnr_db"] is None
    assert gray.rows()[-1][0].startswith("warping error, chroma")
    assert gray.chroma_warping_error < 1e-4  # a gray film's colour is steady (up to the codec's chroma noise)


def test_a_cut_is_found_and_not_compared(tmp_path):
    pics = [picture(i, 64, 48) for i in range(4)] + [255 - picture(i, 64, 48) for i in range(4)]
    film = make_film(tmp_path / "cut.mp4", pictures=pics, audio=())
    r = evaluate(film, film)
    assert r.cuts == 1 and r.pairs == 6
    assert r.reference_cdc < 0.2  # the new shot's different colours are not counted
    one = make_film(tmp_path / "one.mp4", frames=1, audio=())
    r1 = evaluate(one, one)
    assert r1.frames == 1 and math.isnan(r1.cdc) and math.isnan(r1.warping_error)
    assert r1.as_dict()["cdc"] is None and json.dumps(r1.as_dict(), allow_nan=False)


def test_mismatched_films_are_refused(films, tmp_path):
    with pytest.raises(InputError, match=r"colour\.mp4 has 8 frames, .*short\.mp4 6; compare renders of the same film"):
        evaluate(films["colour"], films["short"])
    with pytest.raises(InputError, match=r"short\.mp4 has 6 frames, .*colour\.mp4 8"):
        evaluate(films["short"], films["colour"])
    with pytest.raises(InputError, match=r"short\.mp4 has 6 frames, .*pale\.mp4 8; give the B&W film"):
        evaluate(films["colour"], films["pale"], input=films["short"])
    with pytest.raises(InputError, match=r"64x48, .*small\.mp4 32x24"):
        evaluate(films["colour"], films["small"])
    with pytest.raises(InputError, match="does not exist"):
        evaluate(tmp_path / "nothing.mp4", films["colour"])
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(InputError, match="is empty"):
        evaluate(films["colour"], tmp_path / "empty.mp4")
