"""Writing outputs safely (`filmcolor.outputs`): one writer an output (its lock naming the
holder), nothing partial left, a killed run's leftovers reused, SIGTERM taken like Ctrl-C; a
folder output swapped in whole, replacing only what its command wrote."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from configs import render_config
from testfilms import make_film, video_frames

from filmcolor.errors import OutputError
from filmcolor.outputs import FolderKind, folder_output, locked, part_path
from filmcolor.render import render
from filmcolor.segments import work_folder


def test_a_second_render_to_the_same_output_is_refused(tmp_path, tiny_weights):
    src = make_film(tmp_path / "in.mp4", frames=12, keyint=6)
    out = tmp_path / "out.mp4"
    for segment_seconds in (None, 0.25):
        with locked(out, "render"):  # the first render, still running
            with pytest.raises(
                OutputError, match=r"out.mp4 is being written by another run \(filmcolor render, process \d+\)"
            ):
                render(src, out, render_config(weights=tiny_weights, segment_seconds=segment_seconds))
            assert not work_folder(out).exists() and not out.exists()
    render(src, out, render_config(weights=tiny_weights))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4", "out.mp4"]  # no lock file left


def test_a_killed_runs_partial_output_is_reused(tmp_path, tiny_weights):
    src = make_film(tmp_path / "in.mp4", frames=6)
    out = tmp_path / "out.mp4"
    part_path(out).write_bytes(b"half a film, from a run killed with kill -9")
    render(src, out, render_config(weights=tiny_weights, segment_seconds=None))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4", "out.mp4"]


def _signalled(sig: str, after: int, *args) -> subprocess.CompletedProcess:
    script = Path(__file__).with_name("signal_self.py")
    return subprocess.run(
        [sys.executable, str(script), sig, str(after), *map(str, args)], capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_sigterm_is_taken_like_ctrl_c(tmp_path, tiny_weights):
    src = make_film(tmp_path / "in.mp4", frames=48, keyint=6)
    out = tmp_path / "out.mp4"
    run = _signalled(
        "TERM", 2, "render", src, "-o", out, "--weights", tiny_weights, "--segment-seconds", "0.25", "--batch-size", "2"
    )
    assert run.returncode == 128 + signal.SIGTERM, run.stderr
    lines = run.stderr.strip().splitlines()
    assert lines[-1].startswith("error: interrupted: the output was not written") and "Traceback" not in run.stderr
    # finished segments kept, nothing else
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.mp4.filmcolor-work", "in.mp4"]
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "filmcolor",
            "render",
            str(src),
            "-o",
            str(out),
            "--weights",
            str(tiny_weights),
            "--segment-seconds",
            "0.25",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0 and "going on after" in again.stderr and len(video_frames(out)) == 48


@pytest.mark.slow
def test_an_interrupted_training_run_says_to_resume_and_leaves_no_part(tmp_path):
    frames = tmp_path / "frames"
    frames.mkdir()
    import cv2
    import numpy as np

    for i in range(3):
        cv2.imwrite(str(frames / f"f{i}.png"), np.random.default_rng(i).integers(0, 255, (40, 40), dtype=np.uint8))
    run = tmp_path / "run"
    args = [
        "train",
        "--domain-a",
        frames,
        "-o",
        run,
        "--steps",
        "10",
        "--size",
        "32",
        "--load-size",
        "32",
        "--batch-size",
        "1",
        "--save-every",
        "2",
        "--init",
        "random",
    ]
    done = _signalled("TERM", 1, *args)
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert (
        done.stderr.strip().splitlines()[-1]
        == "error: interrupted: the run keeps its last checkpoint: run the same command with --resume to go on"
    )
    (run / ".checkpoint.pt.part.pt").write_bytes(b"a checkpoint cut short by kill -9")
    resumed = subprocess.run(
        [sys.executable, "-m", "filmcolor", *map(str, args), "--resume"], capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    assert not list(run.glob(".*")) and not list(tmp_path.glob(".*lock"))


# --- a folder written whole (`folder_output`), as extract and keyframes write theirs ------------

KIND = FolderKind("things", "things.json", "test-things", lambda listing: listing["files"])


def _write_things(folder: Path, names: list[str], text: str) -> None:
    for name in names:
        (folder / name).write_text(text)
    (folder / "things.json").write_text(json.dumps({"format": "test-things", "files": names}))


def _contents(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_folder_output_replaces_its_own_files_only_with_overwrite(tmp_path):
    out = tmp_path / "things"
    with folder_output(out, KIND, overwrite=False) as tmp:
        _write_things(tmp, ["a", "b"], "first")
    with pytest.raises(OutputError, match="holds what filmcolor things wrote before; pass --overwrite"):
        with folder_output(out, KIND, overwrite=False):
            pass
    with folder_output(out, KIND, overwrite=True) as tmp:
        _write_things(tmp, ["c"], "second")
    assert _contents(out) == {"c": "second", "things.json": _contents(out)["things.json"]}  # a and b were its own: gone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["things"]


def test_a_folder_output_is_whole_after_a_failure_or_interruption(tmp_path, monkeypatch):
    out = tmp_path / "things"
    with folder_output(out, KIND, overwrite=False) as tmp:
        _write_things(tmp, ["a"], "first")
    before = _contents(out)
    for exc in (KeyboardInterrupt, RuntimeError):
        with pytest.raises(exc):
            with folder_output(out, KIND, overwrite=True) as tmp:
                _write_things(tmp, ["b"], "second")
                raise exc
        assert _contents(out) == before and sorted(p.name for p in tmp_path.iterdir()) == ["things"]
    import filmcolor.outputs as outputs

    real = os.replace

    def fail_onto_target(src, dst):  # the new folder cannot be moved in, after the old was set aside
        if Path(src).name == ".things.part":
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(outputs.os, "replace", fail_onto_target)
    with pytest.raises(OutputError, match="could not move the new files into"):
        with folder_output(out, KIND, overwrite=True) as tmp:
            _write_things(tmp, ["b"], "second")
    assert _contents(out) == before and sorted(p.name for p in tmp_path.iterdir()) == ["things"]


def test_a_swap_cut_short_by_kill_9_is_put_right_by_the_next_run(tmp_path):
    out = tmp_path / "things"
    with folder_output(out, KIND, overwrite=False) as tmp:
        _write_things(tmp, ["a"], "first")
    before = _contents(out)
    os.replace(out, tmp_path / ".things.old")  # killed between setting the old folder aside and moving the new in
    (tmp_path / ".things.part").mkdir()
    with pytest.raises(OutputError, match="holds what filmcolor things wrote before"):
        with folder_output(out, KIND, overwrite=False):
            pass
    assert _contents(out) == before and sorted(p.name for p in tmp_path.iterdir()) == ["things"]


def test_files_added_while_a_folder_output_is_written_are_kept(tmp_path):
    out = tmp_path / "things"
    with folder_output(out, KIND, overwrite=False) as tmp:
        _write_things(tmp, ["a"], "first")
    with pytest.raises(OutputError, match="files were added to .* while filmcolor things ran; it was left as it was"):
        with folder_output(out, KIND, overwrite=True) as tmp:
            _write_things(tmp, ["b"], "second")
            (out / "notes.txt").write_text("written meanwhile")
    assert _contents(out)["notes.txt"] == "written meanwhile" and _contents(out)["a"] == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["things"]


def test_a_lock_names_the_command_that_holds_it(tmp_path):
    film = make_film(tmp_path / "film.mp4", frames=6)
    from filmcolor.extract import ExtractConfig, extract

    with locked(tmp_path / "keys", "studio"):  # a studio writing the folder extract is asked to fill
        with pytest.raises(
            OutputError, match=r"keys is being written by another run \(filmcolor studio, process \d+\); wait for it"
        ):
            extract(film, tmp_path / "keys", ExtractConfig())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.mp4"]


def test_an_old_folder_left_beside_a_finished_swap_is_removed_only_when_it_is_the_commands(tmp_path):
    out = tmp_path / "things"
    with folder_output(out, KIND, overwrite=False) as tmp:
        _write_things(tmp, ["a"], "new")
    old = tmp_path / ".things.old"  # killed after the new folder was in, before the old one went
    old.mkdir()
    _write_things(old, ["a"], "old")
    with folder_output(out, KIND, overwrite=True) as tmp:
        _write_things(tmp, ["b"], "newer")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["things"]
    old.mkdir()
    (old / "notes.txt").write_text("not the command's")
    with pytest.raises(
        OutputError, match=r"\.things\.old, set aside by an interrupted filmcolor things, holds files it did not write"
    ):
        with folder_output(out, KIND, overwrite=True) as tmp:
            _write_things(tmp, ["c"], "newest")
    assert (old / "notes.txt").read_text() == "not the command's" and _contents(out)["b"] == "newer"


def test_an_output_name_near_the_limit_renders_its_hidden_files_shortened(tmp_path, tiny_weights, capsys):
    from clirun import run_cli

    src = make_film(tmp_path / "in.mp4", frames=12, keyint=6)
    out = tmp_path / ("n" * 245 + ".mp4")  # 249 bytes: legal, but `.NAME.filmcolor-lock` is not
    for segment_seconds in ("0", "0.25"):
        code, err = run_cli(
            ["render", src, "-o", out, "--weights", tiny_weights, "--segment-seconds", segment_seconds, "--overwrite"],
            capsys,
        )
        assert code == 0 and "Traceback" not in err, err
        assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4", out.name]
    assert len(part_path(out).name.encode()) <= 255 and part_path(out).name.endswith(".part.mp4")
    assert len(work_folder(out).name.encode()) <= 255 and part_path(out) != part_path(out.with_name("m" * 245 + ".mp4"))


@pytest.mark.slow
def test_a_second_ctrl_c_exits_cleanly_keeping_the_work_folder(tmp_path, tiny_weights):
    src = make_film(tmp_path / "in.mp4", frames=48, keyint=6)
    out = tmp_path / "out.mp4"
    run = _signalled(
        "INT*2",
        2,
        "render",
        src,
        "-o",
        out,
        "--weights",
        tiny_weights,
        "--segment-seconds",
        "0.25",
        "--batch-size",
        "2",
    )
    assert run.returncode == 130, run.stderr  # not SIGABRT's -6
    lines = [line for line in run.stderr.strip().splitlines() if line and not line.startswith("render ")]  # the bar
    assert lines == [
        "error: interrupted: the output was not written; its finished segments are kept: run the same command again to go on"
    ], run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.mp4.filmcolor-work", "in.mp4"]
