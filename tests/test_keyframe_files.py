"""Keyframe files (`filmcolor.guidance.keyframe_files`): names, checks, reading whole or strokes, and the
chroma at the output's size read again when the file changes."""

import os
import time
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from filmcolor.errors import InputError
from filmcolor.guidance.keyframe_files import (
    frame_number,
    keyframe_files,
    keyframe_from_picture,
    keyframe_name,
    read_keyframe,
    write_keyframe,
)


def _info(width: int = 96, height: int = 72) -> SimpleNamespace:
    """What reading a keyframe asks of the film: its shape."""
    return SimpleNamespace(width=width, height=height, sample_aspect_ratio=None, display_matrix=None)


def test_names_are_frame_numbers_with_or_without_ref():
    assert [frame_number(p) for p in ("000123.png", "ref_000123.png", "7.jpg", "first.png", "ref_.png")] == [
        123,
        123,
        7,
        None,
        None,
    ]
    assert keyframe_name(123) == "000123.png"


def test_a_folder_with_a_frame_twice_is_refused(tmp_path):
    for name in ("000004.png", "ref_000004.png"):
        cv2.imwrite(str(tmp_path / name), np.zeros((72, 96, 3), np.uint8))
    with pytest.raises(InputError, match="are the same frame"):
        keyframe_files(tmp_path, 48, _info())


def test_a_photograph_with_grays_is_coloured_whole_and_strokes_are_filled():
    rng = np.random.default_rng(0)
    photo = np.clip(rng.normal(128, 3, (72, 96, 3)), 0, 255).astype(np.uint8)  # nearly gray everywhere, like a street
    assert not keyframe_from_picture(photo, None, (96, 72), "bt601").filled
    strokes = np.full((72, 96, 3), 120, np.uint8)
    strokes[30:34, 40:44] = (230, 40, 60)
    k = keyframe_from_picture(strokes, None, (96, 72), "bt601")
    near, far = k.chroma[26:38, 36:48, 1].mean(), k.chroma[:12, :12, 1].mean()
    assert k.filled and not k.blank and near > 0.03 and near > 5 * far  # red spread around the stroke, fading


def test_the_keyframes_plane_is_read_again_when_the_file_changes(tmp_path):
    path = write_keyframe(tmp_path, 3, np.full((72, 96, 3), (200, 60, 60), np.uint8))
    assert path.name == "000003.png"
    before = read_keyframe(path, 3, _info(), (96, 72), "bt601").plane((48, 36), "bt601").copy()
    time.sleep(0.01)
    write_keyframe(tmp_path, 3, np.full((72, 96, 3), (60, 60, 200), np.uint8))
    # a later change time, whatever the file system's resolution
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    after = read_keyframe(path, 3, _info(), (96, 72), "bt601").plane((48, 36), "bt601")
    assert before[..., 1].mean() > 0.1 and after[..., 0].mean() > 0.1  # red, then blue


def test_a_stroke_keyframe_on_the_automatic_colour_is_the_fill_with_that_base():
    """`Keyframe.on(base)`: the strokes filled once on gray, then the base put where they do not
    reach, is the stroke fill made with that base; the strokes keep their colour, a keyframe
    coloured whole is itself, and its plane at the output's size is the based one, not gray's."""
    from filmcolor.colour import rgb_to_ycbcr
    from filmcolor.guidance.hints import coloured, stroke_fill

    rgb = np.full((72, 96, 3), 120, np.uint8)
    rgb[:, 48:] = 200  # an edge: the right half is far from the stroke
    rgb[30:34, 10:20] = (230, 40, 60)
    base = np.zeros((72, 96, 2), np.float32)
    base[..., 0] = 0.08  # a blue automatic colour
    k = keyframe_from_picture(rgb, None, (96, 72), "bt601")
    assert k.reach is not None and k.reach[:, 60:].mean() < 0.2
    based = k.on(base)
    ycc = rgb_to_ycbcr(rgb.astype(np.float32) / 255.0, "bt601")
    chroma = np.ascontiguousarray(ycc[..., 1:])
    expected = stroke_fill(ycc[..., 0], chroma, coloured(chroma, None), base)[0]
    assert based.based and np.abs(based.chroma - expected).max() < 1e-5
    assert np.abs(based.chroma[30:34, 10:20] - k.chroma[30:34, 10:20]).max() < 1e-6  # the strokes' own colour
    assert based.chroma[:, 60:, 0].mean() > 0.06 > 0.01 > abs(k.chroma[:, 60:, 0].mean())
    assert based.plane((48, 36), "bt601")[:, 30:, 0].mean() > 0.06  # what the render samples: the based colour
    whole = keyframe_from_picture(np.full((72, 96, 3), (200, 60, 60), np.uint8), None, (96, 72), "bt601")
    assert whole.reach is None and whole.on(base) is whole
