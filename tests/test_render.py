"""The render on tiny generated films: every frame, timestamp and audio packet survives, the
luma is the input's, previews start where asked."""

from fractions import Fraction

import av
import numpy as np
import pytest
from configs import render_config
from testfilms import make_film, packets, video_frames

from filmcolor import media
from filmcolor.metrics import psnr
from filmcolor.render import render

FILMS = {
    "yuv420p": dict(),
    "odd-175x143": dict(width=175, height=143, pix_fmt="yuv444p"),
    "gray": dict(pix_fmt="gray", codec="ffv1", audio=("pcm_s16le",), suffix=".mkv"),
    "yuvj420p": dict(pix_fmt="yuvj420p"),
    "full-range-tag": dict(color_range=2),
    "yuv444p": dict(pix_fmt="yuv444p"),
    "10-bit": dict(pix_fmt="yuv420p10le"),
    "vfr": dict(pts=[0, 40, 100, 130, 200, 290, 300], frames=7, time_base=Fraction(1, 1000)),
    "two-audio": dict(audio=("aac", "aac")),
    "no-audio": dict(audio=()),
    "late-audio": dict(audio_start=0.1123),  # an offset MP4's default 1 ms edit lists cannot hold
    "pcm-and-opus-mkv": dict(audio=("pcm_s16le", "libopus"), suffix=".mkv"),
}


def _make(tmp_path, name):
    kw = dict(FILMS[name])
    return make_film(tmp_path / f"in{kw.pop('suffix', '.mp4')}", **kw)


def _same_times(a, b, tol):
    return len(a) == len(b) and all(abs(x - y) <= tol for x, y in zip(a, b, strict=False))


@pytest.mark.parametrize("name", list(FILMS))
def test_render_keeps_frames_timestamps_audio_and_luma(tmp_path, tiny_weights, name):
    src = _make(tmp_path, name)
    out = tmp_path / "out.mp4"
    result = render(src, out, render_config(weights=tiny_weights, batch_size=4))
    a, b = video_frames(src), video_frames(out)
    assert result.frames == len(a) == len(b)
    # Matroska stores milliseconds, MP4 the exact rate: allow 1 ms between containers.
    assert _same_times([t for t, _ in a], [t for t, _ in b], 1e-3 if src.suffix != out.suffix else 1e-9)
    peak = 1023 if a[0][1].dtype != np.uint8 else 255
    assert min(psnr(x, y, peak) for (_, x), (_, y) in zip(a, b, strict=False)) >= 40
    pa, pb = packets(src), packets(out)
    assert [[p for p, _ in s] for s in pa] == [[p for p, _ in s] for s in pb]  # bytes, packet for packet
    tol = 0 if src.suffix == out.suffix else 1000  # µs: Matroska keeps milliseconds
    assert all(_same_times([t for _, t in s], [t for _, t in d], tol) for s, d in zip(pa, pb, strict=False))
    with av.open(str(src)) as i, av.open(str(out)) as o:
        vi, vo = i.streams.video[0], o.streams.video[0]
        assert (vo.codec_context.width, vo.codec_context.height) == (vi.codec_context.width, vi.codec_context.height)
        assert len(o.streams.audio) == len(i.streams.audio)
        full = media.film_info(i).code_range.full
        assert (vo.codec_context.color_range == 2) == full


@pytest.mark.parametrize("name", ["yuv420p", "odd-175x143", "10-bit", "yuvj420p"])
def test_luma_is_bit_exact_before_the_encoder(tmp_path, tiny_weights, name):
    """With a lossless encoder (FFV1) the output's luma codes equal the input's."""
    src = _make(tmp_path, name)
    out = tmp_path / "out.mkv"
    render(src, out, render_config(weights=tiny_weights, codec="ffv1"))
    for (_, x), (_, y) in zip(video_frames(src), video_frames(out), strict=True):
        np.testing.assert_array_equal(x, y)


def test_output_is_coloured_and_tagged(tmp_path, tiny_weights):
    src = make_film(tmp_path / "in.mp4", pix_fmt="gray", codec="libx264")
    out = tmp_path / "out.mp4"
    render(src, out, render_config(weights=tiny_weights))
    with av.open(str(out)) as c:
        frame = next(c.decode(video=0))
        assert frame.format.name.startswith("yuv")
        chroma = np.frombuffer(frame.planes[1], np.uint8)
        assert chroma.std() > 0 or abs(int(chroma.mean()) - 128) > 2  # not the neutral plane


def test_rate_is_kept_exactly(tmp_path, tiny_weights):
    src = make_film(tmp_path / "in.mp4", rate=Fraction(24000, 1001), frames=5)
    out = tmp_path / "out.mp4"
    render(src, out, render_config(weights=tiny_weights))
    with av.open(str(out)) as c:
        assert c.streams.video[0].average_rate == Fraction(24000, 1001)


def test_preview_start_and_duration(tmp_path, tiny_weights):
    src = make_film(tmp_path / "in.mp4", frames=48, rate=Fraction(24))
    out = tmp_path / "out.mp4"
    result = render(src, out, render_config(weights=tiny_weights, start=0.5, duration=1.0))
    times = [t for t, _ in video_frames(out)]
    assert result.frames == len(times) == 24
    assert times[0] == pytest.approx(0.0) and times[-1] == pytest.approx(23 / 24)
    source = dict(video_frames(src))
    first = video_frames(out)[0][1]
    assert psnr(source[0.5], first) >= 40  # the preview starts at the frame shown at 0.5 s
    audio = packets(out)[0]
    assert audio and all(0 <= t < 1_000_000 + 50_000 for _, t in audio)


def test_a_preview_to_the_end_of_the_film(tmp_path, tiny_weights):
    src = make_film(tmp_path / "in.mp4", frames=48, rate=Fraction(24))
    result = render(src, tmp_path / "out.mp4", render_config(weights=tiny_weights, start=0.5))
    times = [t for t, _ in video_frames(tmp_path / "out.mp4")]
    assert result.frames == len(times) == 36 and times[0] == pytest.approx(0.0)


def test_audio_the_container_cannot_hold_is_transcoded_and_said(tmp_path, tiny_weights, caplog):
    src = make_film(tmp_path / "in.mkv", audio=("pcm_u8", "aac"))
    out = tmp_path / "out.mp4"
    render(src, out, render_config(weights=tiny_weights))
    assert "transcoded to AAC" in caplog.text
    with av.open(str(out)) as c:
        assert [s.codec_context.name for s in c.streams.audio] == ["aac", "aac"]
        assert c.streams.audio[0].duration * c.streams.audio[0].time_base > 0.2
    assert [p for p, _ in packets(src)[1]] == [p for p, _ in packets(out)[1]]  # the AAC stream itself is still a copy


def test_subtitles_are_copied_where_the_container_allows(tmp_path, tiny_weights, caplog):
    film = make_film(tmp_path / "v.mkv")
    srt = tmp_path / "s.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:00,100\nHello\n\n2\n00:00:00,100 --> 00:00:00,200\nthere\n")
    src = tmp_path / "in.mkv"
    with av.open(str(film)) as v, av.open(str(srt)) as s, av.open(str(src), "w") as out:
        streams = {(c, st.index): out.add_stream_from_template(st) for c in (v, s) for st in c.streams}
        for container in (v, s):
            for p in container.demux():
                if p.size:
                    p.stream = streams[container, p.stream.index]
                    out.mux(p)
    render(src, tmp_path / "out.mkv", render_config(weights=tiny_weights))
    assert (
        packets(tmp_path / "out.mkv", "subtitle") == packets(src, "subtitle") == [[(b"Hello", 0), (b"there", 100000)]]
    )
    render(src, tmp_path / "out.mp4", render_config(weights=tiny_weights))
    assert "subtitle stream #2 (subrip) cannot go into mp4" in caplog.text
