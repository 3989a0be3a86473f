"""The media layer (PyAV only): read a film's luma plane as it is, write frames that keep it,
and carry every other stream across packet for packet.

Reading gives the luma plane's own code values at full resolution, whatever the pixel
format; writing puts them back unchanged beside new chroma planes, with the input's
timestamps, time base, sample aspect ratio and colour tags. Audio and subtitle packets are
copied, never re-encoded, unless the output container cannot hold their codec.
"""

from __future__ import annotations

import heapq
import logging
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from .color import CodeRange
from .errors import DecodeError, InputError, OutputError

log = logging.getLogger(__name__)

# Formats whose plane 0 holds the luma alone, little-endian: read as they are.
_LUMA_PLANE_FORMATS = re.compile(r"^(gray(9|10|12|14|16)?(le)?|yuva?j?(410|411|420|422|440|444)p(9|10|12|14|16)?(le)?|nv(12|21|16|24|42))$")
# AVColorSpace values -> our matrix names (2 = unspecified, guessed from the height as players do).
_MATRIX_OF_COLORSPACE = {1: "bt709", 5: "bt601", 6: "bt601", 7: "bt601", 9: "bt2020", 10: "bt2020"}
# Formats the writer fills plane by plane: Y, Cb, Cr.
_PLANAR_YUV = re.compile(r"^yuv(410|411|420|422|440|444)p(10le)?$")
_RANGE_MPEG, _RANGE_JPEG = 1, 2  # AVColorRange
_ENCODING_TAGS = {"major_brand", "minor_version", "compatible_brands", "encoder", "creation_time", "duration"}
_MOV_FAMILY = {"mp4", "mov", "ipod", "ismv", "3gp", "3g2", "psp", "f4v"}  # muxers with a movie timescale


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
        raise InputError(f"{path} is not a film FFmpeg can read ({_reason(exc)})") from None
    if not container.streams.video:
        container.close()
        raise InputError(f"{path} has no video stream")
    return container


def _reason(exc: Exception) -> str:
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


def read_film(container: av.container.InputContainer, start: float = 0.0, duration: float | None = None) -> Iterator[LumaFrame | av.Packet]:
    """Demux every stream in order: decoded video frames as LumaFrame, other packets as they are.

    With `start`, seeks and drops what comes before it; timestamps are shifted so the output
    starts at the same place the input did. Without it, timestamps are untouched. The
    decoder is flushed at the end, so no trailing frame is lost.
    """
    video = container.streams.video[0]
    video.thread_type = "AUTO"
    tb = video.time_base
    end = None if duration is None else start + duration
    if start > 0:
        container.seek(int(start / tb), stream=video, backward=True, any_frame=False)
    offsets = {s.index: (int(start / s.time_base) if start > 0 and s.time_base else 0) for s in container.streams}
    index, last_pts = 0, None
    step = max(1, round(1 / (video.average_rate or 24) / tb))  # pts step for frames that carry none
    for packet in container.demux():
        if packet.stream.type != "video" or packet.stream.index != video.index:
            if packet.size == 0 or packet.pts is None:
                continue
            t = float(packet.pts * packet.stream.time_base)
            if (start > 0 and t < start) or (end is not None and t >= end):
                continue  # outside a preview; a whole render keeps all, priming packets before 0 included
            packet.pts -= offsets[packet.stream.index]
            if packet.dts is not None:
                packet.dts -= offsets[packet.stream.index]
            yield packet
            continue
        for frame in decode_packet(container, packet, index):
            pts = frame.pts if frame.pts is not None else (0 if last_pts is None else last_pts + step)
            last_pts = pts
            t = float(pts * tb)
            if t < start - 1e-9:
                continue
            if end is not None and t >= end - 1e-9:
                return
            yield LumaFrame(index=index, pts=pts - offsets[video.index], luma=luma_plane(frame))
            index += 1
    check_complete(container, index, None if last_pts is None else float(last_pts * tb), whole=end is None)


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
        raise DecodeError(f"{container.name}: the film cannot be read past {len(times)} frames: {_reason(exc)}") from None
    return sorted(times), sorted(keys)


def read_frames(container: av.container.InputContainer, start_pts: int, end_pts: int | None, first_index: int) -> Iterator[LumaFrame]:
    """The video frames with start_pts <= pts < end_pts (None: to the end), timestamps as they
    are, numbered from `first_index`: one segment of a film. `start_pts` must be a keyframe's,
    so decoding starts clean there; the decoder is flushed at the film's end."""
    video = container.streams.video[0]
    video.thread_type = "AUTO"
    if start_pts > (video.start_time or 0):
        container.seek(start_pts, stream=video, backward=True, any_frame=False)
    index, last_pts = first_index, None
    step = max(1, round(1 / (video.average_rate or 24) / video.time_base))
    for packet in container.demux(video):
        for frame in decode_packet(container, packet, index):
            pts = frame.pts if frame.pts is not None else (start_pts if last_pts is None else last_pts + step)
            last_pts = pts
            if pts < start_pts:
                continue
            if end_pts is not None and pts >= end_pts:
                return
            yield LumaFrame(index=index, pts=pts, luma=luma_plane(frame))
            index += 1
    if end_pts is None:  # the last segment: `index` counts every frame of the film
        check_complete(container, index, None if last_pts is None else float(last_pts * video.time_base))


def join(source: Path, parts: list[Path], path: Path, info: FilmInfo) -> None:
    """Write `path` from the coded video of `parts`, in order, copied as it is, and every audio
    and subtitle packet of `source`, interleaved by time.

    The parts are segments encoded with the same settings, each starting at a keyframe, with
    the source's own timestamps, so the joined stream is what one encoder run would have made
    (a keyframe at each join)."""
    with open_film(source) as src, av.open(str(parts[0])) as first:
        with FilmWriter(path, src, info, video_template=first.streams.video[0]) as writer:
            others = [src.streams[i] for i in writer.copies]
            audio = (p for p in src.demux(*others) if p.size != 0 and p.pts is not None) if others else iter(())  # as read_film takes them
            for packet in heapq.merge(_coded_video(parts), audio, key=_packet_time):
                if packet.stream.type == "video":
                    writer.copy_video(packet)
                else:
                    writer.copy_packet(packet)


def _coded_video(parts: list[Path]) -> Iterator[av.Packet]:
    for part in parts:
        with av.open(str(part)) as container:
            for packet in container.demux(container.streams.video[0]):
                if packet.size != 0:
                    yield packet


def _packet_time(packet: av.Packet) -> float:
    """Seconds at which a packet must be in the file: its decode time (its presentation time
    where it has none)."""
    t = packet.dts if packet.dts is not None else packet.pts
    return float(t * packet.time_base)


def decode_packet(container: av.container.InputContainer, packet: av.Packet, decoded: int) -> list[av.VideoFrame]:
    """Decode one packet of the video stream; DecodeError naming the frame where the film
    broke (`decoded` frames came before it), so every reader reports a damaged film alike."""
    try:
        return packet.decode()
    except av.error.FFmpegError as exc:
        rate = float(container.streams.video[0].average_rate or 24)
        raise DecodeError(f"{container.name}: the film breaks at frame {decoded} (about {decoded / rate:.2f} s): {_reason(exc)}") from None


def _declared_duration(stream: av.stream.Stream) -> float | None:
    """The video stream's length as its container states it (MP4 header, Matroska DURATION tag)."""
    if stream.duration:
        return float(stream.duration * stream.time_base)
    tag = next((v for k, v in stream.metadata.items() if k.upper() == "DURATION"), None)
    match = re.match(r"^(\d+):(\d\d):(\d\d(?:\.\d+)?)$", tag or "")
    return int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3]) if match else None


def check_complete(container: av.container.InputContainer, decoded: int, last: float | None, whole: bool = True) -> None:
    """After decoding to the end: DecodeError unless the film was all there. `decoded` frames
    came out, the last at `last` seconds; `whole=False` (a read that stopped early on purpose)
    checks only that something decoded.

    A damaged film often decodes without an error and just stops early; compare with what the
    container declares, leaving slack for edit lists and rounding, so only real losses fail."""
    if decoded == 0:
        raise DecodeError(f"{container.name}: no frame could be decoded; the film may be truncated or corrupt")
    if not whole:
        return
    video = container.streams.video[0]
    period = 1 / float(video.average_rate or 24)
    declared = _declared_duration(video)
    start = float(video.start_time * video.time_base) if video.start_time is not None else 0.0
    missing_frames = video.frames - decoded if video.frames else 0
    short = (start + declared) - (last + period) if declared and last is not None else 0.0
    if missing_frames > max(2, 0.01 * video.frames) or short > max(3 * period, 0.01 * (declared or 0)):
        at = f"{last:.2f} s" if last is not None else "the start"
        total = f"{video.frames} frames" if video.frames else f"{declared:.2f} s"
        raise DecodeError(f"{container.name}: the film breaks at frame {decoded} ({at}); its container declares {total}, so the file is truncated or damaged")


def output_format(info: FilmInfo, pix_fmt: str | None) -> str:
    """Pixel format to write: the user's, or 4:2:0 at 8 or 10 bits, 4:4:4 where a side is odd
    (4:2:0 cannot hold an odd size without cropping or padding the picture)."""
    if pix_fmt:
        return pix_fmt
    odd = info.width % 2 or info.height % 2
    depth = "" if info.code_range.bits <= 8 else "10le"
    return f"yuv{'444' if odd else '420'}p{depth}"


class FilmWriter:
    """Writes a coloured film: video frames built from the input's luma and new chroma, plus
    every audio and subtitle stream of the input copied packet for packet.

    Use as a context manager; leaving the block normally flushes the encoder.
    """

    def __init__(
        self,
        path: Path,
        source: av.container.InputContainer,
        info: FilmInfo,
        codec: str = "libx264",
        crf: int = 18,
        preset: str = "medium",
        pix_fmt: str | None = None,
        copy_streams: bool = True,
        video_template: av.stream.Stream | None = None,
    ) -> None:
        """`copy_streams=False` writes the video alone (a segment); `video_template` copies
        coded video packets (`copy_video`) from a stream like it instead of encoding frames."""
        self.info = info
        self.pix_fmt = output_format(info, pix_fmt)
        if not _PLANAR_YUV.match(self.pix_fmt):
            raise OutputError(f"--pix-fmt {self.pix_fmt} is not a planar Y'CbCr format; use e.g. yuv420p or yuv444p")
        if ("420" in self.pix_fmt and (info.width % 2 or info.height % 2)):
            raise OutputError(f"{self.pix_fmt} cannot hold an odd picture size ({info.width}x{info.height}); use --pix-fmt yuv444p")
        fmt = av.VideoFormat(self.pix_fmt)
        self.out_range = CodeRange(bits=fmt.components[0].bits, full=info.code_range.full)
        self.chroma_size = (fmt.chroma_width(info.width), fmt.chroma_height(info.height))  # (w, h)
        try:
            self.container = av.open(str(path), "w")
        except (av.error.FFmpegError, ValueError) as exc:
            raise OutputError(f"cannot write {path.suffix or 'a file without extension'} files ({_reason(exc)}); use .mp4, .mkv or .mov") from None
        # Titles and other tags of the film travel; those describing the old file's encoding do not.
        self.container.metadata.update({k: v for k, v in source.metadata.items() if k.lower() not in _ENCODING_TAGS})
        try:
            if video_template is None:
                self._add_video(source, codec, crf, preset)
            else:
                self.video = self.container.add_stream_from_template(video_template)
                self.video.time_base = info.time_base
            self.encoding = video_template is None
            self.copies = self._add_copies(source) if copy_streams else {}
            self._exact_edit_lists()
        except BaseException:
            self.container.close()
            raise

    def _add_video(self, source: av.container.InputContainer, codec: str, crf: int, preset: str) -> None:
        info = self.info
        try:
            encoder = av.codec.Codec(codec, "w")
        except (av.error.FFmpegError, ValueError):
            raise OutputError(f"no video encoder named {codec!r} in this FFmpeg (try libx264)") from None
        if encoder.video_formats and self.pix_fmt not in {f.name for f in encoder.video_formats}:
            raise OutputError(f"{codec} cannot write {self.pix_fmt}; pass --pix-fmt, one of {', '.join(f.name for f in encoder.video_formats)}")
        stream = self.container.add_stream(codec, rate=info.rate)
        stream.width, stream.height, stream.pix_fmt = info.width, info.height, self.pix_fmt
        stream.time_base = info.time_base
        cc = stream.codec_context
        cc.time_base = info.time_base
        cc.thread_count = 0
        if info.sample_aspect_ratio:
            cc.sample_aspect_ratio = info.sample_aspect_ratio
        for key, value in info.tags.items():
            setattr(cc, key, value)
        cc.options = {"crf": str(crf), "preset": preset}
        self.video = stream

    def _add_copies(self, source: av.container.InputContainer) -> dict[int, tuple[av.stream.Stream, object]]:
        """Output streams for the input's audio and subtitles: a remux where the container
        takes the codec, else (audio only) an AAC transcode, said in the log."""
        copies = {}
        supported = self.container.supported_codecs
        for s in source.streams:
            if s.type not in ("audio", "subtitle"):
                if s.type != "video" or s.index != source.streams.video[0].index:
                    log.warning("stream #%d (%s) is not carried over: only audio and subtitles are", s.index, s.type)
                continue
            name = s.codec_context.codec.canonical_name if s.codec_context.codec else s.codec_context.name
            if name in supported:
                copies[s.index] = (self.container.add_stream_from_template(s), None)
            elif s.type == "audio":
                channels = av.AudioLayout(f"{len(s.codec_context.layout.channels)}c")  # the default named layout: AAC refuses unordered ones
                out = self.container.add_stream("aac", rate=s.codec_context.sample_rate, layout=channels)
                copies[s.index] = (out, _Transcoder(s, out))
                log.warning("audio stream #%d (%s) cannot go into %s as it is: transcoded to AAC", s.index, name, self.container.format.name)
            else:
                log.warning("subtitle stream #%d (%s) cannot go into %s: left out", s.index, name, self.container.format.name)
        return copies

    def _exact_edit_lists(self) -> None:
        """MP4/MOV keep a stream's start offset in an edit list counted in the movie timescale,
        1/1000 s by default: a copied audio stream starting at 66/22050 s would come back at
        44/22050. A timescale every stream's time base divides keeps each offset exact."""
        if self.container.format.name not in _MOV_FAMILY:
            return
        scale = 1
        for stream in self.container.streams:
            if stream.time_base:
                scale = math.lcm(scale, stream.time_base.denominator)
        if scale >= 2**31:  # too fine for the file's fields: audio (the copied stream) first
            scale = max((s.time_base.denominator for s in self.container.streams.audio), default=1000)
        self.container.options["movie_timescale"] = str(scale)

    def __enter__(self) -> FilmWriter:
        return self

    def __exit__(self, kind, value, tb) -> None:
        try:
            if kind is None:
                if self.encoding:
                    self._mux(self.video.encode(None))  # flush: the encoder holds the last frames
                for _, transcoder in self.copies.values():
                    if transcoder:
                        self._mux(transcoder.flush())
        finally:
            self.container.close()

    def _mux(self, packets) -> None:
        for packet in packets:
            self.container.mux(packet)

    def copy_packet(self, packet: av.Packet) -> None:
        """Mux one input packet of an audio or subtitle stream into its output stream."""
        out = self.copies.get(packet.stream.index)
        if out is None:
            return
        stream, transcoder = out
        if transcoder:
            self._mux(transcoder.push(packet))
        else:
            packet.stream = stream
            self.container.mux(packet)

    def copy_video(self, packet: av.Packet) -> None:
        """Mux one coded video packet as it is (with `video_template`)."""
        packet.stream = self.video
        self.container.mux(packet)

    def write(self, luma: np.ndarray, chroma: np.ndarray, pts: int) -> None:
        """Encode one frame: `luma` (H, W) codes as read, `chroma` (2, h, w) codes at `chroma_size`."""
        frame = av.VideoFrame(self.info.width, self.info.height, self.pix_fmt)
        for plane, data in zip(frame.planes, (self._luma_codes(luma), chroma[0], chroma[1])):
            dtype = np.uint8 if self.out_range.bits <= 8 else np.dtype("<u2")
            rows = np.frombuffer(plane, dtype).reshape(plane.height, -1)
            rows[:, : plane.width] = data
        frame.pts, frame.time_base = pts, self.info.time_base
        frame.color_range = self.info.tags["color_range"]
        self._mux(self.video.encode(frame))

    def _luma_codes(self, luma: np.ndarray) -> np.ndarray:
        """The input's luma codes at the output's bit depth: unchanged when the depths match."""
        shift = self.out_range.bits - self.info.code_range.bits
        if shift == 0:
            return luma
        if shift > 0:
            return luma.astype(np.uint16) << shift
        return ((luma.astype(np.uint32) + (1 << (-shift - 1))) >> -shift).clip(0, self.out_range.peak).astype(np.uint16 if self.out_range.bits > 8 else np.uint8)


class _Transcoder:
    """Decodes one audio stream and encodes it as AAC, for a container that cannot hold its codec."""

    def __init__(self, source: av.stream.Stream, out: av.stream.Stream) -> None:
        cc = out.codec_context
        self.resampler = av.AudioResampler(format=cc.format, layout=cc.layout, rate=cc.sample_rate, frame_size=cc.frame_size or 1024)
        self.out = out
        self.next_pts: int | None = None  # in samples; counted, so the copy has no timestamp jitter

    def push(self, packet: av.Packet) -> list[av.Packet]:
        return [p for frame in packet.decode() for p in self._encode(frame)]

    def flush(self) -> list[av.Packet]:
        return self._encode(None) + list(self.out.encode(None))

    def _encode(self, frame: av.AudioFrame | None) -> list[av.Packet]:
        rate = self.out.codec_context.sample_rate
        if self.next_pts is None and frame is not None:
            self.next_pts = round(frame.pts * frame.time_base * rate) if frame.pts is not None else 0
        packets = []
        for f in self.resampler.resample(frame):  # cut to the encoder's frame size
            f.pts, self.next_pts = self.next_pts, (self.next_pts or 0) + f.samples
            packets.extend(self.out.encode(f))
        return packets
