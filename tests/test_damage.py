"""Damage found the same way in one pass, in segments and at the join of two: frames lost
between two timestamps, packets that cannot be decoded, a held frame that is no loss; and what
`--damaged skip` leaves out, listed once with frames and times, adding up to what is missing."""

from fractions import Fraction

import av
import numpy as np
import pytest
from clirun import assert_one_line_error, run_cli
from testfilms import make_film, video_frames

from filmcolor import media
from filmcolor.errors import DecodeError
from filmcolor.segments import divide, work_folder


def drop_frames(src, out, lost, rate=25):
    """`src` remuxed into `out` without the packets of frames `lost` (numbered at `rate`): what a
    bad transfer or a careless cut leaves."""
    with av.open(str(src)) as i, av.open(str(out), "w") as o:
        video = o.add_stream_from_template(i.streams.video[0])
        for p in i.demux(i.streams.video[0]):
            if p.size and round(float(p.pts * p.time_base) * rate) not in lost:
                p.stream = video
                o.mux(p)
    return out


def read_all(path, **kw):
    """(frames read, notes) of a read that skips damage."""
    notes = []
    with media.open_film(path) as c:
        frames = list(media.read(c, damaged="skip", notes=notes, **kw))
    return frames, notes


def read_in_segments(path, seconds):
    """(frames, notes) of a film read segment by segment, as a segmented render reads it."""
    with media.open_film(path) as c:
        info = media.film_info(c)
        times, sync = media.video_times(c)
    frames, notes = [], []
    for s in divide(times, sync, info.time_base, seconds):
        got, found = read_all(path, start=s.start_pts, end=s.end_pts, first_index=s.first_frame, before=s.before_pts)
        frames += got
        notes += found
    return frames, notes


@pytest.fixture(scope="module")
def lost_gop(tmp_path_factory):
    """100 frames at 25 fps, a sync frame each second, the second second's 25 frames lost."""
    d = tmp_path_factory.mktemp("gop")
    whole = make_film(d / "whole.mp4", frames=100, rate=Fraction(25), keyint=25, audio=())
    return drop_frames(whole, d / "lost.mp4", set(range(25, 50)))


def test_a_stretch_lost_at_a_segment_join_is_found_as_in_one_pass(lost_gop):
    one, one_notes = read_all(lost_gop)
    seg, seg_notes = read_in_segments(lost_gop, 1.0)  # the join falls on the loss: segments start at 0 and 2 s
    assert [f.pts for f in one] == [f.pts for f in seg] and len(one) == 75
    assert (
        [str(d) for d in one_notes]
        == [str(d) for d in seg_notes]
        == ["25 frames missing at 1.00-2.00 s, before frame 25"]
    )
    for whole_read in (True, False):
        with (
            media.open_film(lost_gop) as c,
            pytest.raises(
                DecodeError, match=r"damaged: 25 frames missing at 1.00-2.00 s, before frame 25; pass --damaged skip"
            ),
        ):
            if whole_read:
                list(media.read(c, damaged="stop"))
            else:
                s = divide(*media.video_times(c), c.streams.video[0].time_base, 1.0)[1]
                list(
                    media.read(
                        c, s.start_pts, s.end_pts, first_index=s.first_frame, damaged="stop", before=s.before_pts
                    )
                )


def test_a_segmented_render_stops_or_skips_at_a_lost_join(tmp_path, tiny_weights, capsys, lost_gop):
    out = tmp_path / "out.mp4"
    args = ["render", lost_gop, "-o", out, "--weights", tiny_weights, "--segment-seconds", "1", "--batch-size", "8"]
    code, err = run_cli(args, capsys)
    assert_one_line_error(
        code, err.strip().splitlines()[-1], "25 frames missing at 1.00-2.00 s, before frame 25; pass --damaged skip"
    )
    assert not out.exists() and not work_folder(out).exists()
    code, err = run_cli([*args, "--damaged", "skip"], capsys)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert warnings == [f"warning: {lost_gop}: 25 frames missing at 1.00-2.00 s, before frame 25: left out"]
    assert [round(t * 25) for t, _ in video_frames(out)] == [*range(25), *range(50, 100)]


def test_short_gaps_are_found_wherever_they_fall(tmp_path):
    """Gaps of 3 and 4 frames (11 of 100), at 0.24 s, 1.44 s and 3.08 s: counted in exact
    arithmetic, so none hangs on rounding (a 4-frame gap is exactly 5 frame periods)."""
    whole = make_film(tmp_path / "whole.mp4", frames=100, rate=Fraction(25), keyint=10, audio=())
    lost = {6, 7, 8, 9, 36, 37, 38, 39, 77, 78, 79}  # each gap up to a sync frame, so the decoder misses nothing else
    src = drop_frames(whole, tmp_path / "gaps.mkv", lost)
    frames, notes = read_all(src)
    assert [round(float(f.pts * Fraction(1, 1000)) * 25) for f in frames] == [i for i in range(100) if i not in lost]
    assert [str(d) for d in notes] == [
        "4 frames missing at 0.24-0.40 s, before frame 6",
        "4 frames missing at 1.44-1.60 s, before frame 32",
        "3 frames missing at 3.08-3.20 s, before frame 69",
    ]
    assert sum(d.frames for d in notes) == len(lost) == 100 - len(frames)
    with media.open_film(src) as c, pytest.raises(DecodeError, match="4 frames missing at 0.24-0.40 s, before frame 6"):
        list(media.read(c, damaged="stop"))


def test_a_held_frame_is_no_loss(tmp_path, tiny_weights, capsys):
    """30 fps, frame 29 held for a second: its duration covers the gap and the next frame is
    coded from it, so nothing is missing."""
    pts = [i if i < 30 else i + 29 for i in range(60)]
    src = make_film(tmp_path / "held.mp4", frames=60, rate=Fraction(30), time_base=Fraction(1, 30), pts=pts)
    frames, notes = read_all(src)
    assert len(frames) == 60 and notes == []
    code, err = run_cli(
        ["render", src, "-o", tmp_path / "out.mp4", "--weights", tiny_weights, "--segment-seconds", "0"], capsys
    )
    assert code == 0 and "warning" not in err, err
    assert [round(t * 30) for t, _ in video_frames(tmp_path / "out.mp4")] == pts


def _held_before_a_sync_frame(path, jitter):
    """30 fps in 1/90000 s, a sync frame each second; frame 29 held for 3 periods, so the sync
    frame 30 comes 2 periods late. `jitter`: every other interval off by so many ticks (a
    variable-rate film: a screen or phone recording), none when 0 (constant rate)."""
    steps = [3000 + (jitter if i % 3 == 1 else -jitter if i % 3 == 2 else 0) for i in range(59)]
    steps[29] = 9000
    pts = [0]
    for step in steps:
        pts.append(pts[-1] + step)
    tb = Fraction(1, 90000)
    return make_film(path, frames=60, rate=Fraction(30), time_base=tb, pts=pts, keyint=30, audio=()), pts


def test_a_frame_held_before_a_sync_frame_is_no_loss_in_a_variable_rate_film(tmp_path, tiny_weights, capsys):
    src, pts = _held_before_a_sync_frame(tmp_path / "screen.mp4", jitter=600)
    frames, notes = read_all(src)
    assert [f.pts for f in frames] == pts and notes == []
    with media.open_film(src) as c:
        assert len(list(media.read(c, damaged="stop"))) == 60
    out = tmp_path / "out.mp4"
    code, err = run_cli(["render", src, "-o", out, "--weights", tiny_weights, "--segment-seconds", "0.5"], capsys)
    assert code == 0 and "warning" not in err, err
    assert len(video_frames(out)) == 60


def test_the_same_gap_in_a_constant_rate_film_is_loss(tmp_path, tiny_weights, capsys):
    src, pts = _held_before_a_sync_frame(tmp_path / "film.mp4", jitter=0)
    frames, notes = read_all(src)
    assert len(frames) == 60 and [str(d) for d in notes] == ["2 frames missing at 1.00-1.07 s, before frame 30"]
    code, err = run_cli(["render", src, "-o", tmp_path / "out.mp4", "--weights", tiny_weights], capsys)
    assert_one_line_error(code, err.strip().splitlines()[-1], "2 frames missing at 1.00-1.07 s, before frame 30")


def _zeroed(whole, path, start, nbytes):
    data = bytearray(whole.read_bytes())
    data[start : start + nbytes] = bytes(nbytes)
    path.write_bytes(bytes(data))
    return path


@pytest.fixture(scope="module")
def zeroed(tmp_path_factory):
    """An MP4 with a zeroed stretch in its middle: packets there cannot be decoded."""
    d = tmp_path_factory.mktemp("zeroed")
    whole = make_film(d / "whole.mp4", width=160, height=120, frames=100, rate=Fraction(25), keyint=10, audio=())
    size = whole.stat().st_size
    return _zeroed(whole, d / "zeroed.mp4", size * 2 // 5, size // 5)


def test_what_skip_leaves_out_adds_up_and_is_listed_once(zeroed):
    one, one_notes = read_all(zeroed)
    seg, seg_notes = read_in_segments(zeroed, 0.4)
    # numbered by their place in the film, either way
    assert [(f.index, f.pts) for f in one] == [(f.index, f.pts) for f in seg]
    assert [f.index for f in one] == [round(float(f.pts * f.frame.time_base) * 25) for f in one]
    assert [str(d) for d in one_notes] == [str(d) for d in seg_notes]
    left_out = [d for d in one_notes if not d.kept]
    assert left_out and sum(d.frames for d in left_out) == 100 - len(one)
    spans = sorted((d.start, d.end) for d in left_out)
    assert all(a[1] <= b[0] + 1e-9 for a, b in zip(spans, spans[1:], strict=False))  # no stretch counted twice
    assert all(d.frame >= 0 for d in one_notes)  # each names the frame it comes before, or the frame kept


@pytest.mark.slow
def test_a_segmented_render_skipping_damage_keeps_no_part_files(tmp_path, tiny_weights, capsys, zeroed):
    out = tmp_path / "out.mp4"
    args = [
        "render",
        zeroed,
        "-o",
        out,
        "--weights",
        tiny_weights,
        "--segment-seconds",
        "0.4",
        "--batch-size",
        "8",
        "--damaged",
        "skip",
    ]
    code, err = run_cli(args, capsys)
    assert code == 0, err
    frames, notes = read_all(zeroed)
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    listed = [f"warning: {zeroed}: {d}: {'kept as decoded' if d.kept else 'left out'}" for d in notes]
    lost = sum(d.frames for d in notes if not d.kept)
    # each once
    assert warnings == listed + ([f"warning: {zeroed}: {lost} frames left out in all"] if len(notes) > 1 else [])
    assert len(video_frames(out)) == len(frames)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]


def test_commands_without_damaged_do_not_advise_it(tmp_path, tiny_weights, capsys, lost_gop):
    """`extract` and `degrade` have no --damaged: their refusal says what is lost, not to pass
    an option they reject; `render --keyframes` numbers the film's frames, so it cannot skip."""
    for args in (["extract", lost_gop, "-o", tmp_path / "frames"], ["degrade", lost_gop, "-o", tmp_path / "bw.mp4"]):
        code, err = run_cli(args, capsys)
        assert_one_line_error(
            code, err.strip().splitlines()[-1], "the film is damaged: 25 frames missing at 1.00-2.00 s, before frame 25"
        )
        assert "--damaged" not in err
    keys = tmp_path / "keys"
    keys.mkdir()
    import cv2

    cv2.imwrite(str(keys / "000000.png"), np.full((48, 64, 3), (40, 90, 200), np.uint8))
    code, err = run_cli(
        [
            "render",
            lost_gop,
            "-o",
            tmp_path / "out.mp4",
            "--weights",
            tiny_weights,
            "--keyframes",
            keys,
            "--damaged",
            "skip",
        ],
        capsys,
    )
    assert_one_line_error(
        code,
        err.strip().splitlines()[-1],
        "25 frames missing at 1.00-2.00 s, before frame 25; --keyframes numbers the film's frames, so it cannot skip what is lost",
    )
    assert "pass --damaged skip" not in err
