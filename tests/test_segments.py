"""Segmented, resumable renders (`filmcolor.segments`): the division, the join, going on after an
interruption (also after SIGKILL), and refusing work of another film or other settings."""

import signal
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import pytest
from clirun import assert_one_line_error, run_cli
from configs import render_config
from testfilms import make_film, packets, video_frames

from filmcolor.errors import InputError
from filmcolor.metrics import psnr
from filmcolor.render import render
from filmcolor.segments import divide, work_folder

RATE = Fraction(24000, 1001)


def test_a_film_is_divided_into_segments_at_sync_frames():
    times = list(range(0, 100 * 1001, 1001))  # 100 frames, time base 1/24000
    sync = times[::12]
    # 24000 ticks: the first sync frame at or after each second
    segs = divide(times, sync, Fraction(1, 24000), seconds=1.0)
    assert [s.start_pts for s in segs] == [0, 24 * 1001, 48 * 1001, 72 * 1001, 96 * 1001]
    assert [s.first_frame for s in segs] == [0, 24, 48, 72, 96]
    assert sum(s.frames for s in segs) == 100 and segs[-1].end_pts is None
    assert [s.end_pts for s in segs[:-1]] == [s.start_pts for s in segs[1:]]
    # sync frames rarer than the step: segments as long as they allow; none at all: one segment
    assert [s.start_pts for s in divide(times, times[::30], Fraction(1, 24000), 0.5)] == [
        0,
        30 * 1001,
        60 * 1001,
        90 * 1001,
    ]
    assert len(divide(times, [0], Fraction(1, 24000), 1.0)) == 1 and divide([], [], Fraction(1, 24000), 1.0) == []


@pytest.fixture
def film(tmp_path):
    return make_film(tmp_path / "film.mp4", width=64, height=48, frames=60, keyint=12)


def _config(weights, **kw):
    return render_config(**{"weights": weights, "segment_seconds": 0.5, "batch_size": 4, **kw})


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["mp4-aac", "mkv-pcm-and-opus", "vfr"])
def test_a_segmented_render_keeps_every_frame_timestamp_and_packet(tmp_path, tiny_weights, kind):
    kw = {
        "mp4-aac": dict(suffix=".mp4"),
        "mkv-pcm-and-opus": dict(suffix=".mkv", audio=("pcm_s16le", "libopus")),
        "vfr": dict(suffix=".mp4", pts=[i * 40 + (i % 3) * 7 for i in range(60)], time_base=Fraction(1, 1000)),
    }[kind]
    src = make_film(tmp_path / f"in{kw.pop('suffix')}", width=64, height=48, frames=60, keyint=12, **kw)
    out, single = tmp_path / "out.mp4", tmp_path / "single.mp4"
    r = render(src, out, _config(tiny_weights))
    render(src, single, _config(tiny_weights, segment_seconds=None))
    a, b, c = video_frames(src), video_frames(out), video_frames(single)
    assert r.frames == len(a) == len(b) == 60 and r.reused_frames == 0
    tol = 1e-3 if src.suffix != ".mp4" else 1e-9  # Matroska keeps milliseconds
    assert all(abs(x[0] - y[0]) <= tol for x, y in zip(a, b, strict=True))
    assert [t for t, _ in b] == [t for t, _ in c]
    assert min(psnr(x[1], y[1]) for x, y in zip(a, b, strict=True)) > 30  # the luma is the film's (through x264 crf 18)
    # the same render as one pass, but for the encoder runs
    assert min(psnr(x[1], y[1]) for x, y in zip(b, c, strict=True)) > 35
    if src.suffix == out.suffix:
        assert packets(src) == packets(out)  # audio bytes and timestamps, exactly
    else:
        assert [[d for d, _ in s] for s in packets(src)] == [[d for d, _ in s] for s in packets(out)]
    assert not work_folder(out).exists()


def test_a_vfr_matroska_film_with_b_frames_renders_in_segments(tmp_path, tiny_weights):
    """Irregular timestamps in milliseconds, B-frames, Matroska in and out: every frame keeps
    its time, and the progress never says done before the end."""
    pts = [
        0,
        42,
        83,
        125,
        250,
        292,
        375,
        500,
        542,
        583,
        625,
        667,
        708,
        750,
        792,
        1000,
        1042,
        1083,
        1125,
        1167,
        1208,
        1250,
        1292,
        1333,
        1375,
        1417,
        1458,
        1500,
        1542,
        1583,
    ]
    src = make_film(tmp_path / "vfr.mkv", frames=30, pts=pts, time_base=Fraction(1, 1000), keyint=8, preset="medium")
    with av.open(str(src)) as c:
        # B-frames: decode order differs
        assert any(p.dts is not None and p.pts != p.dts for p in c.demux(c.streams.video[0]))
    for seconds in (0.3, None):
        out = tmp_path / f"out-{seconds}.mkv"
        calls: list[tuple[int, int]] = []
        r = render(
            src,
            out,
            _config(tiny_weights, segment_seconds=seconds),
            lambda d, t, info="", calls=calls: calls.append((d, t)),
        )
        assert r.frames == 30 and [round(t * 1000) for t, _ in video_frames(out)] == pts
        assert calls[-1] == (30, 30) and all(d < t for d, t in calls[:-1])


def test_an_interrupted_render_goes_on_from_its_last_segment(tmp_path, tiny_weights, film):
    out = tmp_path / "out.mp4"
    seen = []

    def stop_after_two_segments(done, total, info=""):
        if info:  # finding the shots, before the segments
            return
        seen.append(done)
        if done > 24:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render(film, out, _config(tiny_weights), stop_after_two_segments)
    assert not out.exists() and work_folder(out).is_dir()
    done = sorted(p.name for p in work_folder(out).glob("segment-*.mp4"))
    assert done == ["segment-00000.mp4", "segment-00001.mp4"]  # 12 frames each; the third never finished
    assert not list(work_folder(out).glob(".*"))  # the unfinished one is gone
    progress = []
    r = render(film, out, _config(tiny_weights), lambda d, t, info="": info or progress.append(d))
    assert r.reused_frames == 24 and progress[0] == 24 and r.frames == 60
    assert len(video_frames(out)) == 60 and packets(out) == packets(film)
    assert not work_folder(out).exists()


@pytest.mark.slow
def test_other_settings_or_another_film_are_refused(tmp_path, tiny_weights, film, capsys):
    out = tmp_path / "out.mp4"

    def interrupt(done, total, info=""):
        if not info and done >= 24:  # the first segment is done and kept (not: finding the shots)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render(film, out, _config(tiny_weights), interrupt)
    with pytest.raises(
        InputError,
        match=r"unfinished render of other settings \(--crf differs\); run that command again to finish it, or pass --restart",
    ):
        render(film, out, _config(tiny_weights, crf=30))
    other = make_film(tmp_path / "other.mp4", width=64, height=48, frames=60, keyint=12, audio=())
    code, err = run_cli(["render", other, "-o", out, "--weights", tiny_weights, "--segment-seconds", "0.5"], capsys)
    assert_one_line_error(code, err, "holds an unfinished render of another film")
    r = render(film, out, _config(tiny_weights, crf=30, restart=True))
    assert r.reused_frames == 0 and r.frames == 60 and not work_folder(out).exists()


def test_a_film_that_cannot_be_rendered_leaves_no_work_behind(tmp_path, tiny_weights, film):
    with pytest.raises(InputError, match="--segment-seconds must be a number of seconds more than 0"):
        render(film, tmp_path / "out.mp4", _config(tiny_weights, segment_seconds=-1))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.mp4"]


def _cli(film, out, weights):
    return [
        sys.executable,
        "-m",
        "filmcolor",
        "render",
        str(film),
        "-o",
        str(out),
        "--weights",
        str(weights),
        "--segment-seconds",
        "0.5",
        "--batch-size",
        "4",
    ]


@pytest.mark.slow
def test_a_render_killed_with_sigkill_goes_on_where_it_stopped(tmp_path, tiny_weights):
    film = make_film(tmp_path / "film.mp4", width=160, height=120, frames=240, keyint=12)
    out = tmp_path / "out.mp4"
    # dies in the 9th of 20 segments
    killer = [sys.executable, str(Path(__file__).with_name("signal_self.py")), "KILL", "8"]
    proc = subprocess.run(killer + _cli(film, out, tiny_weights)[3:], capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    work = work_folder(out)
    assert len(list(work.glob("segment-*.npz"))) == 8 and not out.exists()
    rerun = subprocess.run(_cli(film, out, tiny_weights), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert "going on after 96 frames done before" in rerun.stdout + rerun.stderr  # 8 segments of 12 frames
    a, b = video_frames(film), video_frames(out)
    assert len(b) == len(a) == 240 and [t for t, _ in a] == [t for t, _ in b]
    assert packets(out) == packets(film)
    assert not work.exists()
