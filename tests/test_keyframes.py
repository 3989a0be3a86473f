"""`filmcolor keyframes` (`filmcolor.keyframes`): a picture per shot, named by its frame number."""

import json

import cv2
import numpy as np
import pytest

from clirun import assert_one_line_error, run_cli
from testfilms import make_film, picture


@pytest.fixture
def two_shots(tmp_path):
    """24 frames, 96x72: a moving square on a gradient, then (a cut) the same upside down and mirrored."""
    pictures = [picture(i, 96, 72) for i in range(12)] + [picture(i, 96, 72)[::-1, ::-1].copy() for i in range(12)]
    return make_film(tmp_path / "film.mp4", pictures=pictures, keyint=6)


def test_one_gray_picture_per_shot_and_their_list(tmp_path, two_shots, capsys):
    out = tmp_path / "keys"
    code, err = run_cli(["keyframes", two_shots, "-o", out], capsys)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["000000.png", "000012.png", "keyframes.json"]
    first = cv2.imread(str(out / "000012.png"))
    assert first.shape == (72, 96, 3) and np.array_equal(first[..., 0], first[..., 2])  # full size, gray
    listing = json.loads((out / "keyframes.json").read_text())
    assert [(k["frame"], k["shot"], k["shot_first"], k["shot_last"]) for k in listing["keyframes"]] == [(0, 0, 0, 11), (12, 1, 12, 23)]
    assert listing["keyframes"][1]["time"] == pytest.approx(12 * 1001 / 24000, abs=1e-3)


def test_every_adds_keyframes_within_a_shot_and_auto_colours_them(tmp_path, two_shots, tiny_weights, capsys):
    out = tmp_path / "keys"
    code, err = run_cli(["keyframes", two_shots, "-o", out, "--every", "0.25", "--auto", "--weights", tiny_weights], capsys)
    assert code == 0, err
    frames = [k["frame"] for k in json.loads((out / "keyframes.json").read_text())["keyframes"]]
    assert frames == [0, 6, 12, 18]  # 0.25 s is 6 frames at 24000/1001
    coloured = cv2.imread(str(out / "000006.png"))
    assert not np.array_equal(coloured[..., 0], coloured[..., 2])  # the automatic colour, not gray


def test_coloured_keyframes_are_never_written_over_without_asking(tmp_path, two_shots, capsys):
    out = tmp_path / "keys"
    run_cli(["keyframes", two_shots, "-o", out], capsys)
    (out / "000000.png").write_bytes(b"an afternoon's colouring")
    code, err = run_cli(["keyframes", two_shots, "-o", out], capsys)
    assert_one_line_error(code, err, "pass --overwrite to replace them")
    assert (out / "000000.png").read_bytes() == b"an afternoon's colouring"
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    code, err = run_cli(["keyframes", two_shots, "-o", other, "--overwrite"], capsys)
    assert_one_line_error(code, err, "is not empty")
    code, err = run_cli(["keyframes", two_shots, "-o", out, "--overwrite"], capsys)
    assert code == 0 and (out / "000000.png").read_bytes() != b"an afternoon's colouring"
