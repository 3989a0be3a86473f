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

DISPLAYMATRIX = av.sidedata.sidedata.Type.DISPLAYMATRIX

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
    display_matrix: tuple[int, ...] | None = None  # how players rotate or flip the picture (FFmpeg's 3x3 display matrix), as the film has it


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
        display_matrix=_display_matrix(container.name),
    )


def _display_matrix(path: str) -> tuple[int, ...] | None:
    """The film's display matrix (rotation, flips), from its first frame's side data, which
    FFmpeg fills from the container; None for a film shown as it is stored."""
    try:
        with av.open(path, metadata_errors="replace") as container:
            for frame in container.decode(video=0):
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
    return {(16, 16): "444", (16, 8): "440", (8, 16): "422", (8, 8): "420", (4, 16): "411", (4, 4): "410"}.get((w, h), "420")


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


DAMAGED_CHOICES = ("stop", "skip")  # what a reader does at damage: refuse the film, or note it and go on
GAP_PERIODS = 5  # two frames further apart than this many frame periods: the film between is lost


@dataclass(frozen=True)
class Damage:
    """A stretch of a film that is lost or did not decode cleanly."""

    start: float  # seconds
    end: float
    frames: int  # frames in it, about
    what: str  # what is wrong there

    def __str__(self) -> str:
        return f"{self.start:.2f}-{self.end:.2f} s ({self.what}, about {self.frames} frame{'s' if self.frames != 1 else ''})"


class _Inspector:
    """Watches a film being read for damage: a packet FFmpeg cannot decode, a frame decoded with
    errors, a gap in the timestamps, an end short of what the container declares. With
    `damaged="stop"` the first one ends the read (DecodeError, naming where); with "skip" each
    is noted in `notes` (neighbours merged) and reading goes on without what was lost."""

    def __init__(self, container: av.container.InputContainer, damaged: str, notes: list[Damage] | None) -> None:
        if damaged not in DAMAGED_CHOICES:
            raise InputError(f"--damaged {damaged}: use {' or '.join(DAMAGED_CHOICES)}")
        self.container, self.damaged, self.notes = container, damaged, notes if notes is not None else []
        video = container.streams.video[0]
        self.tb, self.period = video.time_base, 1 / float(video.average_rate or 24)

    def found(self, damage: Damage, index: int) -> None:
        if self.damaged == "stop":
            raise DecodeError(f"{self.container.name}: the film is damaged at frame {index}, {damage}; pass --damaged skip to render it without what is lost")
        last = self.notes[-1] if self.notes else None
        if last and last.what == damage.what and damage.start - last.end <= GAP_PERIODS * self.period:
            self.notes[-1] = Damage(last.start, max(last.end, damage.end), last.frames + damage.frames, last.what)
        else:
            self.notes.append(damage)

    def decode(self, packet: av.Packet, index: int, last_pts: int | None) -> list[av.VideoFrame]:
        """The packet's frames; none where it cannot be decoded."""
        try:
            frames = packet.decode()
        except av.error.FFmpegError as exc:
            pts = packet.pts if packet.pts is not None else last_pts
            t = float(pts * self.tb) if pts is not None else index * self.period
            self.found(Damage(t, t + self.period, 1, f"could not be decoded: {ffmpeg_reason(exc)}"), index)
            return []
        for frame in frames:
            if frame.is_corrupt:
                t = float(frame.pts * self.tb) if frame.pts is not None else index * self.period
                self.found(Damage(t, t + self.period, 1, "decoded with errors"), index)
        return frames

    def gap(self, last_pts: int | None, pts: int, index: int) -> None:
        if last_pts is None:
            return
        a, b = float(last_pts * self.tb), float(pts * self.tb)
        if b - a > GAP_PERIODS * self.period:
            self.found(Damage(a + self.period, b, round((b - a) / self.period) - 1, "missing"), index)

    def end(self, frames: int | None, last: float | None) -> None:
        """After reading to the end: the film must have been all there (`check_complete`)."""
        short = check_complete(self.container, frames, last)
        if short is None:
            return
        if self.damaged == "stop":
            video = self.container.streams.video[0]
            total = f"{video.frames} frames" if video.frames else f"{short.end:.2f} s"
            where = f"frame {frames}" if frames is not None else "the end"
            at = f"{last:.2f} s" if last is not None else "the start"
            raise DecodeError(f"{self.container.name}: the film breaks at {where} ({at}); its container declares {total}, so the file is truncated or damaged; pass --damaged skip to render what is there")
        self.notes.append(short)


def read(
    container: av.container.InputContainer,
    start: int | None = None,
    end: int | None = None,
    first_index: int = 0,
    packets: bool = False,
    rebase: bool = False,
    damaged: str = "stop",
    notes: list[Damage] | None = None,
) -> Iterator[Decoded | av.Packet]:
    """The film's video frames, decoded in order, with pts in [start, end) (the video stream's
    time base; None: from the first, to the last); the one frame reader of every command.

    Decodes on FFmpeg's threads, gives a frame without a timestamp its predecessor's plus one
    frame period, flushes the decoder so no trailing frame is lost, and watches for damage
    (`_Inspector`): with `damaged="stop"` a damaged film ends in a DecodeError naming where,
    with "skip" the damage found is appended to `notes` and the rest is read. `start` is sought
    to (the keyframe at or before it) and the frames before it are decoded but dropped, so a
    start at a keyframe costs nothing extra. `first_index` numbers the first frame kept.

    With `packets`, the other streams' packets come too, in the container's order, within the
    same time span (a whole film keeps all, priming packets before 0 included); `rebase`
    moves every timestamp back by `start` so the excerpt starts where the film did (a preview).
    """
    inspector = _Inspector(container, damaged, notes)
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
        for frame in inspector.decode(packet, index, last_pts):
            pts = frame.pts if frame.pts is not None else ((start or 0) if last_pts is None else last_pts + step)
            if start is not None and pts < start:
                last_pts = pts
                continue
            if end is not None and pts >= end:
                return
            inspector.gap(last_pts, pts, index)
            last_pts = pts
            yield Decoded(index=index, pts=pts - shift[video.index], frame=frame)
            index += 1
    if index == first_index:
        raise DecodeError(f"{container.name}: no frame could be decoded; the film may be truncated or corrupt")
    if end is None:  # read to the end: the film must have been all there
        inspector.end(None if rebase else index, None if last_pts is None else float(last_pts * tb))


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


def _declared_end(stream: av.stream.Stream) -> float | None:
    """Where the video stream ends, in seconds, as its container states it: its start plus its
    length (MP4 header), or Matroska's DURATION tag, which FFmpeg writes as the track's end."""
    start = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
    if stream.duration:
        return start + float(stream.duration * stream.time_base)
    tag = next((v for k, v in stream.metadata.items() if k.upper() == "DURATION"), None)
    match = re.match(r"^(\d+):(\d\d):(\d\d(?:\.\d+)?)$", tag or "")
    return int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3]) if match else None


def check_complete(container: av.container.InputContainer, frames: int | None, last: float | None) -> Damage | None:
    """After decoding to the end: what is missing at the end (None if nothing is). The film has
    `frames` frames in all (None when the read did not start at the film's start, so only its
    end is checked), the last at `last` seconds.

    A damaged film often decodes without an error and just stops early; compare with what the
    container declares, leaving slack for edit lists and rounding, so only real losses count."""
    video = container.streams.video[0]
    period = 1 / float(video.average_rate or 24)
    end = _declared_end(video)
    missing_frames = video.frames - frames if video.frames and frames is not None else 0
    short = end - (last + period) if end is not None and last is not None else 0.0
    if missing_frames > max(2, 0.01 * video.frames) or short > max(3 * period, 0.01 * (end or 0)):
        lost = max(missing_frames, round(short / period))
        t = last + period if last is not None else 0.0
        return Damage(t, end if end is not None else t + lost * period, lost, "missing at the end")
    return None
