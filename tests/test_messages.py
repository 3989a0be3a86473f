"""The words of a failure: each says what is wrong and what to do, names the user's files (not
filmcolor's own lock or part files), and speaks of segments only where some are kept."""

import errno
from fractions import Fraction

import numpy as np
import pytest
from clirun import assert_one_line_error, run_cli
from testfilms import make_film

from filmcolor import render as render_module
from filmcolor.errors import InputError
from filmcolor.segments import Segment, WorkFolder, manifest


@pytest.fixture
def film(tmp_path):
    return make_film(tmp_path / "film.mp4", frames=58, rate=Fraction(24))  # 2.4 s


@pytest.mark.parametrize(
    "option, expected",
    [
        (["--preset", "nonsense"], "--preset nonsense: use one of ultrafast, superfast"),
        (["--crf", "99"], "--crf 99: use 0-51"),
        (["--start", "10"], "has no frame at or after 10.00 s: its last frame is at 2.38 s"),
    ],
)
def test_settings_the_film_or_encoder_cannot_take(tmp_path, tiny_weights, capsys, film, option, expected):
    code, err = run_cli(["render", film, "-o", tmp_path / "out.mp4", "--weights", tiny_weights, *option], capsys)
    assert_one_line_error(code, err.strip().splitlines()[-1], expected)
    assert "x264 [error]" not in err and "truncated" not in err and not (tmp_path / "out.mp4").exists()


def test_a_folder_that_cannot_be_written_is_named_not_the_lock(tmp_path, tiny_weights, capsys, film, monkeypatch):
    def refuse(path, what=""):
        raise PermissionError(errno.EACCES, "Permission denied", str(path.parent / f".{path.name}.filmcolor-lock"))

    monkeypatch.setattr(render_module, "locked", refuse)
    code, err = run_cli(["render", film, "-o", tmp_path / "out.mp4", "--weights", tiny_weights], capsys)
    assert_one_line_error(code, err, f"error: cannot write in {tmp_path}: Permission denied")
    assert "lock" not in err and "segments" not in err


def test_an_interrupted_one_pass_render_speaks_of_no_segments(tmp_path, tiny_weights, capsys, film, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(render_module, "_one_pass", interrupted)
    code, err = run_cli(
        ["render", film, "-o", tmp_path / "out.mp4", "--weights", tiny_weights, "--start", "0.5"], capsys
    )
    assert code == 130 and err.strip().splitlines()[-1] == "error: interrupted: the output was not written"


def test_a_changed_keyframe_is_said_so(tmp_path):
    out = tmp_path / "out.mp4"
    film = make_film(tmp_path / "film.mp4", frames=2, audio=())
    plan = [Segment(0, 0, None, 0, 2)]
    settings = {"crf": 18, "guide": {"keyframes": "abc"}}
    work = WorkFolder(out, manifest(film, settings, plan))
    work.save(plan[0], {"luma": np.zeros(1)}, [], 2)  # one segment finished
    edited = {"crf": 18, "guide": {"keyframes": "abd"}}
    with pytest.raises(
        InputError, match="whose keyframes have changed since .*; pass --restart to render again with them"
    ):
        WorkFolder(out, manifest(film, edited, plan))
    with pytest.raises(InputError, match=r"of other settings \(--crf differs\); run that command again to finish it"):
        WorkFolder(out, manifest(film, {**settings, "crf": 30}, plan))
