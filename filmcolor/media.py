"""The media layer's reading side (PyAV only): what a film is, and its frames as decoded.

Reading gives the luma plane's own code values at full resolution, whatever the pixel
format, and the film's facts (size, rate, time base, range, matrix, colour tags) that the
writer (`filmcolor.writer`) needs to keep them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from .color import CodeRange
from .errors import DecodeError, InputError

# Formats whose plane 0 holds the luma alone, little-endian: read as they are.
_LUMA_PLANE_FORMATS = re.compile(r"^(gray(9|10|12|14|16)?(le)?|yuva?j?(410|411|420|422|440|444)p(9|10|12|14|16)?(le)?|nv(12|21|16|24|42))$")
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


@dataclass(frozen=True)
class LumaFrame:
    index: int  # 0-based position in the render
    pts: int  # in FilmInfo.time_base, already shifted by any --start offset
    luma: np.ndarray  # (H, W) uint8 or uint16 codes, exactly as decoded


def check_input(path: str | Path) -> Path:
    """Refuse what is not a file before FFmpeg sees it, with a message a user can act on."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a film file")
    if path.stat().st_size == 0:
        raise InputError(f"{path} is empty")
    return path


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


def film_info(container: av.container.InputContainer) -> FilmInfo:
    stream = container.streams.video[0]
    cc = stream.codec_context
    if not cc.width or not cc.height or cc.format is None:
        raise InputError(f"{container.name}: the video stream has no picture size; the file may be truncated")
    fmt = _readable_format(cc.format.name)
    bits = av.VideoFormat(fmt).components[0].bits
    is_gray = fmt.startswith("gray")
    full = cc.color_range == _RANGE_JPEG or "yuvj" in cc.format.name or (is_gray and cc.color_range != _RANGE_MPEG)
    matrix = _MATRIX_OF_COLORSPACE.get(cc.colorspace, "bt709" if cc.height >= 720 else "bt601")
    rate = stream.average_rate or stream.guessed_rate or Fraction(24)
    duration = float(stream.duration * stream.time_base) if stream.duration else (container.duration or 0) / av.time_base
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
        time_base=stream.time_base,
        rate=Fraction(rate),
        frames=stream.frames or max(1, round(duration * float(rate))),
        start=float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0,
        tags=tags,
        sample_aspect_ratio=stream.sample_aspect_ratio,
    )


def _readable_format(name: str) -> str:
    """The format we read luma from: the decoded one when its plane 0 is pure luma, else a planar one."""
    if _LUMA_PLANE_FORMATS.match(name):
        return name
    if name.endswith("be") and _LUMA_PLANE_FORMATS.match(name[:-2] + "le"):
        return name[:-2] + "le"
    bits = max(c.bits for c in av.VideoFormat(name).components)
    return "yuv444p" if bits <= 8 else "yuv444p16le"


def luma_plane(frame: av.VideoFrame) -> np.ndarray:
    """(H, W) copy of the frame's luma codes; converted first only for packed or RGB formats."""
    fmt = _readable_format(frame.format.name)
    if fmt != frame.format.name:
        frame = frame.reformat(format=fmt)
    plane = frame.planes[0]
    dtype = np.uint8 if frame.format.components[0].bits <= 8 else np.dtype("<u2")
    rows = np.frombuffer(plane, dtype).reshape(plane.height, -1)
    return rows[:, : plane.width].copy()


@dataclass(frozen=True)
class Decoded:
    """One decoded video frame, numbered and timed by the reader."""

    index: int  # 0-based position in the film (in a segment: counted from its first frame)
    pts: int  # in the video stream's time base; a frame without one gets its predecessor's plus one period
    frame: av.VideoFrame

    def luma(self) -> np.ndarray:
        return luma_plane(self.frame)


def read(
    container: av.container.InputContainer,
    start: int | None = None,
    end: int | None = None,
    first_index: int = 0,
    packets: bool = False,
    rebase: bool = False,
) -> Iterator[Decoded | av.Packet]:
    """The film's video frames, decoded in order, with pts in [start, end) (the video stream's
    time base; None: from the first, to the last); the one frame reader of every command.

    Decodes on FFmpeg's threads, gives a frame without a timestamp its predecessor's plus one
    frame period, names the frame where a damaged film breaks (DecodeError), flushes the
    decoder so no trailing frame is lost, and, when reading to the end, checks the film was
    all there (`check_complete`). `start` is sought to (the keyframe at or before it) and the
    frames before it are decoded but dropped, so a start at a keyframe costs nothing extra.
    `first_index` numbers the first frame kept.

    With `packets`, the other streams' packets come too, in the container's order, within the
    same time span (a whole film keeps all, priming packets before 0 included); `rebase`
    moves every timestamp back by `start` so the excerpt starts where the film did (a preview).
    """
    video = container.streams.video[0]
    video.thread_type = "AUTO"
    tb = video.time_base
    origin = video.start_time or 0
    if start is not None and start > origin:
        container.seek(start, stream=video, backward=True, any_frame=False)
    begin, stop = (None if start is None else float(start * tb)), (None if end is None else float(end * tb))
    shift = {s.index: (int(begin / s.time_base) if rebase and begin and s.time_base else 0) for s in container.streams}
    index, last_pts = first_index, None
    step = max(1, round(1 / (video.average_rate or 24) / tb))  # pts step for frames that carry none
    for packet in container.demux() if packets else container.demux(video):
        if packet.stream.index != video.index:
            if packet.stream.type == "video" or packet.size == 0 or packet.pts is None:
                continue
            t = float(packet.pts * packet.stream.time_base)
            if (begin and t < begin) or (stop is not None and t >= stop):
                continue  # outside the span
            packet.pts -= shift[packet.stream.index]
            if packet.dts is not None:
                packet.dts -= shift[packet.stream.index]
            yield packet
            continue
        for frame in decode_packet(container, packet, index):
            pts = frame.pts if frame.pts is not None else ((start or 0) if last_pts is None else last_pts + step)
            last_pts = pts
            if start is not None and pts < start:
                continue
            if end is not None and pts >= end:
                return
            yield Decoded(index=index, pts=pts - shift[video.index], frame=frame)
            index += 1
    if index == first_index:
        raise DecodeError(f"{container.name}: no frame could be decoded; the film may be truncated or corrupt")
    if end is None:  # read to the end: the film must have been all there
        check_complete(container, None if rebase else index, None if last_pts is None else float(last_pts * tb))


def seconds_to_pts(seconds: float, time_base: Fraction) -> int:
    """The first pts at or after `seconds` (a microsecond's slack for rounding)."""
    return math.ceil(seconds / time_base - 1e-6)


def video_times(container: av.container.InputContainer) -> tuple[list[int], list[int]]:
    """(every video packet's pts, the keyframes' pts), each sorted, from demuxing alone (no
    decoding: minutes of film a second). Where segments may start and how many frames each has."""
    video = container.streams.video[0]
    times, keys = [], []
    try:
        for packet in container.demux(video):
            if packet.size == 0 or packet.pts is None:
                continue
            times.append(packet.pts)
            if packet.is_keyframe:
                keys.append(packet.pts)
    except av.error.FFmpegError as exc:
        raise DecodeError(f"{container.name}: the film cannot be read past {len(times)} frames: {ffmpeg_reason(exc)}") from None
    return sorted(times), sorted(keys)


def decode_packet(container: av.container.InputContainer, packet: av.Packet, decoded: int) -> list[av.VideoFrame]:
    """Decode one packet of the video stream; DecodeError naming the frame where the film
    broke (`decoded` frames came before it), so every reader reports a damaged film alike."""
    try:
        return packet.decode()
    except av.error.FFmpegError as exc:
        rate = float(container.streams.video[0].average_rate or 24)
        raise DecodeError(f"{container.name}: the film breaks at frame {decoded} (about {decoded / rate:.2f} s): {ffmpeg_reason(exc)}") from None


def _declared_duration(stream: av.stream.Stream) -> float | None:
    """The video stream's length as its container states it (MP4 header, Matroska DURATION tag)."""
    if stream.duration:
        return float(stream.duration * stream.time_base)
    tag = next((v for k, v in stream.metadata.items() if k.upper() == "DURATION"), None)
    match = re.match(r"^(\d+):(\d\d):(\d\d(?:\.\d+)?)$", tag or "")
    return int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3]) if match else None


def check_complete(container: av.container.InputContainer, frames: int | None, last: float | None) -> None:
    """After decoding to the end: DecodeError unless the film was all there. The film has
    `frames` frames in all (None when the read did not start at the film's start, so only its
    end is checked), the last at `last` seconds.

    A damaged film often decodes without an error and just stops early; compare with what the
    container declares, leaving slack for edit lists and rounding, so only real losses fail."""
    video = container.streams.video[0]
    period = 1 / float(video.average_rate or 24)
    declared = _declared_duration(video)
    start = float(video.start_time * video.time_base) if video.start_time is not None else 0.0
    missing_frames = video.frames - frames if video.frames and frames is not None else 0
    short = (start + declared) - (last + period) if declared and last is not None else 0.0
    if missing_frames > max(2, 0.01 * video.frames) or short > max(3 * period, 0.01 * (declared or 0)):
        at = f"{last:.2f} s" if last is not None else "the start"
        total = f"{video.frames} frames" if video.frames else f"{declared:.2f} s"
        where = f"frame {frames}" if frames is not None else "the end"
        raise DecodeError(f"{container.name}: the film breaks at {where} ({at}); its container declares {total}, so the file is truncated or damaged")
