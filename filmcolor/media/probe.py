"""What a film is, before a frame is decoded: its video stream (which one, when it has several),
and the facts of it (size, rate, time base, range, matrix, colour tags, rotation) that the
reader needs to read it and the writer (`filmcolor.media.writer`) to keep them."""

from __future__ import annotations

import logging
import math
import os
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.sidedata.sidedata import Type as SideDataType

from ..colour import CodeRange
from ..errors import DecodeError, InputError
from ..inputs import check_input

log = logging.getLogger(__name__)

DISPLAYMATRIX = SideDataType.DISPLAYMATRIX
_STILL = av.stream.Disposition.attached_pic | av.stream.Disposition.still_image  # cover art, a poster: not the film

# Formats whose plane 0 holds the luma alone, little-endian: read as they are.
_LUMA_PLANE_FORMATS = re.compile(
    r"^(gray(9|10|12|14|16)?(le)?|yuva?j?(410|411|420|422|440|444)p(9|10|12|14|16)?(le)?|nv(12|21|16|24|42))$"
)
# AVColorSpace values -> our matrix names (2 = unspecified, guessed from the height as players do).
_MATRIX_OF_COLORSPACE = {1: "bt709", 5: "bt601", 6: "bt601", 7: "bt601", 9: "bt2020", 10: "bt2020"}
_RANGE_MPEG, _RANGE_JPEG = 1, 2  # AVColorRange


@dataclass(frozen=True)
class FilmInfo:
    """What the render needs to know about a film's video stream."""

    width: int
    height: int
    pix_fmt: str  # as decoded
    code_range: CodeRange  # bit depth and range of the luma codes we read
    matrix: str  # Y'CbCr matrix the chroma belongs to ("bt601", "bt709", "bt2020")
    time_base: Fraction
    rate: Fraction  # average frame rate, exact (24000/1001 stays 24000/1001)
    frames: int  # frame count if the container says, else an estimate from the duration
    start: float  # seconds of the first timestamp
    tags: dict  # colour tags to copy: color_range, colorspace, color_primaries, color_trc
    sample_aspect_ratio: Fraction | None
    # how players rotate or flip the picture (FFmpeg's 3x3 display matrix), as the film has it
    display_matrix: tuple[int, ...] | None = None
    stream: int = 0  # the index (as ffprobe numbers streams) of the video stream read: `video_stream`
    field_order: int = 0  # FFmpeg's AVFieldOrder: 0 unknown, 1 progressive, 2-5 interlaced (`writer.FIELDS`)


def open_film(path: str | Path) -> av.container.InputContainer:
    """Open a film for reading; InputError when FFmpeg cannot read it or it has no video."""
    path = check_input(path)
    try:
        container = av.open(str(path), metadata_errors="replace")
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not a film FFmpeg can read ({ffmpeg_reason(exc)})") from None
    if not container.streams.video:
        container.close()
        raise InputError(f"{path} has no video stream")
    return container


def ffmpeg_reason(exc: Exception) -> str:
    """FFmpeg's own words for what went wrong, on one line."""
    return getattr(exc, "strerror", None) or str(exc).splitlines()[0]


_CHOSEN: dict[str, int] = {}  # film file -> the video stream a command asked for (`choose_stream`)
_SAID: set[tuple[str, int]] = set()  # (film file, stream) whose choice was said already in this process


def choose_stream(path: str | Path, stream: int | None) -> None:
    """Read video stream `stream` (its index, as ffprobe numbers streams) of the film `path`
    wherever this process reads it (the render's reader, its segments, the join, the guide);
    None: the main one (`video_stream`)."""
    key = os.path.realpath(path)
    if stream is None:
        _CHOSEN.pop(key, None)
    else:
        _CHOSEN[key] = stream


def time_base(stream: av.stream.Stream) -> Fraction:
    """A stream's time base. FFmpeg gives every stream it reads one (PyAV says None only for
    0/0), so a stream without one is a broken file: InputError naming it."""
    if stream.time_base is None:
        raise InputError(f"{stream.container.name}: stream #{stream.index} has no time base; the file may be damaged")
    return stream.time_base


def _frame_count(stream: av.stream.Stream) -> int:
    """A stream's frames as its container declares them, else estimated from its length."""
    if stream.frames:
        return stream.frames
    end = declared_end(stream)
    start = float(stream.start_time * time_base(stream)) if stream.start_time is not None else 0.0
    length = (end - start) if end is not None else 0.0
    return round(length * float(stream.average_rate or stream.guessed_rate or 24))


def declared_end(stream: av.stream.Stream) -> float | None:
    """Where the video stream ends, in seconds, as its container states it: its start plus its
    length (MP4 header), or Matroska's DURATION tag, which FFmpeg writes as the track's end."""
    start = float(stream.start_time * time_base(stream)) if stream.start_time is not None else 0.0
    if stream.duration:
        return start + float(stream.duration * time_base(stream))
    tag = next((v for k, v in stream.metadata.items() if k.upper() == "DURATION"), None)
    match = re.match(r"^(\d+):(\d\d):(\d\d(?:\.\d+)?)$", tag or "")
    return int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3]) if match else None


def video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    """The video stream the film is read from: the one `choose_stream` named for this file, else
    the main one as FFmpeg picks it: not a still (an attached picture, cover art), the most
    frames, then the largest picture. InputError for a chosen index that is no video stream."""
    chosen = _CHOSEN.get(os.path.realpath(container.name))
    videos = list(container.streams.video)
    if chosen is not None:
        stream = next((s for s in videos if s.index == chosen), None)
        if stream is None:
            have = ", ".join(f"#{s.index}" for s in videos)
            raise InputError(
                f"--stream {chosen}: {container.name} has no video stream #{chosen} (its video streams: {have})"
            )
        if stream.disposition & av.stream.Disposition.attached_pic:
            raise InputError(
                f"--stream {chosen}: stream #{chosen} of {container.name} is its cover art, not a film; leave out --stream to read the film"
            )
        return stream

    def rank(s: av.video.stream.VideoStream) -> tuple:
        cc = s.codec_context
        return (not (s.disposition & _STILL), _frame_count(s), (cc.width or 0) * (cc.height or 0), -s.index)

    return max(videos, key=rank)


def describe_choice(container: av.container.InputContainer) -> str | None:
    """One line saying which video stream is read, for a film with more than one (None for one)."""
    videos = list(container.streams.video)
    if len(videos) < 2:
        return None
    chosen = video_stream(container)

    def what(s: av.video.stream.VideoStream) -> str:
        cc = s.codec_context
        n = _frame_count(s)
        kind = "a still picture" if s.disposition & _STILL else f"{n} frame{'s' if n != 1 else ''}"
        return f"#{s.index} ({cc.name} {cc.width}x{cc.height}, {kind})"

    others = ", ".join(what(s) for s in videos if s is not chosen)
    how = "as asked" if os.path.realpath(container.name) in _CHOSEN else "the main one"
    return f"{container.name} has {len(videos)} video streams: reading {what(chosen)}, {how}; not {others} (--stream N reads another)"


def film_info(container: av.container.InputContainer) -> FilmInfo:
    """The facts of the video stream read (`video_stream`); which one it is, said once in the
    log (as a note) for a film with more than one."""
    stream = video_stream(container)
    said = (os.path.realpath(container.name), stream.index)
    if said not in _SAID:
        _SAID.add(said)
        choice = describe_choice(container)
        if choice:
            log.info(choice)
    cc = stream.codec_context
    if not cc.width or not cc.height or cc.format is None:
        raise InputError(f"{container.name}: the video stream has no picture size; the file may be truncated")
    fmt = readable_format(cc.format.name)
    bits = av.VideoFormat(fmt).components[0].bits
    is_gray = fmt.startswith("gray")
    full = cc.color_range == _RANGE_JPEG or "yuvj" in cc.format.name or (is_gray and cc.color_range != _RANGE_MPEG)
    matrix = _MATRIX_OF_COLORSPACE.get(cc.colorspace, "bt709" if cc.height >= 720 else "bt601")
    rate = stream.average_rate or stream.guessed_rate or Fraction(24)
    duration = (
        float(stream.duration * time_base(stream)) if stream.duration else (container.duration or 0) / av.time_base
    )
    tags = {
        "color_range": _RANGE_JPEG if full else cc.color_range,
        "colorspace": cc.colorspace,
        "color_primaries": cc.color_primaries,
        "color_trc": cc.color_trc,
    }
    return FilmInfo(
        width=cc.width,
        height=cc.height,
        pix_fmt=cc.format.name,
        code_range=CodeRange(bits=bits, full=full),
        matrix=matrix,
        time_base=time_base(stream),
        rate=Fraction(rate),
        frames=stream.frames or max(1, round(duration * float(rate))),
        start=float(stream.start_time * time_base(stream)) if stream.start_time is not None else 0.0,
        tags=tags,
        sample_aspect_ratio=stream.sample_aspect_ratio,
        display_matrix=_display_matrix(container.name, stream.index),
        stream=stream.index,
        field_order=cc.field_order,
    )


def _display_matrix(path: str, index: int) -> tuple[int, ...] | None:
    """The film's display matrix (rotation, flips), from its first frame's side data, which
    FFmpeg fills from the container; None for a film shown as it is stored."""
    try:
        with av.open(path, metadata_errors="replace") as container:
            for frame in container.decode(container.streams[index]):
                matrix = next((bytes(s) for s in frame.side_data if s.type == DISPLAYMATRIX), None)
                return tuple(int(v) for v in np.frombuffer(matrix, "<i4")[:9]) if matrix else None
    except av.error.FFmpegError:
        return None  # a film that breaks at once is reported by the reader
    return None


def chroma_layout(pix_fmt: str) -> str:
    """The chroma subsampling of a pixel format as "420", "422", "444", ... ("420" for gray,
    "444" for RGB): what the writer keeps, where the encoder allows."""
    fmt = av.VideoFormat(pix_fmt)
    if len(fmt.components) < 3:
        return "420"
    w, h = fmt.chroma_width(16), fmt.chroma_height(16)
    return {(16, 16): "444", (16, 8): "440", (8, 16): "422", (8, 8): "420", (4, 16): "411", (4, 4): "410"}.get(
        (w, h), "420"
    )


def readable_format(name: str) -> str:
    """The format we read luma from: the decoded one when its plane 0 is pure luma, else a planar one."""
    if _LUMA_PLANE_FORMATS.match(name):
        return name
    if name.endswith("be") and _LUMA_PLANE_FORMATS.match(name[:-2] + "le"):
        return name[:-2] + "le"
    bits = max(c.bits for c in av.VideoFormat(name).components)
    return "yuv444p" if bits <= 8 else "yuv444p16le"


def seconds_to_pts(seconds: float, time_base: Fraction) -> int:
    """The first pts at or after `seconds` (a microsecond's slack for rounding)."""
    return math.ceil(seconds / time_base - 1e-6)


def video_times(container: av.container.InputContainer) -> tuple[list[int], list[int]]:
    """(every video packet's pts, the sync frames' pts), each sorted, from demuxing alone (no
    decoding: minutes of film a second). Sync frames are the codec's own key frames, where
    decoding can start (not the user's coloured keyframes): where segments may start."""
    video = video_stream(container)
    times, sync = [], []
    try:
        for packet in container.demux(video):
            if packet.size == 0 or packet.pts is None:
                continue
            times.append(packet.pts)
            if packet.is_keyframe:
                sync.append(packet.pts)
    except av.error.FFmpegError as exc:
        raise DecodeError(
            f"{container.name}: the film cannot be read past {len(times)} frames: {ffmpeg_reason(exc)}"
        ) from None
    return sorted(times), sorted(sync)
