"""The media layer's reading side: what a film is, its frames as the one reader gives them, and
the damage it finds on the way."""

from fractions import Fraction

import av
import numpy as np
import pytest
from clirun import assert_one_line_error, run_cli
from configs import render_config
from testfilms import make_film, picture, video_frames

from filmcolor import media
from filmcolor.errors import DecodeError
from filmcolor.render import render


def test_film_info_reads_range_matrix_and_rate(tmp_path):
    src = make_film(tmp_path / "in.mp4", pix_fmt="yuvj420p", rate=Fraction(30000, 1001), width=64, height=48)
    with media.open_film(src) as c:
        info = media.film_info(c)
    assert info.code_range.full and info.code_range.bits == 8
    assert info.matrix == "bt601" and info.rate == Fraction(30000, 1001) and info.frames == 6


def test_the_reader_numbers_and_times_every_frame(tmp_path):
    src = make_film(tmp_path / "in.mp4", frames=12, keyint=4, audio=("aac",))
    with media.open_film(src) as c:
        whole = list(media.read(c))
    assert [f.index for f in whole] == list(range(12))
    assert all(isinstance(f, media.Decoded) and f.luma().shape == (48, 64) for f in whole)
    pts = [f.pts for f in whole]
    with media.open_film(src) as c:  # a span from a keyframe, numbered as the film's frames
        span = list(media.read(c, start=pts[4], end=pts[8], first_index=4))
    assert [(f.index, f.pts) for f in span] == [(i, pts[i]) for i in range(4, 8)]
    with media.open_film(src) as c:  # with the other streams' packets, in the container's order
        items = list(media.read_with_packets(c))
    assert sum(isinstance(i, media.Decoded) for i in items) == 12 and any(
        not isinstance(i, media.Decoded) for i in items
    )


def test_a_preview_read_is_rebased_to_the_films_start(tmp_path):
    src = make_film(tmp_path / "in.mp4", frames=24, rate=Fraction(24), keyint=6)
    with media.open_film(src) as c:
        tb = c.streams.video[0].time_base
        items = list(media.read_with_packets(c, start=media.seconds_to_pts(0.5, tb), rebase=True))
    frames = [i for i in items if isinstance(i, media.Decoded)]
    assert len(frames) == 12 and frames[0].index == 0 and frames[0].pts == 0


def test_a_film_cut_short_is_refused_where_it_breaks(tmp_path):
    whole = make_film(tmp_path / "film.mkv", frames=48)
    broken = tmp_path / "broken.mkv"
    broken.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])
    with media.open_film(broken) as c, pytest.raises(DecodeError, match="breaks at frame"):
        list(media.read(c))


def _damaged(whole, path, nbytes, seed=0):
    """`whole` with `nbytes` of random bytes in its middle: what a bad disk or transfer leaves."""
    data = bytearray(whole.read_bytes())
    middle = len(data) // 2
    data[middle : middle + nbytes] = np.random.default_rng(seed).bytes(nbytes)
    path.write_bytes(bytes(data))
    return path


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    d = tmp_path_factory.mktemp("damaged")
    mp4 = make_film(d / "whole.mp4", width=320, height=240, frames=300)
    mkv = make_film(d / "whole.mkv", width=320, height=240, frames=200)
    return {"mp4": _damaged(mp4, d / "damaged.mp4", 4096), "mkv": _damaged(mkv, d / "damaged.mkv", 16384)}


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["mp4", "mkv"])
def test_a_damaged_film_is_refused_or_rendered_without_what_is_lost(tmp_path, tiny_weights, capsys, damaged, kind):
    src = damaged[kind]
    out = tmp_path / "out.mp4"
    code, err = run_cli(["render", src, "-o", out, "--weights", tiny_weights], capsys)
    assert_one_line_error(code, err.strip().splitlines()[-1], "the film is damaged: ")
    assert "--damaged skip" in err and not out.exists()
    code, err = run_cli(["render", src, "-o", out, "--weights", tiny_weights, "--damaged", "skip"], capsys)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    listed = [w for w in warnings if not w.endswith("frames left out in all")]
    assert listed and all(w.endswith((": left out", ": kept as decoded")) and " s" in w for w in listed)
    with media.open_film(src) as c:
        total = c.streams.video[0].frames or 200
    assert 0 < len(video_frames(out)) < total


def test_a_matroska_film_whose_video_starts_late_is_whole(tmp_path, tiny_weights):
    """Audio before the picture: the video track starts at 0.2 s, and Matroska's DURATION tag
    is the track's end, not its length."""
    plain = make_film(tmp_path / "plain.mkv", frames=24)
    late = tmp_path / "late.mkv"
    with av.open(str(plain)) as src, av.open(str(late), "w") as out:
        streams = {s.index: out.add_stream_from_template(s) for s in src.streams}
        for p in src.demux():
            if p.size:
                if p.stream.type == "video":
                    shift = round(0.2 / p.time_base)
                    p.pts += shift
                    p.dts = None if p.dts is None else p.dts + shift
                p.stream = streams[p.stream.index]
                out.mux(p)
    with media.open_film(late) as c:
        assert c.streams.video[0].start_time > 0
        assert len(list(media.read(c))) == 24
    render(late, tmp_path / "out.mkv", render_config(weights=tiny_weights))
    # filmcolor's own output, read back
    render(tmp_path / "out.mkv", tmp_path / "again.mkv", render_config(weights=tiny_weights))
    assert len(video_frames(tmp_path / "again.mkv")) == 24


def test_film_info_reads_the_display_matrix(tmp_path):
    src = tmp_path / "rotated.mp4"
    with av.open(str(src), "w") as out:
        video = out.add_stream("libx264", rate=24)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        video.set_display_rotation(90)
        frame = av.VideoFrame.from_ndarray(picture(0, 64, 48), format="rgb24")
        frame.pts = 0
        out.mux(video.encode(frame))
        out.mux(video.encode(None))
    with media.open_film(src) as c:
        assert media.film_info(c).display_matrix == (0, -65536, 0, 65536, 0, 0, 0, 0, 1 << 30)
    with media.open_film(make_film(tmp_path / "plain.mp4", frames=2)) as c:
        assert media.film_info(c).display_matrix is None


def _fragmented(src, out):
    """`src` remuxed as a fragmented MP4 (a fragment at each sync frame, an empty moov), as
    cameras, screen recorders and live captures write them."""
    with av.open(str(src)) as i, av.open(str(out), "w", options={"movflags": "frag_keyframe+empty_moov"}) as o:
        streams = {s.index: o.add_stream_from_template(s) for s in i.streams}
        for p in i.demux():
            if p.size:
                p.stream = streams[p.stream.index]
                o.mux(p)
    return out


def test_a_fragmented_mp4_cut_short_is_damage_like_matroska(tmp_path, tiny_weights, capsys):
    whole = _fragmented(make_film(tmp_path / "film.mp4", frames=150, rate=Fraction(25), keyint=25), tmp_path / "f.mp4")
    with media.open_film(whole) as c:
        assert len(list(media.read(c, damaged="stop"))) == 150  # whole: nothing said
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    out = tmp_path / "out.mp4"
    code, err = run_cli(["render", cut, "-o", out, "--weights", tiny_weights], capsys)
    assert_one_line_error(code, err.strip().splitlines()[-1], "the film breaks at frame ")
    assert "ends inside a fragment" in err and "--damaged skip" in err and not out.exists()
    code, err = run_cli(["render", cut, "-o", out, "--weights", tiny_weights, "--damaged", "skip"], capsys)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and warnings[0].startswith(f"warning: {cut}: 1 frame missing at "), err
    assert warnings[0].endswith(
        "at the end (the file ends inside a fragment, and how much followed is unknown): left out"
    )
    assert len(video_frames(out)) == 75
