"""The words of a failure: each says what is wrong and what to do, names the user's files (not
filmcolor's own lock or part files), and speaks of segments only where some are kept."""

import errno
from fractions import Fraction

import cv2
import numpy as np
import pytest
from clirun import assert_one_line_error, run_cli
from testfilms import make_film

from filmcolor import render as render_module
from filmcolor.errors import InputError
from filmcolor.segments import STATE, Segment, WorkFolder, manifest


@pytest.fixture
def film(tmp_path):
    return make_film(tmp_path / "film.mp4", frames=58, rate=Fraction(24))  # 2.4 s


@pytest.mark.parametrize(
    "option, expected",
    [
        (["--preset", "nonsense"], "--preset nonsense: use one of ultrafast, superfast"),
        (["--crf", "99"], "--crf must be from 0 to 51 (got 99); x264's scale"),
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


def test_a_work_folder_saved_by_another_version_is_said_so(tmp_path):
    out = tmp_path / "out.mp4"
    film = make_film(tmp_path / "film.mp4", frames=2, audio=())
    plan = [Segment(0, 0, None, 0, 2)]
    old = {**manifest(film, {"crf": 18}, plan), "state": STATE - 1}
    WorkFolder(out, old).save(plan[0], {"luma": np.zeros(1)}, [], 2)  # one segment finished, in the old form
    with pytest.raises(
        InputError, match=r"saved by another version of filmcolor, .*; pass --restart to render it again"
    ):
        WorkFolder(out, manifest(film, {"crf": 18}, plan))
    WorkFolder(out, manifest(film, {"crf": 18}, plan), restart=True)  # --restart starts it afresh


def _numeric_options():
    """(command, option, is a float) of every numeric option of every command."""
    import click

    from filmcolor.cli import cli

    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        for param in cli.get_command(ctx, name).params:
            if isinstance(param, click.Option) and isinstance(
                param.type, (click.types.IntParamType, click.types.FloatParamType)
            ):
                yield name, param.opts[0], isinstance(param.type, click.types.FloatParamType)


_ARGS = {"train": ["-o", "run"], "eval": ["a.mp4", "b.mp4"], "studio": ["film.mp4"], "colorize": ["a.png", "-o", "out"]}


def test_every_numeric_option_refuses_what_is_out_of_its_range(tmp_path, capsys, monkeypatch):
    """Every number any command takes has a range: below it (all start at 0 or more), nan and
    inf are one line and exit 2, before any work (nothing is made)."""
    monkeypatch.chdir(tmp_path)
    options = list(_numeric_options())
    assert len(options) > 40
    for command, option, is_float in options:
        for value in ["-1", "nan", "inf"] if is_float else ["-1"]:
            code, err = run_cli([command, *_ARGS.get(command, ["film.mp4", "-o", "out.mp4"]), option, value], capsys)
            assert_one_line_error(code, err, f"{option} must be ")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "option, value, expected",
    [
        ("--crf", "52", "--crf must be from 0 to 51 (got 52)"),
        ("--saturation", "4.5", "--saturation must be from 0 to 4 (got 4.5)"),
        ("--scene-threshold", "1", "--scene-threshold must be between 0 and 1 (got 1.0); a share of the frame"),
        (
            "--segment-seconds",
            "-1",
            "--segment-seconds must be a number of seconds more than 0, or 0 for one pass (got -1.0)",
        ),
    ],
)
def test_a_number_above_its_range_is_refused_in_words(tmp_path, capsys, option, value, expected):
    code, err = run_cli(["render", "film.mp4", "-o", tmp_path / "out.mp4", option, value], capsys)
    assert_one_line_error(code, err, expected)


def test_colorize_names_an_output_that_is_a_file_as_one(tmp_path, tiny_weights, capsys):
    picture = tmp_path / "a.png"
    cv2.imwrite(str(picture), np.full((24, 32, 3), 120, np.uint8))
    out = tmp_path / "out"
    out.write_text("a file")
    code, err = run_cli(["colorize", picture, "-o", out, "--weights", tiny_weights], capsys)
    assert_one_line_error(code, err, f"{out} is a file, not a folder; give a folder for the coloured pictures")


def test_colorize_makes_its_output_folder_as_extract_and_keyframes_do(tmp_path, tiny_weights, capsys):
    picture = tmp_path / "a.png"
    cv2.imwrite(str(picture), np.full((24, 32, 3), 120, np.uint8))
    out = tmp_path / "out"
    code, err = run_cli(["colorize", picture, "-o", out, "--weights", tiny_weights], capsys)
    assert code == 0, err
    assert [p.name for p in out.iterdir()] == ["a.png"]
    code, err = run_cli(["colorize", picture, "-o", tmp_path / "other", "--weights", tmp_path / "none.pt"], capsys)
    assert code == 2 and not (tmp_path / "other").exists()  # a run that fails leaves no folder


def _broken_png(path):
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not a picture at all" * 4)  # a PNG's signature, then nothing
    return path


def test_a_picture_opencv_cannot_read_is_our_one_line_not_opencvs(tmp_path, tiny_weights, capfd):
    from filmcolor.cli import main

    with pytest.raises(SystemExit) as exc:
        main(
            [
                "colorize",
                str(_broken_png(tmp_path / "a.png")),
                "-o",
                str(tmp_path / "out"),
                "--weights",
                str(tiny_weights),
            ]
        )
    err = capfd.readouterr().err
    assert exc.value.code == 2 and err.strip().splitlines() == [
        f"error: {tmp_path / 'a.png'} is not a picture OpenCV can read"
    ], err


def test_a_keyframe_or_hints_picture_that_cannot_be_read_is_named_once(tmp_path, capsys):
    from types import SimpleNamespace

    from filmcolor.guidance.keyframe_files import read_keyframe

    broken = _broken_png(tmp_path / "000003.png")
    info = SimpleNamespace(width=96, height=72, sample_aspect_ratio=None)
    with pytest.raises(InputError) as exc:
        read_keyframe(broken, 3, info, (96, 72), "bt601")
    assert str(exc.value).count(str(broken)) == 1, exc.value
    picture = tmp_path / "a.png"
    cv2.imwrite(str(picture), np.full((24, 32, 3), 120, np.uint8))
    code, err = run_cli(["colorize", picture, "-o", tmp_path / "out", "--hints", broken], capsys)
    assert_one_line_error(code, err, f"--hints {broken} is not a picture OpenCV can read")
    assert err.count(str(broken)) == 1
