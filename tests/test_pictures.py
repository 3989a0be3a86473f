"""Reading picture files (`filmcolor.pictures`): whatever their depth and channels, 8-bit R'G'B'."""

import cv2
import numpy as np
import pytest

from filmcolor.errors import InputError
from filmcolor.pictures import list_pictures, read_rgb


def test_pictures_of_every_kind_read_as_8_bit_rgb(tmp_path):
    bgr = np.zeros((6, 8, 3), np.uint8)
    bgr[..., 2] = 200  # red
    cv2.imwrite(str(tmp_path / "colour.png"), bgr)
    cv2.imwrite(str(tmp_path / "gray.png"), np.full((6, 8), 77, np.uint8))
    cv2.imwrite(str(tmp_path / "deep.png"), np.full((6, 8), 257 * 90, np.uint16))
    cv2.imwrite(str(tmp_path / "alpha.png"), np.dstack([bgr, np.zeros((6, 8), np.uint8)]))
    (tmp_path / "notes.txt").write_text("not a picture")
    assert [p.name for p in list_pictures(tmp_path)] == ["alpha.png", "colour.png", "deep.png", "gray.png"]
    assert read_rgb(tmp_path / "colour.png")[0, 0].tolist() == [200, 0, 0]
    assert read_rgb(tmp_path / "gray.png")[0, 0].tolist() == [77, 77, 77]
    assert read_rgb(tmp_path / "deep.png")[0, 0].tolist() == [90, 90, 90]
    assert read_rgb(tmp_path / "alpha.png").shape == (6, 8, 3)
    bad = tmp_path / "bad.png"
    bad.write_text("not a picture")
    with pytest.raises(InputError, match="not a picture"):
        read_rgb(bad)
