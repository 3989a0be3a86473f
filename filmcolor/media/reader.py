"""The media layer's reading side (PyAV only): a film's frames as decoded, numbered and timed,
with the luma plane's own code values at full resolution, whatever the pixel format.

Two readers share one span reader (`_Span`): `read` gives the video frames alone (what every
command that looks at a film reads), `read_with_packets` gives them among the other streams'
packets in the container's order (what a command that writes the film again reads, to copy
its sound and subtitles beside the new picture).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass

import av
import numpy as np

from ..errors import DecodeError
from .damage import Damage, Inspector
from .probe import readable_format, time_base, video_stream


@dataclass(frozen=True)
class LumaFrame:
    index: int  # 0-based position in the render
    pts: int  # in FilmInfo.time_base, already shifted by any --start offset
    luma: np.ndarray  # (H, W) uint8 or uint16 codes, exactly as decoded


def luma_plane(frame: av.VideoFrame) -> np.ndarray:
    """(H, W) copy of the frame's luma codes; converted first only for packed or RGB formats."""
    fmt = readable_format(frame.format.name)
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


class _Span:
    """One read of the video stream (`video_stream`) within [start, end) (its time base; None:
    from the first frame, to the last): the stream's packets go in (`decode`), its frames come
    out numbered and timed, watched for damage (`Inspector`); `finish` after the last packet.

    Decodes on FFmpeg's threads and gives a frame without a timestamp its predecessor's plus one
    frame period. `start` is sought to (the sync frame at or before it) and the frames before it
    are decoded but dropped, so a start at a sync frame costs nothing extra. A frame's number is
    its place among the film's packets (`first_index`: that of the span's first), so after
    damage a frame has the same number read in one pass or in segments; `before`, the pts of
    the film's frame before `start` (a segment's read), so frames lost just before `start` are
    found as in one pass. `rebase`: the frames' pts move back by `start` (`offset`)."""

    def __init__(
        self,
        container: av.container.InputContainer,
        start: int | None,
        end: int | None,
        first_index: int,
        damaged: str | None,
        notes: list[Damage] | None,
        before: int | None = None,
        rebase: bool = False,
    ) -> None:
        self.container, self.start, self.end, self.rebase = container, start, end, rebase
        self.video = video_stream(container)
        self.inspector = Inspector(container, self.video, damaged, notes, (start, end))
        self.video.thread_type = "AUTO"
        self.tb = time_base(self.video)
        if start is not None and start > (self.video.start_time or 0):
            # from the sync frame before the one before `start`: the decoder's state as in one pass, damage and all
            container.seek(start if before is None else before, stream=self.video, backward=True, any_frame=False)
        self.begin = None if start is None else float(start * self.tb)  # seconds
        self.stop = None if end is None else float(end * self.tb)  # seconds
        self.shift = self.offset(self.video)
        self.last_pts, self.last_duration = before, 0  # the last frame decoded (read or dropped)
        self.index = first_index - 1  # the last frame's number
        self.behind = first_index  # the span's packets before the next frame
        self.frames_read = 0  # frames read, given out
        self.waiting: list[int] = []  # pts of the span's packets not yet behind a frame read (a heap)
        self.step = max(1, round(1 / (self.video.average_rate or 24) / self.tb))  # pts step for frames that carry none
        self.ended = False  # a frame at or after `end` came: the span is read, the packets after it unused

    def offset(self, stream: av.stream.Stream) -> int:
        """How far a rebased read moves `stream`'s timestamps back: the span's start, in the
        stream's time base (0 for a read not rebased)."""
        return int(self.begin / stream.time_base) if self.rebase and self.begin and stream.time_base else 0

    def decode(self, packet: av.Packet) -> Iterator[Decoded]:
        """The frames within the span that the video stream's next packet gives."""
        start, end = self.start, self.end
        if packet.size and packet.pts is not None and (start is None or packet.pts >= start):
            if end is None or packet.pts < end:
                heapq.heappush(self.waiting, packet.pts)
        for frame in self.inspector.decode(packet, self.last_pts):
            last = self.last_pts
            pts = frame.pts if frame.pts is not None else ((start or 0) if last is None else last + self.step)
            if start is not None and pts < start:
                self.last_pts, self.last_duration = pts, frame.duration or 0
                continue
            while self.waiting and self.waiting[0] < pts:  # packets shown before this frame: read, lost or undecodable
                heapq.heappop(self.waiting)
                self.behind += 1
            if end is not None and pts >= end:
                self.inspector.settle(self.behind, float(pts * self.tb))
                self.ended = True
                return
            self.index = max(self.behind, self.index + 1)  # (a film without timestamps: one after another)
            self.inspector.frame(frame, pts, self.index, last, self.last_duration)
            self.last_pts, self.last_duration = pts, frame.duration or 0
            self.frames_read += 1
            yield Decoded(index=self.index, pts=pts - self.shift, frame=frame)

    def finish(self) -> None:
        """After the stream's last packet (the decoder's flush included): refuse a read that found
        no frame, number what was lost at the span's end, and, read to the film's end, check
        that the film was all there."""
        last = None if self.last_pts is None else float(self.last_pts * self.tb)
        if not self.frames_read and (self.inspector.stop or (self.start is None and self.end is None)):
            name = self.container.name
            if self.begin is not None and last is not None:
                raise DecodeError(
                    f"{name} has no frame at or after {self.begin:.2f} s: its last frame is at {last:.2f} s"
                )
            raise DecodeError(f"{name}: no frame could be decoded; the film may be truncated or corrupt")
        count = max(self.behind + len(self.waiting), self.index + 1)  # the span's packets, to its end
        self.inspector.settle(count)
        if self.end is None:  # read to the end: the film must have been all there
            self.inspector.end(None if self.rebase else count, last)


def read(
    container: av.container.InputContainer,
    start: int | None = None,
    end: int | None = None,
    first_index: int = 0,
    damaged: str | None = None,
    notes: list[Damage] | None = None,
    before: int | None = None,
) -> Iterator[Decoded]:
    """The film's video frames (of `video_stream`), decoded in order, with pts in [start, end)
    (the video stream's time base; None: from the first, to the last); the one frame reader of
    every command. Numbering, seeking and `before`: `_Span`.

    The decoder is flushed so no trailing frame is lost, and damage is watched for
    (`Inspector`): with `damaged="stop"` a damaged film ends in a DecodeError naming where and
    saying how to skip it (None: the same, for a command without --damaged), with "skip" the
    damage found is appended to `notes` and the rest is read."""
    span = _Span(container, start, end, first_index, damaged, notes, before)
    for packet in container.demux(span.video):
        yield from span.decode(packet)
        if span.ended:
            return
    span.finish()


def read_with_packets(
    container: av.container.InputContainer,
    start: int | None = None,
    end: int | None = None,
    first_index: int = 0,
    rebase: bool = False,
    damaged: str | None = None,
    notes: list[Damage] | None = None,
) -> Iterator[Decoded | av.Packet]:
    """The film's video frames as `read` gives them, and between them the other streams'
    packets (sound, subtitles; not other video), in the container's order, within the same time
    span (a whole film keeps all, priming packets before 0 included): what a command copies
    beside the frames it writes. `rebase` moves every timestamp back by `start`, so the excerpt
    starts where the film did (a preview)."""
    span = _Span(container, start, end, first_index, damaged, notes, rebase=rebase)
    shift = {s.index: span.offset(s) for s in container.streams}
    for packet in container.demux():
        if packet.stream.index == span.video.index:
            yield from span.decode(packet)
            if span.ended:
                return
        elif packet.pts is not None and _passed(packet, packet.pts, span.begin, span.stop):
            packet.pts -= shift[packet.stream.index]
            if packet.dts is not None:
                packet.dts -= shift[packet.stream.index]
            yield packet
    span.finish()


def _passed(packet: av.Packet, pts: int, begin: float | None, stop: float | None) -> bool:
    """Whether a packet (at `pts`) of a stream other than the one read is passed on: a non-empty
    packet of a sound or subtitle stream, timed within [begin, stop) seconds."""
    if packet.stream.type == "video" or packet.size == 0:
        return False
    t = float(pts * time_base(packet.stream))
    return not ((begin and t < begin) or (stop is not None and t >= stop))
