"""The media layer's writing side (PyAV only): the coloured film, built from the input's own
luma codes and new chroma planes, with the input's timestamps, time base, sample aspect ratio
and colour tags; every audio and subtitle packet copied, never re-encoded, unless the output
container cannot hold its codec. Segments rendered apart are joined by stream copy.
"""

from __future__ import annotations

import heapq
import logging
import math
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import av
import numpy as np

from ..colour import CodeRange
from ..errors import OutputError
from .encoding import WRITABLE, EncodeConfig
from .priority import normal_priority
from .probe import FilmInfo, chroma_layout, ffmpeg_reason, open_film

log = logging.getLogger(__name__)

_ENCODING_TAGS = {"major_brand", "minor_version", "compatible_brands", "encoder", "creation_time", "duration"}
_MOV_FAMILY = {"mp4", "mov", "ipod", "ismv", "3gp", "3g2", "psp", "f4v"}  # muxers with a movie timescale
_DECODE_ORDER_ONLY = {"avi"}  # muxers that keep no presentation times: each frame is shown in the order it is stored
_NONSTRICT = 0x20000  # AVFMT_TS_NONSTRICT: the muxer takes repeated decode times (Matroska, WebM)
# muxers that store times before 0 (an AAC stream's priming packet) as they are, if asked
_NEGATIVE_AS_THEY_ARE = {"matroska", "webm", "mpegts"}
FIELDS = {  # AVFieldOrder of an interlaced film -> (the field shown first, x264's option for it)
    2: ("top field first", "tff=1"),
    3: ("bottom field first", "bff=1"),
    4: ("bottom field first", "bff=1"),  # top coded first
    5: ("top field first", "tff=1"),  # bottom coded first
}
_INTERLACING_ENCODERS = {"libx264"}  # encoders filmcolor asks to code fields (`_keep_fields`)
_MORE_CODECS = {
    "mpegts": {"aac", "aac_latm", "mp2", "mp3", "ac3", "eac3", "dts", "truehd", "opus", "dvb_subtitle", "dvb_teletext"}
}  # what the muxer takes that FFmpeg cannot be asked about


def join(source: Path, parts: list[Path], path: Path, info: FilmInfo) -> None:
    """Write `path` from the coded video of `parts`, in order, copied as it is, and every audio
    and subtitle packet of `source`, interleaved by time.

    The parts are segments encoded with the same settings, each starting at a sync frame, with
    the source's own timestamps, so the joined stream is what one encoder run would have made
    (a sync frame at each join). An empty part (a segment lost to damage, skipped) adds nothing."""
    parts = [p for p in parts if p.stat().st_size]
    if not parts:
        raise OutputError(f"no frame of {source.name} could be read: nothing to write")
    with open_film(source) as src, av.open(str(parts[0])) as first:
        with FilmWriter(path, src, info, video_template=first.streams.video[0]) as writer:
            others = [src.streams[i] for i in writer.copies]
            # as `read_with_packets` passes them
            audio = (p for p in src.demux(*others) if p.size != 0 and p.pts is not None) if others else iter(())
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
    assert t is not None, "join's packets are timed"  # the parts were encoded with pts; untimed audio was left out
    return float(t * packet.time_base)


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
        encode: EncodeConfig | None = None,
        copy_streams: bool = True,
        video_template: av.video.stream.VideoStream | None = None,
        announce: bool = True,
    ) -> None:
        """`copy_streams=False` writes the video alone (a segment); `video_template` copies
        coded video packets (`copy_video`) from a stream like it instead of encoding frames;
        `announce`: say in the log what is transcoded or left out (not while `check` tries)."""
        self.announce = announce
        encode = encode or EncodeConfig()
        if video_template is None:
            encode.check()
        self.info = info
        self.pix_fmt = encode.pixel_format(info.width, info.height, info.code_range.bits, chroma_layout(info.pix_fmt))
        if not WRITABLE.match(self.pix_fmt):
            raise OutputError(
                f"--pix-fmt {self.pix_fmt} is not a planar Y'CbCr format filmcolor can fill; use e.g. yuv420p, yuv422p10le or yuv444p"
            )
        if "420" in self.pix_fmt and (info.width % 2 or info.height % 2):
            raise OutputError(
                f"{self.pix_fmt} cannot hold an odd picture size ({info.width}x{info.height}); use --pix-fmt yuv444p"
            )
        fmt = av.VideoFormat(self.pix_fmt)
        self.out_range = CodeRange(bits=fmt.components[0].bits, full=info.code_range.full)
        self.chroma_size = (fmt.chroma_width(info.width), fmt.chroma_height(info.height))  # (w, h)
        self._last_dts: int | None = None  # of the video stream: muxers want them growing
        self.fields_lost: str | None = None  # an interlaced film written progressive, said once (`_keep_fields`)
        try:
            self.container = av.open(str(path), "w")
        except (av.error.FFmpegError, ValueError) as exc:
            where = (
                f"{path.name} has no file extension"
                if not path.suffix
                else f"FFmpeg writes no {path.suffix} files ({ffmpeg_reason(exc)})"
            )
            raise OutputError(f"{where}: name the output .mp4, .mkv or .mov") from None
        # Titles and other tags of the film travel; those describing the old file's encoding do not.
        self.container.metadata.update({k: v for k, v in source.metadata.items() if k.lower() not in _ENCODING_TAGS})
        try:
            if video_template is None:
                try:
                    self._add_video(encode)
                except ValueError as exc:  # the container does not take the codec at all
                    raise OutputError(
                        f"a {path.suffix} file cannot hold {encode.codec} video ({exc}); use .mkv, or another --codec"
                    ) from None
            else:
                # a remux: the decoder's own parameters, no encoder needed
                self.video = self.container.add_stream_from_template(video_template, opaque=True)
                self.video.time_base = info.time_base
                # the film's rate, not the segment file's time base (Matroska: 1000)
                self.video.codec_context.framerate = info.rate
            self.encoding = video_template is None
            self.copies = self._add_copies(source) if copy_streams else {}
            self._exact_edit_lists()
            self._times_as_they_are()
        except BaseException:
            self.container.close()
            raise

    @classmethod
    def check(
        cls,
        path: Path,
        source: av.container.InputContainer,
        info: FilmInfo,
        encode: EncodeConfig,
        copy_streams: bool = True,
    ) -> None:
        """Everything a render will need of its output, tried before the first frame is decoded:
        the container `path`'s extension names, the encoder (opened, as a GPU encoder must find
        its GPU), the pixel format, and that the container holds the video and every stream to
        copy. Writes only a header into a temporary folder, removed at once; OutputError with
        FFmpeg's reason when anything cannot be done."""
        with tempfile.TemporaryDirectory(prefix="filmcolor-check-") as tmp:
            writer = cls(Path(tmp) / path.name, source, info, encode, copy_streams=copy_streams, announce=False)
            try:
                if copy_streams and writer.fields_lost:  # once a render: not again for each segment
                    log.warning(writer.fields_lost)
                if writer.encoding:
                    try:
                        writer._open_encoder()
                    except (av.error.FFmpegError, ValueError) as exc:
                        other = (
                            "check --preset and --pix-fmt"
                            if encode.codec == "libx264"
                            else "choose another --codec (libx264 always works)"
                        )
                        raise OutputError(
                            f"the encoder {encode.codec} cannot start here: {ffmpeg_reason(exc)}; {other}"
                        ) from None
                try:
                    writer.container.start_encoding()
                except (av.error.FFmpegError, ValueError) as exc:
                    raise OutputError(
                        f"a {path.suffix} file cannot hold {encode.codec} video or the film's other streams ({ffmpeg_reason(exc)}); use .mkv, or another --codec"
                    ) from None
            finally:
                writer.container.close()

    def _add_video(self, encode: EncodeConfig) -> None:
        info = self.info
        encoder = encode.encoder()
        if encoder.video_formats and self.pix_fmt not in {f.name for f in encoder.video_formats}:
            usable = [f.name for f in encoder.video_formats if WRITABLE.match(f.name)]
            raise OutputError(
                f"{encode.codec} cannot write {self.pix_fmt}; leave out --pix-fmt, or give one of {', '.join(usable)}"
            )
        stream = self.container.add_stream(encode.codec, rate=info.rate)
        assert isinstance(stream, av.VideoStream)  # encode.encoder() takes only video encoders
        stream.width, stream.height, stream.pix_fmt = info.width, info.height, self.pix_fmt
        stream.time_base = info.time_base
        cc = stream.codec_context
        cc.time_base = info.time_base
        cc.thread_count = 0
        if info.sample_aspect_ratio:
            cc.sample_aspect_ratio = info.sample_aspect_ratio
        for key, value in info.tags.items():
            setattr(cc, key, value)
        if info.display_matrix:
            stream.set_display_matrix(info.display_matrix)  # a rotated film plays rotated, as before
        cc.options = encode.options()
        self.fields_lost = self._keep_fields(cc, encode.codec)
        if self.container.format.name in _DECODE_ORDER_ONLY:
            # frames stored in decode order with no presentation times: B-frames would play out of order
            cc.max_b_frames = 0
        self.video = stream

    def _keep_fields(self, cc: av.video.codeccontext.VideoCodecContext, codec: str) -> str | None:
        """Code an interlaced film's fields as it had them (the order shown, flagged in the
        stream), where the encoder can; else what is lost, in one line for the log: a player
        would take the film for progressive and never deinterlace it."""
        fields = FIELDS.get(self.info.field_order)
        if fields is None:
            return None
        shown, option = fields
        if codec not in _INTERLACING_ENCODERS:
            return f"the film is interlaced ({shown}); {codec} writes it progressive here (libx264 keeps its fields)"
        cc.flags |= av.codec.context.Flags.interlaced_dct | av.codec.context.Flags.interlaced_me
        cc.field_order = 2 if option == "tff=1" else 3
        cc.options = {**cc.options, "x264-params": option}
        return None

    def _add_copies(
        self, source: av.container.InputContainer
    ) -> dict[int, tuple[av.stream.Stream, _Transcoder | None]]:
        """Output streams for the input's audio and subtitles: a remux where the container
        takes the codec, else (audio only) an AAC transcode, said in the log."""
        copies: dict[int, tuple[av.stream.Stream, _Transcoder | None]] = {}
        supported = self.container.supported_codecs | _MORE_CODECS.get(self.container.format.name, set())
        say = log.warning if self.announce else log.debug
        for s in source.streams:
            if s.type not in ("audio", "subtitle"):
                if s.type != "video" or s.index != self.info.stream:
                    say("stream #%d (%s) is not carried over: only audio and subtitles are", s.index, s.type)
                continue
            name = s.codec_context.codec.canonical_name if s.codec_context.codec else s.codec_context.name
            if name in supported:
                copies[s.index] = (self.container.add_stream_from_template(s), None)
            elif isinstance(s, av.AudioStream):
                # the default named layout: AAC refuses unordered ones
                channels = av.AudioLayout(f"{len(s.codec_context.layout.channels)}c")
                out = self.container.add_stream("aac", rate=s.codec_context.sample_rate, layout=channels)
                copies[s.index] = (out, _Transcoder(s, out))
                say(
                    "audio stream #%d (%s) cannot go into %s as it is: transcoded to AAC",
                    s.index,
                    name,
                    self.container.format.name,
                )
            else:
                say("subtitle stream #%d (%s) cannot go into %s: left out", s.index, name, self.container.format.name)
        return copies

    def _times_as_they_are(self) -> None:
        """Matroska and MPEG-TS shift every stream by default so none starts before 0: an MP4's
        AAC priming packet (at -1024 samples) would move every frame 21-46 ms later. They can
        store times before 0, so they are asked to keep each time as it is."""
        if self.container.format.name in _NEGATIVE_AS_THEY_ARE:
            self.container.options["avoid_negative_ts"] = "disabled"

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
            scale = max((s.time_base.denominator for s in self.container.streams.audio if s.time_base), default=1000)
        self.container.options["movie_timescale"] = str(scale)

    def __enter__(self) -> FilmWriter:
        return self

    def __exit__(self, kind, value, tb) -> None:
        try:
            if kind is None:
                if self.encoding:
                    self._encode(None)  # flush: the encoder holds the last frames
                for _, transcoder in self.copies.values():
                    if transcoder:
                        self._mux(transcoder.flush())
        finally:
            self.container.close()

    def _mux(self, packets: Iterable[av.Packet]) -> None:
        for packet in packets:
            if packet.stream is self.video:
                self._growing_dts(packet)
            self.container.mux(packet)

    def _growing_dts(self, packet: av.Packet) -> None:
        """A video packet's decode time moved past the last one's where it repeats it (an encoder
        given VFR timestamps in a coarse time base) or lacks one (Matroska keeps presentation
        times only, and FFmpeg guesses no decode time for the packets that open a segment): MP4
        takes only growing ones, and a muxer's own guess may go back. The presentation time,
        the frame's timing, never moves; OutputError where there is no room below it."""
        if self._last_dts is None:
            self._last_dts = packet.dts  # the film's first packets: the muxer starts the count
            return
        repeats = bool(self.container.format.flags & _NONSTRICT)
        if packet.dts is None or packet.dts < self._last_dts or (packet.dts == self._last_dts and not repeats):
            packet.dts = self._last_dts if repeats else self._last_dts + 1
            if packet.pts is not None and packet.dts > packet.pts:
                fix = "encode without B-frames (e.g. --preset ultrafast)" if repeats else "write the output as .mkv"
                raise OutputError(
                    f"the encoder gave decode times a {self.container.format.name} file cannot hold (B-frames on this film's irregular timing); {fix}"
                )
        self._last_dts = packet.dts

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
        self._mux([packet])

    def write(self, luma: np.ndarray, chroma: np.ndarray, pts: int) -> None:
        """Encode one frame: `luma` (H, W) codes as read, `chroma` (2, h, w) codes at `chroma_size`."""
        frame = av.VideoFrame(self.info.width, self.info.height, self.pix_fmt)
        for plane, data in zip(frame.planes, (self._luma_codes(luma), chroma[0], chroma[1]), strict=True):
            dtype = np.uint8 if self.out_range.bits <= 8 else np.dtype("<u2")
            # (H, linesize / item size), the frame's own memory
            rows = np.frombuffer(memoryview(plane), dtype).reshape(plane.height, -1)
            rows[:, : plane.width] = data
        frame.pts, frame.time_base = pts, self.info.time_base
        frame.color_range = self.info.tags["color_range"]
        self._encode(frame)

    def _encode(self, frame: av.VideoFrame | None) -> None:
        """Encode one frame (None: flush), the encoder opened first by `_open_encoder`, never by
        FFmpeg on the way."""
        if not self.video.codec_context.is_open:
            self._open_encoder()
        self._mux(self.video.encode(frame))

    def _open_encoder(self) -> None:
        """Open the video encoder at the normal scheduling priority, whatever the encoder asks
        for itself (`media.priority`: SVT-AV1 as root)."""
        with normal_priority():
            self.video.codec_context.open()

    def _luma_codes(self, luma: np.ndarray) -> np.ndarray:
        """The input's luma codes at the output's bit depth: unchanged when the depths match."""
        shift = self.out_range.bits - self.info.code_range.bits
        if shift == 0:
            return luma
        if shift > 0:
            return luma.astype(np.uint16) << shift
        return (
            ((luma.astype(np.uint32) + (1 << (-shift - 1))) >> -shift)
            .clip(0, self.out_range.peak)
            .astype(np.uint16 if self.out_range.bits > 8 else np.uint8)
        )


class _Transcoder:
    """Decodes one audio stream and encodes it as AAC, for a container that cannot hold its codec."""

    def __init__(self, source: av.AudioStream, out: av.AudioStream) -> None:
        cc = out.codec_context
        self.resampler = av.AudioResampler(
            format=cc.format, layout=cc.layout, rate=cc.sample_rate, frame_size=cc.frame_size or 1024
        )
        self.source, self.out = source, out
        self.next_pts: int | None = None  # in samples; counted, so the copy has no timestamp jitter

    def push(self, packet: av.Packet) -> list[av.Packet]:
        return [p for frame in self.source.decode(packet) for p in self._encode(frame)]  # what packet.decode() does

    def flush(self) -> list[av.Packet]:
        return self._encode(None) + list(self.out.encode(None))

    def _encode(self, frame: av.AudioFrame | None) -> list[av.Packet]:
        rate = self.out.codec_context.sample_rate
        if self.next_pts is None and frame is not None:
            self.next_pts = (
                round(frame.pts * frame.time_base * rate)
                if frame.pts is not None and frame.time_base is not None
                else 0
            )
        packets = []
        for f in self.resampler.resample(frame):  # cut to the encoder's frame size
            f.pts, self.next_pts = self.next_pts, (self.next_pts or 0) + f.samples
            packets.extend(self.out.encode(f))
        return packets
