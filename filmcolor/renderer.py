"""The render's stage graph: one stream of a film's frames (and the packets among them) in,
a coloured film out, in bounded memory.

    decode -> luma plane -> working size -> batch -> generator -> chroma -> smoothing ->
    chroma planes at the film's size -> encode beside the film's own luma, packets copied

Decoding, the model, smoothing (with a guide's colour), chroma upsampling and encoding are
five threads joined by bounded queues (`filmcolor.stages`): they overlap, and memory stays
bounded. Smoothing and upsampling are apart because a guided frame costs both more than the
model does: in one thread they set the guided render's pace (on the 1080p pan, that thread
was busy 85% of the render while the other core waited). The same graph
renders a whole film in one pass (`filmcolor.render`) and each segment of a long one
(`filmcolor.segments`, also on a Ray cluster: `filmcolor.cluster`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np

from . import media
from .colour import CodeRange, convert_chroma, fit_chroma_to_gamut
from .devices import pick_device
from .guidance import shots
from .guidance.cuts import CutFinder, with_cuts
from .guidance.guide import Guidance, GuidedColour, follow, frame_colour
from .inference import InferenceConfig, Pending, Predictor, load_model, working_size
from .media.encoding import EncodeConfig
from .media.writer import FilmWriter
from .models import Generator
from .stages import overlapped
from .temporal import SmoothConfig, Smoother

STAGES = ("decode", "model", "smooth", "chroma", "encode")
# cores a guided render's model leaves to the guide's stages on the CPU: on the 2-core CPU the
# 1080p pan's guided render took 13.1 s with the model on one thread, 13.6 s on two (medians of
# three, taking turns); the automatic render the same either way (11.3 s)
GUIDE_CORES = 1


@dataclass
class Chunk:
    """A batch of frames with the packets that came among them, in the film's order; the
    stages fill in the rest."""

    items: list[media.LumaFrame | av.Packet]  # as decoded: frames and packets to copy
    # the model's work on the frames (their positions), once submitted
    pending: list[tuple[list[int], Pending]] = field(default_factory=list)
    # per frame, in order: its working luma, (2, h, w) smoothed chroma, guided colour and saturation
    coloured: list[tuple[np.ndarray, np.ndarray, GuidedColour | None, float]] = field(default_factory=list)
    planes: list[np.ndarray] = field(default_factory=list)  # per frame, (2, ch, cw) chroma codes to write

    @property
    def frames(self) -> list[media.LumaFrame]:
        return [item for item in self.items if isinstance(item, media.LumaFrame)]


def luma_frames(items: Iterable[media.Decoded | av.Packet]) -> Iterator[media.LumaFrame | av.Packet]:
    """The reader's frames as luma planes (copied, so the decoder's frame is freed at once)."""
    for item in items:
        yield media.LumaFrame(item.index, item.pts, item.luma()) if isinstance(item, media.Decoded) else item


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


def chroma_planes(
    chroma: np.ndarray,
    work: np.ndarray,
    luma: np.ndarray,
    info: media.FilmInfo,
    src: str,
    size: tuple[int, int],
    out: CodeRange,
    saturation: float = 1.0,
    guided: GuidedColour | None = None,
) -> np.ndarray:
    """One frame's (2, h, w) predicted chroma (in matrix `src`, beside its (h, w) working luma
    `work`) -> (2, size[1], size[0]) codes for the film's matrix, beside the film's own (H, W)
    `luma` codes, times `saturation`.

    Scaled up to the chroma planes' size, then kept inside the gamut for every pixel it will
    colour: each chroma sample is scaled toward gray (its hue kept) until it fits the darkest
    and the brightest of the film's pixels it is shared by (one in 4:4:4, a 2x2 block in 4:2:0),
    so no pixel's colour needs clipping, and none is toned down for its neighbours.

    A guided frame's sure colour (`guided`) is sampled from its pictures at this size, its detail
    whole, and put over the rest (`chroma`: the guide's colour where unsure) as far as it is
    sure (`GuidedColour.over`); it is held to no more than its own block's mean luma.
    """
    cbcr = convert_chroma(work, chroma.transpose(1, 2, 0) * np.float32(saturation), src, info.matrix)  # (h, w, 2)
    # a small film's chroma planes are smaller than the working size: average, do not skip
    shrink = size[0] < cbcr.shape[1]
    cbcr = cv2.resize(
        np.ascontiguousarray(cbcr, dtype=np.float32), size, interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    )  # (H', W', 2)
    if guided is not None:  # the guide's colour even where unsure: held to its block's mean luma as the sure part
        mean = info.code_range.luma_to_unit(cv2.resize(luma, size, interpolation=cv2.INTER_AREA))
        cbcr = guided.over(fit_chroma_to_gamut(mean, cbcr, info.matrix), mean, size, info.matrix)
    else:
        low, high = _shared_luma(luma, size)
        cbcr = fit_chroma_to_gamut(
            info.code_range.luma_to_unit(low), cbcr, info.matrix, y_high=info.code_range.luma_to_unit(high)
        )
    return out.unit_to_chroma(cbcr).transpose(2, 0, 1)  # (2, H', W')


def _shared_luma(luma: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest of the (H, W) luma codes each chroma sample of a (w, h) = `size`
    plane is shared by: (h, w) each (the luma itself where the planes are the same size)."""
    h, w = luma.shape
    fx, fy = -(-w // size[0]), -(-h // size[1])  # luma pixels per chroma sample, across and down
    if fx == fy == 1:
        return luma, luma
    box = np.ones((fy, fx), np.uint8)
    return cv2.erode(luma, box, anchor=(0, 0))[::fy, ::fx], cv2.dilate(luma, box, anchor=(0, 0))[::fy, ::fx]


class Renderer:
    """What every part of one render shares: the model and its predictor, the film's geometry,
    the encoding and smoothing settings, and the busy time of each stage. `model`: one already
    loaded (else it is loaded from `inference.weights`). `guided`: a guided render's, whose
    model leaves one core of the CPU to the guide (GUIDE_CORES)."""

    def __init__(
        self,
        info: media.FilmInfo,
        inference: InferenceConfig,
        encode: EncodeConfig,
        smooth: SmoothConfig,
        model: Generator | None = None,
        queue_depth: int = 2,
        guided: bool = False,
    ) -> None:
        self.info, self.encode, self.smooth, self.queue_depth = info, encode, smooth, queue_depth
        self.saturation = inference.saturation
        device = pick_device(inference.device)
        self.model = model if model is not None else load_model(inference.weights, device)
        self.size = working_size(info.width, info.height, inference.model_size)
        self.predictor = Predictor(
            self.model,
            device,
            info.code_range,
            self.size,
            inference.amp,
            inference.compile,
            inference.edge_radius,
            inference.engine,
            GUIDE_CORES if guided else 0,
        )
        dtype = np.dtype(np.uint8 if info.code_range.bits <= 8 else np.uint16)
        self.batch_size = inference.batch_size or self.predictor.auto_batch_size((info.height, info.width), dtype)
        self.busy = dict.fromkeys(STAGES, 0.0)

    def smoother(self, guide: Guidance | None = None, first: int = 0, state: dict | None = None) -> Smoother:
        """The smoother of one stream from frame `first`, and `guide` brought there (`guide.follow`)."""
        return follow(self.smooth, guide, first, state)

    def writer(self, path: Path, container: av.container.InputContainer, copy_streams: bool = True) -> FilmWriter:
        return FilmWriter(path, container, self.info, self.encode, copy_streams=copy_streams)

    def run(
        self,
        items: Iterable[media.Decoded | av.Packet],
        writer: FilmWriter,
        smoother: Smoother,
        progress: Callable[[int], None] | None = None,
        guide: Guidance | None = None,
        cuts: Collection[int] | None = None,
    ) -> list[int]:
        """Render `items` (the reader's frames, and packets to copy) into `writer`, the stages
        overlapped; returns the frames where a shot starts. `progress(n)` after each chunk of
        n frames. With `guide`, its colour (`filmcolor.guidance.guide.frame_colour`: a guidance mode's,
        the keyframes' carried into their shots) and its cuts; else `cuts`, the frames where a shot starts, found before (a film
        rendered in segments), or found here as the frames are decoded (`filmcolor.guidance.cuts`)."""
        busy, found = self.busy, list[int]()
        matrix = self.model.config.matrix
        starts: Collection[int] = guide.cuts if guide is not None else cuts if cuts is not None else set()
        frames_in = luma_frames(items)
        if guide is None and cuts is None:
            assert isinstance(starts, set)  # filled as the frames are decoded, before they reach the smoother
            frames_in = _cuts_found(frames_in, shots.finder(self.info.code_range, self.smooth.scene_threshold), starts)

        def infer(chunk: Chunk) -> Chunk:
            t = time.perf_counter()
            frames = chunk.frames
            if frames:  # on CUDA, submit returns before the GPU is done
                chunk.pending.append((list(range(len(frames))), self.predictor.submit([f.luma for f in frames])))
            busy["model"] += time.perf_counter() - t
            return chunk

        def colour(chunk: Chunk) -> Chunk:
            t = time.perf_counter()
            if not chunk.pending:  # packets only
                return chunk
            results = {}
            for positions, pending in chunk.pending:
                work, chroma = pending.result()  # (B, h, w), (B, 2, h, w)
                results.update({p: (work[k], chroma[k]) for k, p in enumerate(positions)})
            chunk.pending = []
            for i, frame in enumerate(chunk.frames):
                y, c = results[i]
                cut = frame.index in starts
                # in order: the state is the previous frame
                c, guided = frame_colour(smoother, guide, frame.index, y, c, cut)
                if cut:
                    found.append(frame.index)
                saturation = self.saturation if guided is None or guided.saturate else 1.0
                chunk.coloured.append((y, c, guided, saturation))
            busy["smooth"] += time.perf_counter() - t
            return chunk

        def upsample(chunk: Chunk) -> Chunk:
            t = time.perf_counter()
            for frame, (y, c, guided, saturation) in zip(chunk.frames, chunk.coloured, strict=True):
                chunk.planes.append(
                    chroma_planes(
                        c, y, frame.luma, self.info, matrix, writer.chroma_size, writer.out_range, saturation, guided
                    )
                )
            chunk.coloured = []
            busy["chroma"] += time.perf_counter() - t
            return chunk

        decoded = chunks(timed(frames_in, busy, "decode"), self.batch_size)
        for chunk in overlapped(decoded, [infer, colour, upsample], self.queue_depth):
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
        return found


def _cuts_found(
    items: Iterable[media.LumaFrame | av.Packet], finder: CutFinder, starts: set[int]
) -> Iterator[media.LumaFrame | av.Packet]:
    """`items`, each frame passed on once the cut test has decided it, into `starts` where a
    shot starts (never at the first: a render that begins mid-film goes on from there)."""
    for item, cut in with_cuts(items, lambda i: i.luma if isinstance(i, media.LumaFrame) else None, finder):
        if cut:
            starts.add(item.index)  # type: ignore[union-attr]  # only frames start shots
        yield item
