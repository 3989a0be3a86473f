"""The render: one stream from the B&W film to the coloured one, in bounded memory.

decode -> luma plane -> working size -> batch -> generator -> chroma -> chroma planes
beside the film's own luma -> encode and mux, with every audio and subtitle packet
copied as it comes -> rename onto the output once complete.

Decoding, the model, smoothing with chroma upsampling, and encoding are four threads joined
by bounded queues (`filmcolor.pipeline`): they overlap, and memory stays bounded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from . import media, segments
from .colorize import DEFAULT_WEIGHTS, Pending, Predictor, chroma_planes, load_model, pick_device, working_size
from .errors import FilmcolorError, InputError
from .models import load_weights
from .outputs import atomic_output, check_output
from .pipeline import overlapped
from .temporal import SmoothConfig, Smoother


@dataclass
class RenderConfig:
    weights: Path | None = None  # generator weights; None takes the shipped default
    model_size: int = 256  # short side of the picture the model sees, in px
    batch_size: int | None = None  # frames per model call; None: 4 on the CPU, from free memory on CUDA
    device: str = "auto"  # auto, cpu or cuda
    amp: str = "bf16"  # autocast on CUDA: bf16, fp16 or off (the CPU runs fp32)
    compile: bool = False  # torch.compile the generator (pays off on long films)
    start: float = 0.0  # seconds: render from here (a preview)
    duration: float | None = None  # seconds: render this much; None renders to the end
    codec: str = "libx264"  # FFmpeg video encoder
    crf: int = 18  # encoder quality (lower is better); 18 is visually lossless for x264
    preset: str = "medium"  # encoder speed/size trade-off
    pix_fmt: str | None = None  # output pixel format; None: yuv420p, or 4:4:4 / 10-bit as the input needs
    overwrite: bool = False  # replace an existing output
    smooth: bool = True  # flow-guided temporal smoothing of the chroma (filmcolor.temporal)
    smooth_strength: float = SmoothConfig.strength  # share of the colour carried along the motion
    scene_threshold: float = SmoothConfig.scene_threshold  # cut score above which smoothing restarts
    queue_depth: int = 2  # chunks of batch_size frames waiting between two stages: bounds memory
    segment_seconds: float | None = 60.0  # a whole film renders in resumable segments of about this long; None: one pass
    restart: bool = False  # discard an interrupted render's segments instead of going on from them
    ray: str | None = None  # Ray cluster address ("local" starts one): segments become Ray tasks


@dataclass
class RenderResult:
    output: Path
    frames: int
    seconds: float
    cuts: list[int]  # frames (0-based, in the render) where a new shot starts
    reused_frames: int = 0  # frames an interrupted run had rendered, taken from its work folder
    stage_seconds: dict[str, float] = field(default_factory=dict)  # busy time of each stage (they overlap, so these add up to more than `seconds`)

    @property
    def fps(self) -> float:
        """Frames rendered by this run per second."""
        return (self.frames - self.reused_frames) / self.seconds if self.seconds > 0 else 0.0


Progress = Callable[[int, int], None]  # (frames done, frames expected)


@dataclass
class Chunk:
    """A batch of frames with the packets that came among them, in the film's order; the
    stages fill in the rest."""

    items: list[media.LumaFrame | av.Packet]  # as decoded: frames and packets to copy
    pending: Pending | None = None  # the model's work on the frames, once submitted
    planes: list[np.ndarray] = field(default_factory=list)  # per frame, (2, ch, cw) chroma codes to write

    @property
    def frames(self) -> list[media.LumaFrame]:
        return [item for item in self.items if isinstance(item, media.LumaFrame)]


def timed(items: Iterable, busy: dict[str, float], key: str) -> Iterator:
    """`items`, adding the time spent producing them to busy[key]."""
    it = iter(items)
    while True:
        t = time.perf_counter()
        try:
            item = next(it)
        except StopIteration:
            return
        finally:
            busy[key] += time.perf_counter() - t
        yield item


def chunks(items: Iterable[media.LumaFrame | av.Packet], batch_size: int) -> Iterator[Chunk]:
    """Group a film's items into chunks of `batch_size` frames (the last may have fewer), each
    with the packets that came before its last frame; packets after the last frame end it."""
    pending: list[media.LumaFrame | av.Packet] = []
    frames = 0
    for item in items:
        pending.append(item)
        if isinstance(item, media.LumaFrame):
            frames += 1
            if frames == batch_size:
                yield Chunk(pending)
                pending, frames = [], 0
    if pending:
        yield Chunk(pending)


class Job:
    """What every part of one render shares: the model, the film's geometry, the settings, and
    the busy time of each stage."""

    def __init__(self, config: RenderConfig, info: media.FilmInfo) -> None:
        self.config, self.info = config, info
        device = pick_device(config.device)
        self.model = load_model(config.weights, device)
        self.size = working_size(info.width, info.height, config.model_size)
        self.predictor = Predictor(self.model, device, info.code_range, self.size, config.amp, config.compile)
        dtype = np.uint8 if info.code_range.bits <= 8 else np.uint16
        self.batch_size = config.batch_size or self.predictor.auto_batch_size((info.height, info.width), dtype)
        self.busy = dict.fromkeys(("decode", "model", "smooth", "encode"), 0.0)

    def smoother(self) -> Smoother:
        c = self.config
        return Smoother(SmoothConfig(strength=c.smooth_strength if c.smooth else 0.0, scene_threshold=c.scene_threshold))

    def writer(self, path: Path, container: av.container.InputContainer, copy_streams: bool = True) -> media.FilmWriter:
        c = self.config
        return media.FilmWriter(path, container, self.info, c.codec, c.crf, c.preset, c.pix_fmt, copy_streams=copy_streams)

    def run(self, items: Iterable[media.LumaFrame | av.Packet], writer: media.FilmWriter, smoother: Smoother, progress: Callable[[int], None] | None = None) -> list[int]:
        """Render `items` (frames, and packets to copy) into `writer`, the stages overlapped;
        returns the frames where a cut was found. `progress(n)` after each chunk of n frames."""
        busy, cuts = self.busy, []
        matrix = self.model.config.matrix

        def infer(chunk: Chunk) -> Chunk:
            t = time.perf_counter()
            frames = chunk.frames
            if frames:
                chunk.pending = self.predictor.submit([f.luma for f in frames])  # on CUDA, returns before the GPU is done
            busy["model"] += time.perf_counter() - t
            return chunk

        def finish(chunk: Chunk) -> Chunk:
            t = time.perf_counter()
            if chunk.pending is None:  # packets only
                return chunk
            work, chroma = chunk.pending.result()  # (B, h, w), (B, 2, h, w)
            chunk.pending = None
            for frame, c, y in zip(chunk.frames, chroma, work):
                c, cut = smoother(y, c)  # in order: the state is the previous frame
                if cut:
                    cuts.append(frame.index)
                chunk.planes.append(chroma_planes(c, y, matrix, self.info.matrix, writer.chroma_size, writer.out_range))
            busy["smooth"] += time.perf_counter() - t
            return chunk

        for chunk in overlapped(chunks(timed(items, busy, "decode"), self.batch_size), [infer, finish], self.config.queue_depth):
            t = time.perf_counter()
            planes = iter(chunk.planes)
            for item in chunk.items:
                if isinstance(item, media.LumaFrame):
                    writer.write(item.luma, next(planes), item.pts)
                else:
                    writer.copy_packet(item)
            busy["encode"] += time.perf_counter() - t
            if progress:
                progress(len(chunk.planes))
        return cuts


def render(source: str | Path, output: str | Path, config: RenderConfig, progress: Progress | None = None) -> RenderResult:
    """Colour `source` into `output`. Raises FilmcolorError subclasses for what the user can fix;
    the output path is untouched unless the whole film rendered.

    A whole film renders in segments (`config.segment_seconds`) kept in a work folder beside
    the output until the end, so the same call after an interruption goes on from the last
    complete segment; a preview (`start`, `duration`) or `segment_seconds=None` is one pass.
    """
    source = media.check_input(source)
    output = check_output(output, config.overwrite, inputs=(source,))
    if config.model_size < 16 or (config.batch_size is not None and config.batch_size < 1):
        raise InputError("--model-size must be at least 16 and --batch-size at least 1")
    if config.start < 0 or (config.duration is not None and config.duration <= 0):
        raise InputError("--start must be >= 0 and --duration > 0")
    if not 0 <= config.smooth_strength <= 1:
        raise InputError("--smooth-strength must be between 0 and 1")
    if config.segment_seconds is not None and config.segment_seconds <= 0:
        raise InputError("--segment-seconds must be more than 0")
    load_weights(config.weights or DEFAULT_WEIGHTS)  # a wrong file is refused before any work
    t0 = time.perf_counter()
    with media.open_film(source) as container:
        info = media.film_info(container)
        one_pass = config.segment_seconds is None or config.start > 0 or config.duration is not None
        if one_pass:
            if config.ray:
                raise InputError("--ray renders whole films in segments; leave out --start, --duration and --segment-seconds 0")
            job = Job(config, info)
            expected = info.frames if config.duration is None else max(1, round(config.duration * float(info.rate)))
            done = 0

            def advance(n: int) -> None:
                nonlocal done
                done += n
                if progress:
                    progress(done, max(expected, done))

            with atomic_output(output) as tmp:
                with job.writer(tmp, container) as writer:
                    cuts = job.run(media.read_film(container, config.start, config.duration), writer, job.smoother(), advance)
                    t = time.perf_counter()
                job.busy["encode"] += time.perf_counter() - t  # the encoder's flush, as the writer closed
            return RenderResult(output=output, frames=done, seconds=time.perf_counter() - t0, cuts=cuts, stage_seconds=job.busy)
        times, keyframes = media.video_times(container)
    plan = segments.plan(times, keyframes, info.time_base, config.segment_seconds)
    work = segments.WorkFolder(output, segments.identity(source, output_settings(config), plan), config.restart)
    reused = sum(s.frames for s in plan if work.done(s))
    try:
        if config.ray:
            from .cluster import render_segments_on_ray

            busy = render_segments_on_ray(config.ray, source, work, plan, config, info, progress)
        else:
            busy = render_segments(source, work, plan, config, info, progress)
        t = time.perf_counter()
        with atomic_output(output) as tmp:
            media.join(source, [work.part(s) for s in plan], tmp, info)
        busy["join"] = time.perf_counter() - t
    except FilmcolorError:
        work.remove()  # the film or the settings are at fault: running again would fail the same way
        raise
    ends = [work.load(s) for s in plan]
    work.remove()
    cuts = sorted(cut for _, seg_cuts, _ in ends for cut in seg_cuts)
    frames = sum(n for _, _, n in ends)
    return RenderResult(output=output, frames=frames, seconds=time.perf_counter() - t0, cuts=cuts, reused_frames=reused, stage_seconds=busy)


def output_settings(config: RenderConfig) -> dict:
    """The settings a resumed render must share with the first run: those that change the
    output (not the device, batch size or queue depth)."""
    weights = Path(config.weights) if config.weights else DEFAULT_WEIGHTS
    keys = ("model_size", "codec", "crf", "preset", "pix_fmt", "smooth", "smooth_strength", "scene_threshold", "amp", "segment_seconds")
    return {"weights": segments.file_identity(weights)["sha256_ends"], **{k: getattr(config, k) for k in keys}}


def render_segment(source: Path, work: segments.WorkFolder, segment: segments.Segment, job: Job, state: dict | None, progress: Callable[[int], None] | None = None) -> dict:
    """Render one segment into its file in `work` (video only), starting the smoothing from
    `state` (the previous segment's end) or afresh; records and returns the state at its end."""
    smoother = job.smoother()
    if state:
        smoother.restore(state)
    with media.open_film(source) as container:
        with atomic_output(work.part(segment)) as tmp:
            with job.writer(tmp, container, copy_streams=False) as writer:
                frames = media.read_frames(container, segment.start_pts, segment.end_pts, segment.first_frame)
                written = 0

                def count(n: int) -> None:
                    nonlocal written
                    written += n
                    if progress:
                        progress(n)

                cuts = job.run(frames, writer, smoother, count)
    work.save(segment, smoother.state(), cuts, written)
    return smoother.state()


def render_segments(source: Path, work: segments.WorkFolder, plan: list[segments.Segment], config: RenderConfig, info: media.FilmInfo, progress: Progress | None) -> dict[str, float]:
    """Render the missing segments in order, the smoothing carried from each into the next;
    returns the stages' busy seconds."""
    total = sum(s.frames for s in plan)
    done = sum(s.frames for s in plan if work.done(s))
    job: Job | None = None
    state = None
    if progress and done:
        progress(done, total)

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    for prev, segment in zip([None, *plan], plan):
        if work.done(segment):
            continue
        if state is None and prev is not None:  # going on after an earlier run: where it left the smoothing
            state = work.load(prev)[0]
        job = job or Job(config, info)
        state = render_segment(source, work, segment, job, state, advance)
    return (job.busy if job else {})
