"""Awkward films and containers: a still picture before the film's own video stream, and which
stream is read; AVI, which keeps no presentation times; Matroska and MPEG-TS, which shift
every stream for an AAC priming packet unless asked not to, and take repeated decode times."""

from fractions import Fraction

import av
import pytest
from clirun import assert_one_line_error, run_cli
from testfilms import make_film, packets, picture, video_frames

from filmcolor import media
from filmcolor.media.writer import FilmWriter
from filmcolor.metrics import psnr


def with_still(src, out, attached):
    """`src` with a one-frame 96x72 MJPEG stream before its own: cover art (`attached`, as an
    MP4's cover) or a plain still stream."""
    with av.open(str(src)) as i, av.open(str(out), "w") as o:
        still = o.add_stream("mjpeg", rate=1)
        still.width, still.height, still.pix_fmt = 96, 72, "yuvj420p"
        if attached:
            still.disposition = av.stream.Disposition.attached_pic
        streams = {s.index: o.add_stream_from_template(s) for s in i.streams}
        frame = av.VideoFrame.from_ndarray(picture(0, 96, 72), format="rgb24").reformat(format="yuvj420p")
        frame.pts = 0
        for p in [*still.encode(frame), *still.encode(None)]:
            o.mux(p)
        for p in i.demux():
            if p.size:
                p.stream = streams[p.stream.index]
                o.mux(p)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["still-stream.mkv", "cover-art.mp4"])
def test_the_films_own_stream_is_read_not_a_still_before_it(tmp_path, tiny_weights, capsys, kind):
    film = make_film(tmp_path / "film.mp4", frames=60, rate=Fraction(24))
    src = with_still(film, tmp_path / kind, attached=kind.startswith("cover"))
    with av.open(str(src)) as c:
        assert len(c.streams.video) == 2
        film_stream = next(s.index for s in c.streams.video if s.codec_context.name == "h264")
        still_stream = next(s.index for s in c.streams.video if s.codec_context.name == "mjpeg")
    out = tmp_path / "out.mp4"
    code, err = run_cli(["render", src, "-o", out, "--weights", tiny_weights, "--batch-size", "8"], capsys)
    assert code == 0, err
    still = "a still picture" if kind.startswith("cover") else "1 frame"
    notes = [line for line in err.splitlines() if line.startswith("note:")]
    assert notes == [
        f"note: {src} has 2 video streams: reading #{film_stream} (h264 64x48, 60 frames), the main one; not #{still_stream} (mjpeg 96x72, {still}) (--stream N reads another)"
    ]
    with av.open(str(src)) as c:
        times = [round(float(f.pts * f.time_base), 3) for f in c.decode(c.streams[film_stream])]
    assert len(times) == 60 and [round(t, 3) for t, _ in video_frames(out)] == times
    assert [[d for d, _ in s] for s in packets(out)] == [[d for d, _ in s] for s in packets(film)]
    # --stream picks another: the still, one frame of its own size; cover art is no film
    code, err = run_cli(
        ["render", src, "-o", tmp_path / "still.mkv", "--weights", tiny_weights, "--stream", str(still_stream)], capsys
    )
    if kind.startswith("cover"):
        assert_one_line_error(
            code, err, f"--stream {still_stream}: stream #{still_stream} of {src} is its cover art, not a film"
        )
    else:
        assert code == 0, err
        frames = video_frames(tmp_path / "still.mkv")
        assert len(frames) == 1 and frames[0][1].shape == (72, 96)
    code, err = run_cli(
        ["render", src, "-o", tmp_path / "none.mp4", "--weights", tiny_weights, "--stream", "7"], capsys
    )
    assert_one_line_error(code, err, f"--stream 7: {src} has no video stream #7")
    media.choose_stream(src, None)


def test_an_avi_output_plays_in_order(tmp_path, tiny_weights, capsys):
    """AVI keeps frames in decode order with no presentation times: the encoder must not
    reorder them (x264's B-frames did: pts 1, 3, 4, 2, ...)."""
    src = make_film(tmp_path / "in.avi", frames=24, codec="mpeg4", audio=())
    out = tmp_path / "out.avi"
    code, err = run_cli(["render", src, "-o", out, "--weights", tiny_weights], capsys)
    assert code == 0, err
    with av.open(str(out)) as c:
        pts = [f.pts for f in c.decode(video=0)]
    assert len(pts) == 24 and pts == sorted(pts) and len(set(pts)) == 24
    a, b = video_frames(src), video_frames(out)
    assert min(psnr(x[1], y[1]) for x, y in zip(a, b, strict=True)) > 30  # each frame beside its own: in order


@pytest.mark.parametrize("suffix", [".mkv", ".ts"])
def test_an_aac_priming_packet_moves_no_frame(tmp_path, tiny_weights, capsys, suffix):
    """An MP4's AAC starts with a packet at -1024 samples (-46 ms at 22.05 kHz): Matroska and
    MPEG-TS shifted every stream by it. Every frame keeps its time, and MPEG-TS copies the AAC
    (it used to transcode it, and say so twice)."""
    src = make_film(tmp_path / "in.mp4", frames=12, rate=Fraction(24))
    assert packets(src)[0][0][1] < 0  # the priming packet
    out = tmp_path / f"out{suffix}"
    code, err = run_cli(["render", src, "-o", out, "--weights", tiny_weights, "--segment-seconds", "0"], capsys)
    assert code == 0, err
    assert [round(t * 1000) for t, _ in video_frames(out)] == [round(t * 1000) for t, _ in video_frames(src)]
    assert "transcoded" not in err
    copied, original = packets(out)[0], packets(src)[0]
    assert len(copied) == len(original)
    # the same AAC (MPEG-TS adds its ADTS header)
    assert all(c[0].endswith(o[0]) for c, o in zip(copied, original, strict=True))
    assert abs(copied[0][1] - original[0][1]) <= 1000  # still before the picture, by as much


def test_matroska_takes_repeated_decode_times(tmp_path):
    """Matroska keeps presentation times only and takes a repeated decode time, so a repeat is
    kept rather than pushed past a frame's presentation time (which failed, saying "write the
    output as .mkv" to a .mkv)."""
    src = make_film(tmp_path / "in.mkv", frames=4, audio=())
    with media.open_film(src) as c:
        info = media.film_info(c)
        with FilmWriter(tmp_path / "out.mkv", c, info, copy_streams=False) as writer:
            for pts, dts in [(0, 0), (100, 0), (1, 1)]:
                packet = av.Packet(b"")
                packet.pts, packet.dts = pts, dts
                writer._growing_dts(packet)
                assert packet.dts <= packet.pts
            writer.encoding = False  # nothing to flush
