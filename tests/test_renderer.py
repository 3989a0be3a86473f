"""The render's stage graph (`filmcolor.renderer`): chunking, and chroma planes at the film's
size that never leave the gamut of the film's own luma."""

from fractions import Fraction

import numpy as np
from hypothesis import given, settings, strategies as st

from filmcolor import media
from filmcolor.colour import MATRICES, CodeRange, ycbcr_to_rgb
from filmcolor.renderer import chroma_planes, chunks


def _frame(i):
    return media.LumaFrame(luma=np.zeros((2, 2), np.uint8), pts=i, index=i)


def test_chunks_keep_every_item_in_order():
    items = ["a0", _frame(0), "a1", _frame(1), _frame(2), "a2", _frame(3), _frame(4), "a3", "a4"]
    got = list(chunks(items, batch_size=2))
    assert [len(c.frames) for c in got] == [2, 2, 1]
    assert [x for c in got for x in c.items] == items  # nothing dropped, nothing reordered
    assert got[-1].items[-2:] == ["a3", "a4"]  # packets after the last frame still come out
    assert [len(c.frames) for c in chunks(["a0", "a1"], batch_size=2)] == [0]  # a film of packets only


LIMITED_8 = CodeRange(8, False)


def _info(width, height, code_range=LIMITED_8, matrix="bt601"):
    return media.FilmInfo(width, height, "yuv420p", code_range, matrix, Fraction(1, 24), Fraction(24), 1, 0.0, {}, None)


def test_chroma_planes_are_codes_at_the_films_chroma_size():
    chroma = np.zeros((2, 18, 32), np.float32)
    chroma[0, :, 16:] = 0.25  # blue-ish on the right half
    luma = np.full((36, 64), 126, np.uint8)  # mid-gray: room for any hue
    planes = chroma_planes(
        chroma, np.full((18, 32), 0.5, np.float32), luma, _info(64, 36), "bt601", (32, 18), CodeRange(8, False)
    )
    assert planes.shape == (2, 18, 32) and planes.dtype == np.uint8
    assert planes[0, :, :14].max() == 128 and planes[0, :, 18:].min() == 128 + 56  # 0.25 of 224 codes
    assert np.all(planes[1] == 128)


def _rgb_of_every_pixel(planes, luma, info, out):
    """(H, W, 3) R'G'B' of the film's luma beside the chroma planes (each sample shared by its block)."""
    h, w = luma.shape
    ch, cw = planes.shape[1:]
    # (H, W, 2)
    cbcr = np.repeat(np.repeat(out.chroma_to_unit(planes), h // ch, axis=1), w // cw, axis=2).transpose(1, 2, 0)
    return ycbcr_to_rgb(np.concatenate([info.code_range.luma_to_unit(luma)[..., None], cbcr], -1), info.matrix)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    src=st.sampled_from(list(MATRICES)),
    dst=st.sampled_from(list(MATRICES)),
    code_range=st.sampled_from([CodeRange(8, False), CodeRange(8, True), CodeRange(10, False)]),
    subsampled=st.booleans(),
    saturation=st.sampled_from([0.5, 1.0, 4.0]),
)
def test_chroma_never_leaves_the_gamut_of_the_films_own_luma(seed, src, dst, code_range, subsampled, saturation):
    """Whatever the model asks for, every pixel's colour is an R'G'B' colour with no channel
    clipped (to the codes' rounding), in the film's matrix and range; white and black stay gray."""
    rng = np.random.default_rng(seed)
    black, white = code_range.luma_black_white
    luma = rng.integers(black, white + 1, (36, 64)).astype(np.uint8 if code_range.bits == 8 else np.uint16)
    luma[:, :8], luma[:, -8:] = white, black  # a white and a black edge
    # sharp detail the working size cannot see
    luma = np.where(rng.random((36, 64)) < 0.3, np.roll(luma, 3, axis=1), luma)
    work = rng.random((9, 16)).astype(np.float32)
    chroma = rng.uniform(-0.5, 0.5, (2, 9, 16)).astype(np.float32)
    out = CodeRange(code_range.bits, code_range.full)
    size = (32, 18) if subsampled else (64, 36)
    info = _info(64, 36, code_range, dst)
    planes = chroma_planes(chroma, work, luma, info, src, size, out, saturation)
    rgb = _rgb_of_every_pixel(planes, luma, info, out)
    tol = 2.0 / (out.peak if out.full else 219 << (out.bits - 8))  # two codes: rounding the chroma, then scaling it up
    assert rgb.min() >= -tol and rgb.max() <= 1 + tol
    assert np.abs(out.chroma_to_unit(planes[:, :, : size[0] // 16])).max() <= tol  # beside white
    assert np.abs(out.chroma_to_unit(planes[:, :, -size[0] // 16 :])).max() <= tol  # beside black
