"""The writing side (`filmcolor.media.writer`): the output's container checked before any frame is
decoded, display side data kept, decode timestamps the container takes."""

import io
from fractions import Fraction

import av
import pytest
from clirun import assert_one_line_error, run_cli
from configs import render_config
from testfilms import make_film, picture, video_frames

from filmcolor import media
from filmcolor.media.writer import FilmWriter
from filmcolor.render import render
from filmcolor.segments import work_folder


@pytest.mark.parametrize(
    "name, codec, expected",
    [
        ("out", "libx264", "out has no file extension"),
        ("out.xyz", "libx264", "FFmpeg writes no .xyz files"),
        ("out.mov", "libvpx-vp9", "a .mov file cannot hold libvpx-vp9 video"),
        ("out.mp4", "rawvideo", "a .mp4 file cannot hold rawvideo video"),
    ],
)
def test_an_output_the_container_cannot_hold_is_refused_before_decoding(
    tmp_path, tiny_weights, capsys, monkeypatch, name, codec, expected
):
    src = make_film(tmp_path / "in.mp4", frames=6)

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded before the output was checked")

    monkeypatch.setattr(media, "read", no_decoding)
    code, err = run_cli(["render", src, "-o", tmp_path / name, "--weights", tiny_weights, "--codec", codec], capsys)
    assert_one_line_error(code, err, expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4"] and not work_folder(tmp_path / name).exists()


def test_segments_join_into_the_outputs_container(tmp_path, tiny_weights, caplog):
    src = make_film(tmp_path / "in.mp4", frames=24, keyint=6)
    for suffix in (".mkv", ".mov", ".avi"):  # AVI keeps codec headers in the stream: one pass, said
        out = tmp_path / f"out{suffix}"
        result = render(src, out, render_config(weights=tiny_weights, segment_seconds=0.25))
        assert result.frames == len(video_frames(out)) == 24
    assert "a .avi file renders in one pass" in caplog.text


@pytest.mark.parametrize("segment_seconds", [None, 0.25])
def test_a_rotated_film_stays_rotated(tmp_path, tiny_weights, segment_seconds):
    src = tmp_path / "rotated.mp4"
    with av.open(str(src), "w") as out:
        video = out.add_stream("libx264", rate=24)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        video.codec_context.gop_size = 6
        video.set_display_rotation(-90)  # shot on its side: players turn it
        for i in range(12):
            frame = av.VideoFrame.from_ndarray(picture(i, 64, 48), format="rgb24")
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
    render(src, tmp_path / "out.mp4", render_config(weights=tiny_weights, segment_seconds=segment_seconds))
    with av.open(str(tmp_path / "out.mp4")) as c:
        assert next(c.decode(video=0)).rotation == -90


def test_repeated_decode_timestamps_are_moved_up_and_no_frame_moves(tmp_path):
    """An encoder may repeat a decode timestamp (VFR in a coarse time base): MP4 refuses that.
    The writer moves it up a tick, below the packet's presentation time, which stays."""
    src = make_film(tmp_path / "in.mp4", frames=12, audio=())
    coded = io.BytesIO()
    with av.open(str(src)) as c, av.open(coded, "w", format="matroska") as out:  # a stream with B-frames
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
        stream.codec_context.options = {"preset": "medium"}
        for i, frame in enumerate(c.decode(video=0)):
            frame.pts, frame.time_base = i * 125, Fraction(1, 1000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    coded.seek(0)
    with av.open(coded) as c, media.open_film(src) as source:
        info = media.film_info(source)
        packets = [p for p in c.demux(c.streams.video[0]) if p.size]
        times = sorted(p.pts for p in packets)
        for a, b in zip(packets, packets[1:], strict=False):
            if a.dts is not None and b.dts is not None and b.dts > a.dts and b.pts > a.dts:
                b.dts = a.dts  # what such an encoder gives
                break
        with FilmWriter(
            tmp_path / "out.mp4", source, info, video_template=c.streams.video[0], copy_streams=False
        ) as writer:
            for p in packets:
                writer.copy_video(p)
    with av.open(str(tmp_path / "out.mp4")) as c:
        v = c.streams.video[0]
        assert sorted(round(float(p.pts * v.time_base) * 1000) for p in c.demux(v) if p.size) == times


def _interlaced_film(path, option):
    """12 frames of x264 coded as fields (`-flags +ildct+ilme`), `option` "tff=1" or "bff=1"."""
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        video.codec_context.flags |= av.codec.context.Flags.interlaced_dct | av.codec.context.Flags.interlaced_me
        video.codec_context.options = {"preset": "ultrafast", "x264-params": option}
        for i in range(12):
            frame = av.VideoFrame.from_ndarray(picture(i, 64, 48), format="rgb24").reformat(format="yuv420p")
            frame.pts = i
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
    return path


def _fields(path):
    """(the stream's field order, every decoded frame flagged interlaced)."""
    with av.open(str(path)) as c:
        frames = list(c.decode(video=0))
        return c.streams.video[0].codec_context.field_order, all(f.interlaced_frame for f in frames)


@pytest.mark.parametrize(
    "option, order, name, segments", [("tff=1", 2, "out.mp4", "0.25"), ("bff=1", 3, "out.mkv", "0")]
)
def test_an_interlaced_film_stays_interlaced(tmp_path, tiny_weights, capsys, option, order, name, segments):
    src = _interlaced_film(tmp_path / "in.mp4", option)
    assert _fields(src) == (order, True)
    out = tmp_path / name
    args = ["render", src, "-o", out, "--weights", tiny_weights, "--segment-seconds", segments, "--batch-size", "4"]
    code, err = run_cli(args, capsys)
    assert code == 0 and "warning" not in err, err
    assert _fields(out) == (order, True)


def test_an_interlaced_film_an_encoder_writes_progressive_is_said_so(tmp_path, tiny_weights, capsys):
    src = _interlaced_film(tmp_path / "in.mp4", "tff=1")
    out = tmp_path / "out.mkv"
    code, err = run_cli(["render", src, "-o", out, "--weights", tiny_weights, "--codec", "ffv1"], capsys)
    assert code == 0, err
    assert [line for line in err.splitlines() if line.startswith("warning:")] == [
        "warning: the film is interlaced (top field first); ffv1 writes it progressive here (libx264 keeps its fields)"
    ]
