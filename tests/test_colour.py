"""Colour arithmetic (`filmcolor.colour`): matrices, code ranges, gamut, picture luma."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from filmcolor.colour import MATRICES, CodeRange, convert_chroma, fit_chroma_to_gamut, rgb_to_ycbcr, ycbcr_to_rgb

unit_rgb = arrays(np.float64, (7, 3), elements=st.floats(0.0, 1.0))


@pytest.mark.parametrize("matrix", list(MATRICES))
@settings(max_examples=50, deadline=None)
@given(rgb=unit_rgb)
def test_rgb_ycbcr_round_trip(matrix, rgb):
    ycc = rgb_to_ycbcr(rgb, matrix)
    assert np.all(ycc[..., 0] >= -1e-9) and np.all(ycc[..., 0] <= 1 + 1e-9)
    assert np.all(np.abs(ycc[..., 1:]) <= 0.5 + 1e-9)
    np.testing.assert_allclose(ycbcr_to_rgb(ycc, matrix), rgb, atol=1e-9)


def test_known_values_bt601():
    # Pure red in BT.601: Y' = 0.299, Cr = 0.5 exactly.
    np.testing.assert_allclose(rgb_to_ycbcr(np.array([1.0, 0.0, 0.0]), "bt601"), [0.299, -0.168736, 0.5], atol=1e-6)
    np.testing.assert_allclose(rgb_to_ycbcr(np.array([0.5, 0.5, 0.5]), "bt709"), [0.5, 0.0, 0.0], atol=1e-12)


@pytest.mark.parametrize("bits,full", [(8, False), (8, True), (10, False), (10, True), (12, False), (16, True)])
def test_code_range_round_trip_every_code(bits, full):
    r = CodeRange(bits, full)
    codes = np.arange(r.peak + 1)
    lo, hi = (0, r.peak) if full else (16 << (bits - 8), 235 << (bits - 8))
    np.testing.assert_array_equal(r.unit_to_luma(r.luma_to_unit(codes)), codes)
    assert r.luma_to_unit(np.array(lo)) == pytest.approx(0.0) and r.luma_to_unit(np.array(hi)) == pytest.approx(1.0)
    np.testing.assert_array_equal(r.unit_to_chroma(r.chroma_to_unit(codes)), codes)
    assert r.chroma_to_unit(np.array(1 << (bits - 1))) == 0.0  # neutral chroma is gray


def test_code_range_limited_8bit_reference_points():
    r = CodeRange(8, False)
    np.testing.assert_array_equal(r.unit_to_luma(np.array([0.0, 1.0, -0.2, 1.2])), [16, 235, 0, 255])
    np.testing.assert_array_equal(r.unit_to_chroma(np.array([-0.5, 0.0, 0.5])), [16, 128, 240])


@settings(max_examples=50, deadline=None)
@given(rgb=unit_rgb, src=st.sampled_from(list(MATRICES)), dst=st.sampled_from(list(MATRICES)))
def test_convert_chroma_keeps_the_colour(rgb, src, dst):
    """Chroma re-expressed for another matrix, beside that matrix's own luma, is the same colour."""
    y_dst = rgb_to_ycbcr(rgb, dst)[..., 0]
    cbcr_src = rgb_to_ycbcr(rgb, src)[..., 1:]
    # The film's luma is y_dst; a prediction in `src` made for that luma is rebuilt against it.
    ycc_src = np.concatenate([y_dst[..., None], cbcr_src], -1)
    expected = rgb_to_ycbcr(ycbcr_to_rgb(ycc_src, src), dst)[..., 1:]
    np.testing.assert_allclose(convert_chroma(y_dst, cbcr_src, src, dst), expected, atol=1e-9)
    if src == dst:
        np.testing.assert_array_equal(convert_chroma(y_dst, cbcr_src, src, dst), cbcr_src)


@settings(max_examples=100, deadline=None)
@given(
    y=arrays(np.float64, 9, elements=st.floats(0.0, 1.0)),
    cbcr=arrays(np.float64, (9, 2), elements=st.floats(-0.5, 0.5)),
    matrix=st.sampled_from(list(MATRICES)),
)
def test_gamut_fit_keeps_luma_and_hue(y, cbcr, matrix):
    fitted = fit_chroma_to_gamut(y, cbcr, matrix)
    rgb = ycbcr_to_rgb(np.concatenate([y[:, None], fitted], -1), matrix)
    assert rgb.min() >= -1e-9 and rgb.max() <= 1 + 1e-9
    np.testing.assert_allclose(rgb_to_ycbcr(rgb, matrix)[:, 0], y, atol=1e-9)  # luma untouched
    # Only scaled toward gray, never turned: same direction, no longer than before.
    assert np.all(np.abs(fitted[:, 0] * cbcr[:, 1] - fitted[:, 1] * cbcr[:, 0]) <= 1e-9) and np.all(
        np.hypot(*fitted.T) <= np.hypot(*cbcr.T) + 1e-12
    )
    raw = ycbcr_to_rgb(np.concatenate([y[:, None], cbcr], -1), matrix)
    inside = (raw.min(-1) >= 0) & (raw.max(-1) <= 1)
    np.testing.assert_allclose(fitted[inside], cbcr[inside], atol=1e-12)  # colours already in gamut are left alone
