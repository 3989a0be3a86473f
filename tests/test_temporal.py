"""Temporal smoothing: flow-guided blending on moving patterns with known motion, and a hard
cut that must carry nothing over (where cuts are is `filmcolor.guidance.cuts`'s, tests/test_cuts.py)."""

import cv2
import numpy as np
import pytest

from filmcolor.flow import flow
from filmcolor.temporal import Motion, SmoothConfig, Smoother, held, motion, trust

H, W = 64, 96


def texture(seed: int, h: int = H + 32, w: int = W + 48) -> np.ndarray:
    """(h, w) float32 luma in [0.1, 0.9]: smooth blobs, something for optical flow to hold on to."""
    noise = np.random.default_rng(seed).random((h // 12, w // 12)).astype(np.float32)
    return 0.1 + 0.8 * cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def window(big: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """The (H, W) view of `big` moved by (dx, dy) px: a camera pan with known motion."""
    return big[8 + dy : 8 + dy + H, 8 + dx : 8 + dx + W]


# --- flow-guided blending -------------------------------------------------------------------------


def chroma_of(luma: np.ndarray, shift: float = 0.0) -> np.ndarray:
    """(2, h, w) chroma tied to the picture's content (so it moves with it), plus a global `shift`."""
    return np.stack([luma - 0.5, 0.5 - luma]) * 0.3 + shift


def pan(frames: int, seed: int = 0) -> list[np.ndarray]:
    big = texture(seed)
    return [window(big, k, k // 2) for k in range(frames)]  # 1 px right per frame, 1 px down every 2


def test_where_the_flow_is_lost_the_picture_may_be_held_still_or_moved_with_the_camera():
    """A dense flow that trusts nothing (as where a fast, blurred thing loses it): a still
    picture is held where it is, and a pan of 12 px a frame follows the whole picture's shift,
    except the strip it brings into view (held still only where its luma happens to match); an
    unlike picture is held only where its luma happens to match."""
    big = np.rint(texture(3) * 255).astype(np.uint8)
    lost = Motion(np.zeros((H, W, 2), np.float32), np.zeros((H, W), np.float32))
    still = held(window(big, 0, 0), window(big, 0, 0), lost, SmoothConfig.residual)
    assert still.trust.min() > 0.99 and np.abs(still.to_prev).max() == 0
    panned = held(window(big, 0, 0), window(big, 12, 0), lost, SmoothConfig.residual)
    assert panned.trust[:, : W - 14].mean() > 0.9 and panned.trust[:, W - 11 :].mean() < 0.3
    assert np.allclose(np.median(panned.to_prev[:, : W - 14].reshape(-1, 2), axis=0), (12, 0), atol=0.5)
    other = np.rint(texture(4)[8 : 8 + H, 8 : 8 + W] * 255).astype(np.uint8)
    assert held(window(big, 0, 0), other, lost, SmoothConfig.residual).trust.mean() < 0.3


def test_trust_is_high_where_the_flow_holds_and_zero_in_the_strip_coming_into_view():
    big = texture(0)
    prev, cur = (np.rint(window(big, dx, 0) * 255).astype(np.uint8) for dx in (0, 3))
    t = trust(prev, cur, flow(cur, prev, "fast"), flow(prev, cur, "fast"), SmoothConfig.residual)
    assert t[8:-8, 8:-12].mean() > 0.8
    assert t[:, -3:].max() == 0.0  # the 3 columns entering at the right were not in the previous frame


def test_smoothing_removes_flicker_on_a_moving_pattern():
    """Each frame's prediction is the picture's colour plus a random global jump; smoothed along
    the motion, the output stays nearer the steady colour than any single prediction."""
    frames = pan(24)
    flicker = np.random.default_rng(1).normal(0, 0.05, len(frames))
    smoother, raw_error, smooth_error = Smoother(), [], []
    inner = (slice(None), slice(8, -8), slice(8, -8))  # away from the edges coming into view
    for k, y in enumerate(frames):
        raw = chroma_of(y, flicker[k])
        out = smoother(y, raw, False)
        if k >= 4:  # once the smoothing has a history
            steady = chroma_of(y)[inner]
            raw_error.append(np.abs(raw[inner] - steady).mean())
            smooth_error.append(np.abs(out[inner] - steady).mean())
    assert np.mean(smooth_error) < 0.5 * np.mean(raw_error)


def test_strength_zero_is_no_smoothing():
    smoother = Smoother(SmoothConfig(strength=0.0))
    for k, y in enumerate(pan(4)):
        c = chroma_of(y, 0.01 * k)
        out = smoother(y, c, False)
        np.testing.assert_allclose(out, c, atol=1e-7)


def test_first_frame_after_a_hard_cut_carries_nothing_of_the_shot_before():
    smoother = Smoother()
    red_shot, blue_shot = pan(6, seed=0), pan(6, seed=5)
    for y in red_shot:
        smoother(y, np.stack([np.full_like(y, -0.2), np.full_like(y, 0.3)]), False)  # warm
    blue = np.stack([np.full_like(blue_shot[0], 0.3), np.full_like(blue_shot[0], -0.2)])
    out = smoother(blue_shot[0], blue, True)
    np.testing.assert_array_equal(out, blue)  # the fresh prediction, exactly
    out = smoother(blue_shot[1], blue, False)
    np.testing.assert_allclose(out, blue, atol=1e-6)  # and the new shot's state is its own


@pytest.mark.parametrize("size", [(64, 96), (143, 175)])
def test_smoother_keeps_shapes_and_dtype(size):
    y = np.random.default_rng(0).random(size).astype(np.float32)
    smoother = Smoother()
    for _ in range(2):
        out = smoother(y, np.zeros((2, *size), np.float32), False)
        assert out.shape == (2, *size) and out.dtype == np.float32


def test_a_fast_pan_is_followed_from_its_global_shift():
    """A pan of 60 px a frame at the working size (an eighth of the frame): DIS's fast preset at
    half the size loses it alone (nothing trusted, nothing smoothed); started from the global
    shift phase correlation finds, the smoother follows it."""
    rng = np.random.default_rng(0)
    texture = cv2.GaussianBlur((rng.random((300, 900)) * 255).astype(np.uint8), (0, 0), 1.5)
    prev, cur = texture[20:276, 160:615], texture[20:276, 100:555]  # cur[x] ~ prev[x - 60]
    lost = motion(prev, cur, SmoothConfig(global_start=False))
    found = motion(prev, cur, SmoothConfig())
    assert lost.trust.mean() < 0.2
    assert found.trust.mean() > 0.7
    assert abs(float(np.median(found.to_prev[..., 0])) + 60.0) < 1.0
