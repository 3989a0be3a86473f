"""The damage a film shows as it is read: packets FFmpeg cannot decode, frames decoded with
errors, frames missing between two timestamps, an end short of what the container declares.

The reader (`filmcolor.media.reader`) hands each packet and frame to an `Inspector`, which
either stops the read at the first damage (`--damaged stop`) or notes it and lets the read go
on without what was lost (`--damaged skip`)."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, replace
from fractions import Fraction

import av

from ..configs import DAMAGED_CHOICES
from ..errors import DecodeError, InputError
from .probe import declared_end, ffmpeg_reason, time_base, video_stream

# demuxer names of the MP4 family: containers that keep each frame's duration, and whose files
# may hold movie fragments (moof)
_MOV_FAMILY = {"mov", "mp4", "m4a", "3gp", "3g2", "mj2"}

# two frames more than this many frame periods apart: the two or more between are lost (one
# frame's gap is within a VFR film's jitter)
GAP_PERIODS = Fraction(5, 2)
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


class Inspector:
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
        # each frame's own duration stored (MP4's sample table)
        self.durations = any(name in _MOV_FAMILY for name in container.format.name.split(","))
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
            # one stretch
            self.notes[-1] = replace(last, end=max(last.end, damage.end), frames=last.frames + damage.frames)
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
        # one stretch, told once
        inside = [d for d in self.notes if d.what == "could not be decoded" and d.frame < 0 and ta < d.start < tb]
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


def check_complete(container: av.container.InputContainer, frames: int | None, last: float | None) -> Damage | None:
    """After decoding to the end: what is missing at the end (None if nothing is). The film has
    `frames` frames in all (None when the read did not start at the film's start, so only its
    end is checked), the last at `last` seconds.

    A damaged film often decodes without an error and just stops early; compare with what the
    container declares, leaving slack for edit lists and rounding, so only real losses count."""
    video = video_stream(container)
    # the film's own frame period: a variable-rate film's guessed rate is a fine common tick
    period = 1 / float(video.average_rate or video.guessed_rate or 24)
    cut = _cut_fragments(container, video)
    if cut is not None:
        t = last + period if last is not None else 0.0
        lost = max(1, cut - frames) if frames is not None else 1  # at least: what followed the cut is unknown
        why = "the file ends inside a fragment, and how much followed is unknown"
        return Damage(t, t + lost * period, lost, "missing", why=why)
    end = declared_end(video)
    missing_frames = video.frames - frames if video.frames and frames is not None else 0
    short = end - (last + period) if end is not None and last is not None else 0.0
    if missing_frames > max(2, 0.01 * video.frames) or short > max(3 * period, 0.01 * (end or 0)):
        lost = max(missing_frames, round(short / period))
        t = last + period if last is not None else 0.0
        return Damage(t, end if end is not None else t + lost * period, lost, "missing")
    return None


def _cut_fragments(container: av.container.InputContainer, video: av.video.stream.VideoStream) -> int | None:
    """For a fragmented MP4 cut short, the video frames its whole fragments declare (those
    after the cut are not known); None for any other file. Such a file has no sample table to say how long the film is: each
    fragment declares its own samples, so a cut leaves a film that just ends early, whole to
    the last fragment read. A cut shows as the file's last box running past its end."""
    if not _MOV_FAMILY & set(container.format.name.split(",")):
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
