"""The command line: options made from the configs, and every error a user can cause: one line
on stderr, exit status 2, no traceback, no output."""

import subprocess
import sys
import wave

import numpy as np
import pytest
import torch
from clirun import assert_one_line_error, run_cli
from testfilms import make_film

from filmcolor.models import Generator, GeneratorConfig


@pytest.fixture
def film(tmp_path):
    return make_film(tmp_path / "film.mp4", frames=24)


def _wav(path):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes((np.sin(np.arange(8000) / 5) * 8000).astype("<i2").tobytes())
    return path


def _write(path, data):
    path.write_bytes(data)
    return path


BAD_INPUTS = {
    "missing": (lambda d, f: d / "nope.mp4", "does not exist"),
    "folder": (lambda d, f: d, "is a folder"),
    "empty": (lambda d, f: _write(d / "empty.mp4", b""), "is empty"),
    "text": (lambda d, f: _write(d / "notes.mp4", b"hello\n" * 50), "not a film FFmpeg can read"),
    "random-bytes": (
        lambda d, f: _write(d / "noise.mp4", np.random.default_rng(0).bytes(50_000)),
        "not a film FFmpeg can read",
    ),
    "no-video": (lambda d, f: _wav(d / "sound.wav"), "has no video stream"),
    "truncated": (
        lambda d, f: _write(d / "cut.mp4", f.read_bytes()[: f.stat().st_size // 2]),
        "not a film FFmpeg can read",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input(tmp_path, film, tiny_weights, capsys, case):
    make, expected = BAD_INPUTS[case]
    out = tmp_path / "out" / "color.mp4"
    out.parent.mkdir()
    code, err = run_cli(["render", make(tmp_path, film), "-o", out, "--weights", tiny_weights], capsys)
    assert_one_line_error(code, err, expected)
    assert list(out.parent.iterdir()) == []  # nothing at the output, no temporary file left


def test_film_that_breaks_part_way_names_the_frame(tmp_path, tiny_weights, capsys):
    whole = make_film(tmp_path / "film.mkv", frames=48)
    broken = tmp_path / "broken.mkv"
    broken.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])
    out = tmp_path / "color.mp4"
    code, err = run_cli(["render", broken, "-o", out, "--weights", tiny_weights], capsys)
    # The progress bar had started; the error is still one line, and the last.
    assert_one_line_error(code, err.strip().splitlines()[-1], "breaks at frame")
    assert err.count("error:") == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.mkv", "film.mkv"]


def test_output_folder_missing(tmp_path, film, tiny_weights, capsys):
    code, err = run_cli(["render", film, "-o", tmp_path / "no" / "such" / "out.mp4", "--weights", tiny_weights], capsys)
    assert_one_line_error(code, err, "does not exist")
    assert not (tmp_path / "no").exists()


def test_output_exists_needs_overwrite(tmp_path, film, tiny_weights, capsys):
    out = tmp_path / "color.mp4"
    out.write_bytes(b"the user's own file")
    code, err = run_cli(["render", film, "-o", out, "--weights", tiny_weights], capsys)
    assert_one_line_error(code, err, "--overwrite")
    assert out.read_bytes() == b"the user's own file"
    code, err = run_cli(["render", film, "-o", out, "--weights", tiny_weights, "--overwrite"], capsys)
    assert code == 0 and "rendered 24 frames" in err
    assert out.stat().st_size > 1000


def test_output_is_the_input(tmp_path, film, tiny_weights, capsys):
    before = film.read_bytes()
    code, err = run_cli(["render", film, "-o", film, "--weights", tiny_weights, "--overwrite"], capsys)
    assert_one_line_error(code, err, "also an input")
    assert film.read_bytes() == before


@pytest.mark.parametrize(
    "args,expected",
    [
        (["--codec", "nosuchcodec"], "no video encoder"),
        (["--pix-fmt", "rgb24"], "not a planar"),
        (["--device", "tpu"], "use auto, cpu or cuda"),
        (["--model-size", "4"], "--model-size"),
        (["--duration", "0"], "--duration"),
        (["--bogus"], "No such option"),
        (["--crf", "abc"], "not a valid integer"),
        (["--segment-seconds", "-1"], "--segment-seconds must be a number of seconds more than 0"),
        (["--segment-seconds", "nan"], "--segment-seconds must be a number of seconds more than 0"),
        (["--segment-seconds", "inf"], "--segment-seconds must be a number of seconds more than 0"),
        (["--scene-threshold", "-1"], "--scene-threshold must be between 0 and 1"),
        (["--scene-threshold", "1.5"], "--scene-threshold must be between 0 and 1"),
        (["--scene-threshold", "nan"], "--scene-threshold must be between 0 and 1"),
        (["--ray", "local", "--duration", "1"], "--ray renders whole films in segments"),
    ],
)
def test_bad_options(tmp_path, film, tiny_weights, capsys, args, expected):
    out = tmp_path / "color.mp4"
    code, err = run_cli(["render", film, "-o", out, "--weights", tiny_weights, *args], capsys)
    assert_one_line_error(code, err, expected)
    assert not out.exists() and len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize("command, option", [("keyframes", "--scene-threshold"), ("eval", "--cut-threshold")])
def test_the_cut_tests_threshold_is_a_share(tmp_path, film, capsys, command, option):
    out = tmp_path / "out"
    args = [command, film, "-o", out] if command == "keyframes" else [command, film, film]
    code, err = run_cli([*args, option, "0"], capsys)
    assert_one_line_error(code, err, f"{option} must be between 0 and 1")
    assert not out.exists()


def test_ray_without_ray_installed(tmp_path, film, tiny_weights, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails, as without the extra
    out = tmp_path / "color.mp4"
    code, err = run_cli(["render", film, "-o", out, "--weights", tiny_weights, "--ray", "local"], capsys)
    # brackets shown, not read as markup
    assert_one_line_error(code, err, "--ray needs Ray: pip install 'filmcolor[ray]'")
    assert not out.exists() and len(list(tmp_path.iterdir())) == 1


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message shown where there is no GPU")
def test_cuda_without_gpu(tmp_path, film, tiny_weights, capsys):
    code, err = run_cli(
        ["render", film, "-o", tmp_path / "c.mp4", "--weights", tiny_weights, "--device", "cuda"], capsys
    )
    assert_one_line_error(code, err, "no CUDA GPU")


def test_weights_that_do_not_fit(tmp_path, film, capsys):
    other = tmp_path / "other.pt"
    torch.save(
        {
            "format": "filmcolor-generator",
            "version": 1,
            "config": {"base": 8, "blocks": 1},
            "state_dict": Generator(GeneratorConfig(base=16)).state_dict(),
        },
        other,
    )
    foreign = tmp_path / "foreign.pt"
    torch.save({"model": torch.zeros(3)}, foreign)
    junk = tmp_path / "junk.pt"
    junk.write_text("not weights")
    for weights, expected in [
        (other, "does not fit"),
        (foreign, "not a filmcolor weights file"),
        (junk, "not a filmcolor weights file"),
        (tmp_path / "none.pt", "does not exist"),
    ]:
        code, err = run_cli(["render", film, "-o", tmp_path / "c.mp4", "--weights", weights], capsys)
        assert_one_line_error(code, err, expected)
        assert not (tmp_path / "c.mp4").exists()


@pytest.mark.slow
def test_a_real_process_prints_no_traceback(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "filmcolor", "render", tmp_path / "nope.mp4", "-o", tmp_path / "x.mp4"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2 and res.stderr.strip().count("\n") == 0 and "Traceback" not in res.stderr


HEAVY = ("torch", "cv2", "scipy", "onnxruntime", "starlette", "numpy", "av")  # a second and more to load


@pytest.mark.parametrize(
    "command",
    [
        ["render", "FILM", "-o", "x.mp4"],
        ["keyframes", "FILM", "-o", "keys"],
        ["studio", "FILM"],
        ["colorize", "FILM", "-o", "out"],
        ["train", "--domain-a", "FILM", "-o", "run"],
    ],
)
def test_help_and_a_missing_film_load_nothing_heavy(tmp_path, command):
    """`filmcolor --help`, the command's --help and a missing film (or picture, or training
    folder) are answered before torch, OpenCV, SciPy, ONNX Runtime, the studio's server, NumPy
    or FFmpeg load (docs/benchmarks.md: start-up)."""
    missing = str(tmp_path / "nope.mp4")
    args = [
        missing if a == "FILM" else str(tmp_path / a) if a != command[0] and not a.startswith("-") else a
        for a in command
    ]
    script = f"""
import contextlib, io, sys
from filmcolor.cli import main
for args in (["--help"], [{command[0]!r}, "--help"], {args!r}):
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            main(args)
        except SystemExit as exc:
            print(exc.code, file=sys.stderr)
print(sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r})))
"""
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert res.stdout.strip() == "[]", res.stdout
    said, code = res.stderr.splitlines()[-2:]
    assert said.startswith("error: ") and said.endswith(f"{missing} does not exist") and code == "2", res.stderr


def test_stills_errors(tmp_path, tiny_weights, capsys):
    text = tmp_path / "a.png"
    text.write_text("not a picture")
    out = tmp_path / "out"
    out.mkdir()
    cases = [
        ([tmp_path / "missing.png", "-o", out], "does not exist"),
        ([text, "-o", out], "not a picture"),
        ([text, "-o", tmp_path / "no" / "where"], f"output folder {tmp_path / 'no'} does not exist"),
    ]
    for args, expected in cases:
        code, err = run_cli(["colorize", *args, "--weights", tiny_weights], capsys)
        assert_one_line_error(code, err, expected)
    assert list(out.iterdir()) == []


def test_options_are_made_from_the_configs_fields():
    """Each field gives an option with its default, type, choices and help; `build` reads them back."""
    from dataclasses import dataclass
    from pathlib import Path

    import click

    from filmcolor.cli import build, config_options
    from filmcolor.settings import setting

    @dataclass(frozen=True)
    class Toy:
        size: int = setting(3, "A size.")
        mode: str = setting("a", "A mode.", choices=("a", "b"))
        path: Path | None = setting(None, "A file.")
        fast: bool = setting(False, "Go fast.")
        hidden: float = setting(1.5, "Not on the command line.")

    seen = {}

    @click.command()
    @config_options(Toy, exclude=("hidden",))
    def toy(**options):
        seen["config"] = build(Toy, options)

    assert {p.name for p in toy.params} == {"size", "mode", "path", "fast"}
    toy.main(["--size", "7", "--mode", "b", "--path", "x.pt", "--fast"], standalone_mode=False)
    assert seen["config"] == Toy(size=7, mode="b", path=Path("x.pt"), fast=True)
    toy.main([], standalone_mode=False)
    assert seen["config"] == Toy()
    with pytest.raises(click.BadParameter):
        toy.main(["--mode", "c"], standalone_mode=False)


def test_os_errors_are_one_line_naming_the_path(tmp_path, film, tiny_weights, capsys):
    code, err = run_cli(["render", film, "-o", "/proc/out.mp4", "--weights", tiny_weights], capsys)
    assert_one_line_error(code, err, "cannot write in /proc: ")  # the folder, not filmcolor's lock file in it
    (tmp_path / "small.mp4").write_bytes(b"a film")
    code, err = run_cli(["render", film, "-o", tmp_path / "small.mp4" / "out.mp4", "--weights", tiny_weights], capsys)
    assert_one_line_error(code, err, "small.mp4 is a file, not a folder")


def test_a_full_disk_is_one_line_and_keeps_the_finished_segments(tmp_path, tiny_weights, capsys, monkeypatch):
    import errno

    from filmcolor.segments import WorkFolder, work_folder

    film = make_film(tmp_path / "film.mp4", frames=24, keyint=6)
    out = tmp_path / "out.mp4"
    save = WorkFolder.save

    def save_then_fill_the_disk(self, segment, *args, **kwargs):
        save(self, segment, *args, **kwargs)
        if segment.index == 1:
            raise OSError(errno.ENOSPC, "No space left on device", str(self.part(segment)))

    monkeypatch.setattr(WorkFolder, "save", save_then_fill_the_disk)
    code, err = run_cli(["render", film, "-o", out, "--weights", tiny_weights, "--segment-seconds", "0.25"], capsys)
    assert_one_line_error(
        code,
        err.strip().splitlines()[-1],
        f"cannot write in {tmp_path}: No space left on device; its finished segments are kept: run the same command again once it is fixed",
    )
    assert len(list(work_folder(out).glob("segment-*.npz"))) == 2 and not out.exists()


@pytest.mark.parametrize(
    "config, expected",
    [
        ({"base": -1}, "base must be a whole number"),
        ({"base": "x"}, "base must be a whole number"),
        ({"matrix": "nonsense"}, "matrix must be one of"),
    ],
)
def test_weights_whose_settings_cannot_be_built(tmp_path, film, capsys, config, expected):
    weights = tmp_path / "w.pt"
    torch.save({"format": "filmcolor-generator", "version": 2, "config": config, "state_dict": {}}, weights)
    code, err = run_cli(["render", film, "-o", tmp_path / "c.mp4", "--weights", weights], capsys)
    assert_one_line_error(code, err, expected)


def test_weights_that_are_text_or_not_numbers(tmp_path, film, capsys):
    from filmcolor.models import save_weights

    text = tmp_path / "notes.pt"
    text.write_text("these are not weights\n" * 20)
    code, err = run_cli(["render", film, "-o", tmp_path / "c.mp4", "--weights", text], capsys)
    assert_one_line_error(code, err, "is not a filmcolor weights file")
    assert "Error)" not in err  # no Python exception name for a user to decode
    model = Generator(GeneratorConfig(base=8, blocks=1))
    with torch.no_grad():
        next(model.parameters()).fill_(float("nan"))
    save_weights(model, tmp_path / "nan.pt")
    code, err = run_cli(["render", film, "-o", tmp_path / "c.mp4", "--weights", tmp_path / "nan.pt"], capsys)
    assert_one_line_error(code, err, "not finite numbers")
    assert not (tmp_path / "c.mp4").exists()
