"""Writing outputs safely (`filmcolor.outputs`): one writer an output, nothing partial left, a
killed run's leftovers reused, SIGTERM taken like Ctrl-C."""

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from configs import render_config
from testfilms import make_film, video_frames
from filmcolor.errors import OutputError
from filmcolor.outputs import locked, part_path
from filmcolor.render import render
from filmcolor.segments import work_folder


def test_a_second_render_to_the_same_output_is_refused(tmp_path, tiny_weights):
    src = make_film(tmp_path / "in.mp4", frames=12, keyint=6)
    out = tmp_path / "out.mp4"
    for segment_seconds in (None, 0.25):
        with locked(out, "render"):  # the first render, still running
            with pytest.raises(OutputError, match=r"out.mp4 is being written by another render run \(process \d+\)"):
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
    return subprocess.run([sys.executable, str(script), sig, str(after), *map(str, args)], capture_output=True, text=True, timeout=300)


def test_sigterm_is_taken_like_ctrl_c(tmp_path, tiny_weights):
    src = make_film(tmp_path / "in.mp4", frames=48, keyint=6)
    out = tmp_path / "out.mp4"
    run = _signalled("TERM", 2, "render", src, "-o", out, "--weights", tiny_weights, "--segment-seconds", "0.25", "--batch-size", "2")
    assert run.returncode == 128 + signal.SIGTERM, run.stderr
    lines = run.stderr.strip().splitlines()
    assert lines[-1].startswith("error: interrupted: the output was not written") and "Traceback" not in run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.mp4.filmcolor-work", "in.mp4"]  # finished segments kept, nothing else
    again = subprocess.run([sys.executable, "-m", "filmcolor", "render", str(src), "-o", str(out), "--weights", str(tiny_weights), "--segment-seconds", "0.25"], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "going on after" in again.stderr and len(video_frames(out)) == 48


def test_an_interrupted_training_run_says_to_resume_and_leaves_no_part(tmp_path):
    frames = tmp_path / "frames"
    frames.mkdir()
    import cv2
    import numpy as np

    for i in range(3):
        cv2.imwrite(str(frames / f"f{i}.png"), np.random.default_rng(i).integers(0, 255, (40, 40), dtype=np.uint8))
    run = tmp_path / "run"
    args = ["train", "--domain-a", frames, "-o", run, "--steps", "10", "--size", "32", "--load-size", "32", "--batch-size", "1", "--save-every", "2", "--init", "random"]
    done = _signalled("TERM", 1, *args)
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "error: interrupted: the run keeps its last checkpoint: run the same command with --resume to go on"
    (run / ".checkpoint.pt.part.pt").write_bytes(b"a checkpoint cut short by kill -9")
    resumed = subprocess.run([sys.executable, "-m", "filmcolor", *map(str, args), "--resume"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert not list(run.glob(".*")) and not list(tmp_path.glob(".*lock"))
