"""The media layer's reading side (PyAV only): what a film is, and its frames as decoded.

Reading gives the luma plane's own code values at full resolution, whatever the pixel
format, and the film's facts (size, rate, time base, range, matrix, colour tags) that the
writer (`filmcolor.media.writer`) needs to keep them.
"""

from __future__ import annotations

import heapq
import logging
import math
import os
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Literal, overload

import av
import numpy as np
from av.sidedata.sidedata import Type as SideDataType

from ..colour import CodeRange
from ..configs import DAMAGED_CHOICES, STREAM_HELP as STREAM_HELP  # the settings' facts, where the CLI reads them
from ..errors import DecodeError, InputError
from ..inputs import check_input as check_input

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
_MOV_FAMILY = {"mov", "mp4", "m4a", "3gp", "3g2", "mj2"}  # demuxer names of containers that keep each frame's duration


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
    display_matrix: tuple[int, ...] | None = (
        None  # how players rotate or flip the picture (FFmpeg's 3x3 display matrix), as the film has it
    )
    stream: int = 0  # the index (as ffprobe numbers streams) of the video stream read: `video_stream`
    field_order: int = 0  # FFmpeg's AVFieldOrder: 0 unknown, 1 progressive, 2-5 interlaced (`writer.FIELDS`)


@dataclass(frozen=True)
class LumaFrame:
    index: int  # 0-based position in the render
    pts: int  # in FilmInfo.time_base, already shifted by any --start offset
    luma: np.ndarray  # (H, W) uint8 or uint16 codes, exactly as decoded


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
    end = _declared_end(stream)
    start = float(stream.start_time * time_base(stream)) if stream.start_time is not None else 0.0
    length = (end - start) if end is not None else 0.0
    return round(length * float(stream.average_rate or stream.guessed_rate or 24))


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
    fmt = _readable_format(cc.format.name)
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
    rows = np.frombuffer(memoryview(plane), dtype).reshape(plane.height, -1)  # (H, linesize / item size)
    return rows[:, : plane.width].copy()


@dataclass(frozen=True)
class Decoded:
    """One decoded video frame, numbered and timed by the reader."""

    index: int  # 0-based place among the film's packets (that of a packet that could not be decoded goes unused)
    pts: int  # in the video stream's time base; a frame without one gets its predecessor's plus one period
    frame: av.VideoFrame

    def luma(self) -> np.ndarray:
        return luma_plane(self.frame)


GAP_PERIODS = Fraction(
    5, 2
)  # two frames more than this many frame periods apart: the two or more between are lost (one frame's gap is within a VFR film's jitter)
SKIP_ADVICE = "pass --damaged skip to render it without what is lost"


@dataclass(frozen=True)
class Damage:
    """A stretch of a film that is lost (left out of what is read), or frames that decoded with
    errors (`kept`: read as decoded)."""

    start: float  # seconds
    end: float
    frames: int  # frames in it: lost, or (`kept`) decoded with errors
    what: str  # what is wrong there: "missing", "could not be decoded", "lost" (both), "decoded with errors"
    frame: int = -1  # the first frame read after a lost stretch, or the first frame kept with errors (numbered as the reader numbers them)
    kept: bool = False  # decoded with errors and read as decoded, not left out
    why: str = ""  # more: FFmpeg's reason, or how a lost stretch is made up

    def __str__(self) -> str:
        n = f"{self.frames} frame{'s' if self.frames != 1 else ''}"
        why = f" ({self.why})" if self.why else ""
        if self.kept:
            which = f"frame {self.frame}" if self.frames == 1 else f"frames {self.frame}-{self.frame + self.frames - 1}"
            return f"{which} at {self._span()} {self.what}{why}"
        where = f"before frame {self.frame}" if self.frame >= 0 else "at the end"
        return f"{n} {self.what} at {self._span()}, {where}{why}"

    def _span(self) -> str:
        return f"{self.start:.2f} s" if self.end - self.start < 0.005 else f"{self.start:.2f}-{self.end:.2f} s"


class _Inspector:
    """Watches a film being read for damage: a packet FFmpeg cannot decode, a frame decoded with
    errors, frames missing between two timestamps, an end short of what the container
    declares. With `damaged="stop"` the first one ends the read (DecodeError, naming where;
    `advice`: say how to skip it); with "skip" each is noted in `notes` once, neighbours merged,
    and reading goes on without what was lost.

    Missing frames: two frames more than GAP_PERIODS frame periods apart (the rate FFmpeg
    guesses the timestamps are counted in; exact arithmetic), less the packets between that
    could not be decoded (noted already). Such a gap is a loss where the frame after it is a
    sync frame of a constant-rate film (whole groups of pictures may be gone), where packets
    between failed, or where the container keeps each frame's duration (MP4) and the frame
    before it ends early; else it is a held frame: in a variable-rate film (`varies`) a frame
    may be held before any frame, and before a frame coded from the one before nothing between
    was in the stream. (Frames cut out of a group of pictures without a decoding error
    look exactly like a held frame, and are taken as one.) Only damage within the span read
    ([start, end), in the stream's pts) is noted, so a film read in segments reports each
    stretch once, as one pass does."""

    def __init__(
        self,
        container: av.container.InputContainer,
        stream: av.video.stream.VideoStream,
        damaged: str | None,
        notes: list[Damage] | None,
        span: tuple[int | None, int | None],
    ) -> None:
        if damaged is not None and damaged not in DAMAGED_CHOICES:
            raise InputError(f"--damaged {damaged}: use {' or '.join(DAMAGED_CHOICES)}")
        self.container, self.stop, self.advice = container, damaged != "skip", damaged is not None
        self.notes = notes if notes is not None else []
        self.tb, self.rate = time_base(stream), Fraction(stream.guessed_rate or stream.average_rate or 24)
        self.period = float(1 / self.rate)
        self.durations = any(
            name in _MOV_FAMILY for name in container.format.name.split(",")
        )  # each frame's own duration stored (MP4's sample table)
        self.span = span
        self.index = stream.index
        self.variable: bool | None = None  # the film variable-rate: `_varies`, once asked
        self.failed: list[float] = []  # times of the packets that could not be decoded, not yet counted in a gap
        self.last_failed: float | None = None

    def _in_span(self, pts: int | None) -> bool:
        start, end = self.span
        return pts is None or ((start is None or pts >= start) and (end is None or pts < end))

    def _note(self, damage: Damage) -> None:
        last = self.notes[-1] if self.notes else None
        if (
            last
            and last.what == damage.what
            and last.kept == damage.kept
            and (last.frame < 0 or (damage.kept and last.frame + last.frames == damage.frame))
        ):
            self.notes[-1] = replace(
                last, end=max(last.end, damage.end), frames=last.frames + damage.frames
            )  # one stretch
        else:
            self.notes.append(damage)
        if self.stop and damage.kept:
            self._refuse(self.notes[-1])

    def _refuse(self, damage: Damage) -> None:
        advice = f"; {SKIP_ADVICE}" if self.advice else ""
        raise DecodeError(f"{self.container.name}: the film is damaged: {damage}{advice}")

    def decode(self, packet: av.Packet, last_pts: int | None) -> list[av.VideoFrame]:
        """The packet's frames; none where it cannot be decoded."""
        try:
            return packet.decode()
        except av.error.FFmpegError as exc:
            pts = packet.pts if packet.pts is not None else last_pts
            t = float(pts * self.tb) if pts is not None else 0.0
            self.failed.append(t)  # a gap across it counts it, wherever it was noted
            if not self._in_span(pts):
                return []  # noted by the read of the span it is in (the segment before)
            self.last_failed = max(t, self.last_failed or t)
            self._note(Damage(t, t + self.period, 1, "could not be decoded", why=ffmpeg_reason(exc)))
            return []

    def frame(self, frame: av.VideoFrame, pts: int, index: int, last_pts: int | None, last_duration: int) -> None:
        """Check a frame about to be read as `index`: the gap since the one before (`last_pts`,
        lasting `last_duration`), the frame itself; and number what was lost before it."""
        t = float(pts * self.tb)
        if last_pts is not None:
            self._gap(last_pts, last_duration, pts, bool(frame.key_frame))
        self.settle(index, t)
        if frame.is_corrupt:
            self._note(Damage(t, t, 1, "decoded with errors", frame=index, kept=True))

    def _gap(self, a: int, duration: int, b: int, key: bool) -> None:
        periods = (b - a) * self.tb * self.rate
        ta, tb = float(a * self.tb), float(b * self.tb)
        between = [t for t in self.failed if ta < t < tb]  # lost packets, already noted
        self.failed = [t for t in self.failed if t >= tb]
        if periods <= GAP_PERIODS:
            return
        ends_early = self.durations and duration > 0 and (a + duration - b) * self.tb * self.rate < Fraction(-1, 2)
        held = not between and not ends_early and (not key or self._varies())
        lost = round(periods) - 1 - len(between)
        if held or lost <= 0:
            return
        inside = [
            d for d in self.notes if d.what == "could not be decoded" and d.frame < 0 and ta < d.start < tb
        ]  # one stretch, told once
        if not inside:
            self.notes.append(Damage(ta + self.period, tb, lost, "missing"))
            return
        self.notes[:] = [d for d in self.notes if not any(d is i for i in inside)]
        failed = sum(d.frames for d in inside)
        why = f"{failed} could not be decoded: {inside[0].why}; {lost} gave no picture"
        self.notes.append(Damage(ta + self.period, tb, lost + failed, "lost", why=why))

    def _varies(self) -> bool:
        """Whether the film is variable-rate (`varies`): asked only at a gap before a sync frame,
        the one gap a constant-rate film's loss and a variable-rate film's held frame share."""
        if self.variable is None:
            self.variable = varies(self.container.name, self.index)
        return self.variable

    def settle(self, index: int, t: float | None = None) -> None:
        """Number the lost stretches before time `t` (all, without): `index` is the frame read
        after them. Those not numbered yet are the last few notes (a frame read numbers all before it)."""
        first = len(self.notes)
        while first and self.notes[first - 1].frame < 0 and not self.notes[first - 1].kept:
            first -= 1
        for i in range(first, len(self.notes)):
            d = self.notes[i]
            if t is None or d.start < t:
                self.notes[i] = replace(d, frame=index)
                if self.stop:
                    self._refuse(self.notes[i])

    def end(self, frames: int | None, last: float | None) -> None:
        """After reading to the end: the film must have been all there (`check_complete`);
        `frames` read (None: the read did not start at the film's start), the last at `last` s."""
        if self.last_failed is not None and (last is None or self.last_failed > last):
            last = self.last_failed
        short = check_complete(self.container, frames, last)
        if short is None:
            return
        if self.stop:
            video = video_stream(self.container)
            total = f"{video.frames} frames" if video.frames else f"{short.end:.2f} s"
            where = f"frame {frames}" if frames is not None else "the end"
            at = f"{last:.2f} s" if last is not None else "the start"
            advice = "; pass --damaged skip to render what is there" if self.advice else ""
            why = short.why or f"its container declares {total}"
            raise DecodeError(
                f"{self.container.name}: the film breaks at {where} ({at}); {why}, so the file is truncated or damaged{advice}"
            )
        self.notes.append(short)


VARYING_SHARE = 0.01  # of a film's frame intervals off its usual one, above which it is variable-rate


def varies(path: str, index: int) -> bool:
    """Whether video stream `index` of film `path` is variable-rate: frame durations that vary
    elsewhere than at its gaps (as screen and phone recordings have throughout), by more than
    its time base's rounding, in more than a few intervals. Such a film holds frames as it
    goes, before any kind of frame; a constant-rate film never does, so there a gap is loss.
    Read from the packets' timestamps alone (no decoding), in a second opening of the file;
    measured against the usual interval, not the rate FFmpeg guesses (for such a film, often
    a fine common tick of its timestamps)."""
    times: list[int] = []
    try:
        with av.open(path, metadata_errors="replace") as container:
            for packet in container.demux(container.streams[index]):
                if packet.size and packet.pts is not None:
                    times.append(packet.pts)
    except av.error.FFmpegError:
        pass  # a damaged film: what was read before the damage
    times.sort()
    steps = sorted(b - a for a, b in zip(times, times[1:], strict=False) if b > a)
    if not steps:
        return False
    usual = steps[len(steps) // 2]
    steps = [d for d in steps if d <= GAP_PERIODS * usual]  # not the gaps
    slack = max(Fraction(3, 2), Fraction(usual, 100))  # a tick of rounding, in ticks
    off = sum(abs(d - usual) > slack for d in steps)
    return off >= max(2, VARYING_SHARE * len(steps))


@overload
def read(
    container: av.container.InputContainer,
    start: int | None = None,
    end: int | None = None,
    first_index: int = 0,
    packets: Literal[False] = False,
    rebase: bool = False,
    damaged: str | None = None,
    notes: list[Damage] | None = None,
    before: int | None = None,
) -> Iterator[Decoded]: ...


@overload
def read(
    container: av.container.InputContainer,
    start: int | None = None,
    end: int | None = None,
    first_index: int = 0,
    *,
    packets: bool,
    rebase: bool = False,
    damaged: str | None = None,
    notes: list[Damage] | None = None,
    before: int | None = None,
) -> Iterator[Decoded | av.Packet]: ...


def read(
    container: av.container.InputContainer,
    start: int | None = None,
    end: int | None = None,
    first_index: int = 0,
    packets: bool = False,
    rebase: bool = False,
    damaged: str | None = None,
    notes: list[Damage] | None = None,
    before: int | None = None,
) -> Iterator[Decoded | av.Packet]:
    """The film's video frames (of `video_stream`), decoded in order, with pts in [start, end)
    (the video stream's time base; None: from the first, to the last); the one frame reader of
    every command.

    Decodes on FFmpeg's threads, gives a frame without a timestamp its predecessor's plus one
    frame period, flushes the decoder so no trailing frame is lost, and watches for damage
    (`_Inspector`): with `damaged="stop"` a damaged film ends in a DecodeError naming where and
    saying how to skip it (None: the same, for a command without --damaged), with "skip" the
    damage found is appended to `notes` and the rest is read. `start` is sought to (the sync
    frame at or before it) and the frames before it are decoded but dropped, so a start at a
    sync frame costs nothing extra. A frame's number is its place among the film's packets
    (`first_index`: that of the span's first), so after damage a frame has the same number
    read in one pass or in segments; `before`, the pts of the film's frame before `start` (a
    segment's read), so frames lost just before `start` are found as in one pass.

    With `packets`, the other streams' packets come too, in the container's order, within the
    same time span (a whole film keeps all, priming packets before 0 included); `rebase`
    moves every timestamp back by `start` so the excerpt starts where the film did (a preview).
    """
    video = video_stream(container)
    inspector = _Inspector(container, video, damaged, notes, (start, end))
    video.thread_type = "AUTO"
    tb = time_base(video)
    origin = video.start_time or 0
    if (
        start is not None and start > origin
    ):  # from the sync frame before the one before `start`: the decoder's state as in one pass, damage and all
        container.seek(start if before is None else before, stream=video, backward=True, any_frame=False)
    begin, stop = (None if start is None else float(start * tb)), (None if end is None else float(end * tb))
    shift = {s.index: (int(begin / s.time_base) if rebase and begin and s.time_base else 0) for s in container.streams}
    last_pts, last_duration = before, 0
    index, behind, read_frames = (
        first_index - 1,
        first_index,
        0,
    )  # the last frame's number; packets before the next frame; frames read
    waiting: list[int] = []  # pts of the span's packets not yet behind a frame read (a heap)
    step = max(1, round(1 / (video.average_rate or 24) / tb))  # pts step for frames that carry none
    for packet in container.demux() if packets else container.demux(video):
        if packet.stream.index != video.index:
            if packet.stream.type == "video" or packet.size == 0 or packet.pts is None:
                continue
            t = float(packet.pts * time_base(packet.stream))
            if (begin and t < begin) or (stop is not None and t >= stop):
                continue  # outside the span
            packet.pts -= shift[packet.stream.index]
            if packet.dts is not None:
                packet.dts -= shift[packet.stream.index]
            yield packet
            continue
        if (
            packet.size
            and packet.pts is not None
            and (start is None or packet.pts >= start)
            and (end is None or packet.pts < end)
        ):
            heapq.heappush(waiting, packet.pts)
        for frame in inspector.decode(packet, last_pts):
            pts = frame.pts if frame.pts is not None else ((start or 0) if last_pts is None else last_pts + step)
            if start is not None and pts < start:
                last_pts, last_duration = pts, frame.duration or 0
                continue
            while waiting and waiting[0] < pts:  # packets shown before this frame: read, lost or undecodable
                heapq.heappop(waiting)
                behind += 1
            if end is not None and pts >= end:
                inspector.settle(behind, float(pts * tb))
                return
            index = max(behind, index + 1)  # (a film without timestamps: one after another)
            inspector.frame(frame, pts, index, last_pts, last_duration)
            last_pts, last_duration = pts, frame.duration or 0
            read_frames += 1
            yield Decoded(index=index, pts=pts - shift[video.index], frame=frame)
    if not read_frames and (inspector.stop or (start is None and end is None)):
        if begin is not None and last_pts is not None:
            raise DecodeError(
                f"{container.name} has no frame at or after {begin:.2f} s: its last frame is at {float(last_pts * tb):.2f} s"
            )
        raise DecodeError(f"{container.name}: no frame could be decoded; the film may be truncated or corrupt")
    count = max(behind + len(waiting), index + 1)  # the span's packets, to its end
    inspector.settle(count)
    if end is None:  # read to the end: the film must have been all there
        inspector.end(None if rebase else count, None if last_pts is None else float(last_pts * tb))


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


def _declared_end(stream: av.stream.Stream) -> float | None:
    """Where the video stream ends, in seconds, as its container states it: its start plus its
    length (MP4 header), or Matroska's DURATION tag, which FFmpeg writes as the track's end."""
    start = float(stream.start_time * time_base(stream)) if stream.start_time is not None else 0.0
    if stream.duration:
        return start + float(stream.duration * time_base(stream))
    tag = next((v for k, v in stream.metadata.items() if k.upper() == "DURATION"), None)
    match = re.match(r"^(\d+):(\d\d):(\d\d(?:\.\d+)?)$", tag or "")
    return int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3]) if match else None


def check_complete(container: av.container.InputContainer, frames: int | None, last: float | None) -> Damage | None:
    """After decoding to the end: what is missing at the end (None if nothing is). The film has
    `frames` frames in all (None when the read did not start at the film's start, so only its
    end is checked), the last at `last` seconds.

    A damaged film often decodes without an error and just stops early; compare with what the
    container declares, leaving slack for edit lists and rounding, so only real losses count."""
    video = video_stream(container)
    period = 1 / float(
        video.average_rate or video.guessed_rate or 24
    )  # the film's own frame period: a variable-rate film's guessed rate is a fine common tick
    cut = _cut_fragments(container, video)
    if cut is not None:
        t = last + period if last is not None else 0.0
        lost = max(1, cut - frames) if frames is not None else 1  # at least: what followed the cut is unknown
        why = "the file ends inside a fragment, and how much followed is unknown"
        return Damage(t, t + lost * period, lost, "missing", why=why)
    end = _declared_end(video)
    missing_frames = video.frames - frames if video.frames and frames is not None else 0
    short = end - (last + period) if end is not None and last is not None else 0.0
    if missing_frames > max(2, 0.01 * video.frames) or short > max(3 * period, 0.01 * (end or 0)):
        lost = max(missing_frames, round(short / period))
        t = last + period if last is not None else 0.0
        return Damage(t, end if end is not None else t + lost * period, lost, "missing")
    return None


_FRAGMENTED = {"mov", "mp4", "m4a", "3gp", "3g2", "mj2"}  # demuxers whose files may hold movie fragments (moof)


def _cut_fragments(container: av.container.InputContainer, video: av.video.stream.VideoStream) -> int | None:
    """For a fragmented MP4 cut short, the video frames its whole fragments declare (those
    after the cut are not known); None for any other file. Such a file has no sample table to say how long the film is: each
    fragment declares its own samples, so a cut leaves a film that just ends early, whole to
    the last fragment read. A cut shows as the file's last box running past its end."""
    if not _FRAGMENTED & set(container.format.name.split(",")):
        return None
    declared, fragmented = 0, False
    try:
        with open(container.name, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            for kind, start, length in _boxes(f, 0, size):
                if start + length > size:
                    return declared if fragmented else None
                if kind == b"moof":
                    fragmented = True
                    f.seek(start)
                    declared += _fragment_samples(f.read(length), video.id)
    except (OSError, struct.error):
        return None  # not a file we can walk: the other checks stand
    return None


def _boxes(f, offset: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """The ISO boxes from `offset` to `end` of the file `f`: (type, start, length as declared)."""
    while offset + 8 <= end:
        f.seek(offset)
        length, kind = struct.unpack(">I4s", f.read(8))
        if length == 1:
            length = struct.unpack(">Q", f.read(8))[0]
        elif length == 0:  # to the end of the file
            length = end - offset
        if length < 8:
            return  # not a box: the demuxer says what it makes of it
        yield kind, offset, length
        offset += length


def _fragment_samples(moof: bytes, track: int) -> int:
    """Samples of track `track` that a movie fragment (a whole moof box) declares: its trun
    boxes' sample counts, in the traf whose tfhd names the track."""
    total, offset = 0, 8
    while offset + 8 <= len(moof):
        length, kind = struct.unpack_from(">I4s", moof, offset)
        if length < 8:
            break
        if kind == b"traf":
            traf, inner, mine = moof[offset : offset + length], 8, False
            while inner + 8 <= len(traf):
                size, box = struct.unpack_from(">I4s", traf, inner)
                if size < 8:
                    break
                if box == b"tfhd":
                    mine = struct.unpack_from(">I", traf, inner + 12)[0] == track
                elif box == b"trun" and mine:
                    total += struct.unpack_from(">I", traf, inner + 12)[0]
                inner += size
        offset += length
    return total
