"""Optical flow, warping and occlusion (`filmcolor.flow`) on a texture moved by a known amount."""

import numpy as np
import pytest
from testfilms import false_colour, moving_texture

from filmcolor.flow import flow, occlusion_mask, warp

H, W = 72, 96
SHIFT = (3, 2)  # (dx, dy): the picture moves 3 px right and 2 px down from the previous frame


@pytest.fixture(scope="module")
def moving_pair():
    return moving_texture(H, W, SHIFT)


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
    rgb = warp(false_colour(prev), exact)
    assert rgb.shape == (H, W, 3) and np.array_equal(
        rgb[SHIFT[1] :, SHIFT[0] :], false_colour(cur)[SHIFT[1] :, SHIFT[0] :]
    )
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
