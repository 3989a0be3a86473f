"""The render's stage graph: one stream of a film's frames (and the packets among them) in,
a coloured film out, in bounded memory.

    decode -> luma plane -> working size -> batch -> generator -> chroma -> smoothing ->
    chroma planes at the film's size -> encode beside the film's own luma, packets copied

Decoding, the model, smoothing with chroma upsampling, and encoding are four threads joined
by bounded queues (`filmcolor.stages`): they overlap, and memory stays bounded. The same graph
renders a whole film in one pass (`filmcolor.render`) and each segment of a long one
(`filmcolor.segments`, also on a Ray cluster: `filmcolor.cluster`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np

from . import media
from .color import CodeRange, convert_chroma, fit_chroma_to_gamut
from .devices import pick_device
from .encoding import EncodeConfig
from .inference import InferenceConfig, Pending, Predictor, load_model, working_size
from .models import Generator
from .stages import overlapped
from .temporal import SmoothConfig, Smoother
from .writer import FilmWriter

STAGES = ("decode", "model", "smooth", "encode")


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


def chroma_planes(chroma: np.ndarray, work: np.ndarray, luma: np.ndarray, info: media.FilmInfo, src: str, size: tuple[int, int], out: CodeRange, saturation: float = 1.0) -> np.ndarray:
    """One frame's (2, h, w) predicted chroma (in matrix `src`, beside its (h, w) working luma
    `work`) -> (2, size[1], size[0]) codes for the film's matrix, beside the film's own (H, W)
    `luma` codes, times `saturation`.

    The chroma is kept inside the gamut for every full-resolution pixel it will colour: each
    working sample is scaled toward gray (its hue kept) until it fits the darkest and the
    brightest film pixel within one working pixel of it, the reach of the bilinear upsampling;
    a mix of samples that each fit stays inside. Then it is turned into integer codes at the
    working size and scaled up as codes: OpenCV's integer bilinear filter is several times
    faster than scaling floats, and rounding before rather than after moves a code by at most
    one step.
    """
    cbcr = convert_chroma(work, chroma.transpose(1, 2, 0) * np.float32(saturation), src, info.matrix)  # (h, w, 2)
    low, high = _luma_reach(luma, (work.shape[1], work.shape[0]))
    cbcr = fit_chroma_to_gamut(info.code_range.luma_to_unit(low), cbcr, info.matrix, y_high=info.code_range.luma_to_unit(high))
    codes = out.unit_to_chroma(cbcr)  # (h, w, 2) uint8 or uint16
    return cv2.resize(codes, size, interpolation=cv2.INTER_LINEAR).transpose(2, 0, 1)  # (2, H, W)


def _luma_reach(luma: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest of the (H, W) luma codes within a working pixel's reach (its own
    footprint and its neighbours'), at the working `size` (w, h): (h, w) each.

    OpenCV's nearest-neighbour resize takes the film pixel floor(j * scale) for working pixel j,
    the top-left of its footprint, so the film is first eroded (dilated) over a box that starts
    a pixel before it and ends a pixel past the footprint; a 3x3 box at the working size then
    adds the neighbours, whose samples the bilinear upsampling mixes in.
    """
    h, w = luma.shape
    k = int(np.ceil(max(h / size[1], w / size[0]))) + 2  # a footprint and a pixel either side
    box = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    near = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
    low = cv2.erode(cv2.resize(cv2.erode(luma, box, anchor=(1, 1)), size, interpolation=cv2.INTER_NEAREST), near)
    high = cv2.dilate(cv2.resize(cv2.dilate(luma, box, anchor=(1, 1)), size, interpolation=cv2.INTER_NEAREST), near)
    return low, high


class Renderer:
    """What every part of one render shares: the model and its predictor, the film's geometry,
    the encoding and smoothing settings, and the busy time of each stage. `model`: one already
    loaded (else it is loaded from `inference.weights`)."""

    def __init__(
        self,
        info: media.FilmInfo,
        inference: InferenceConfig,
        encode: EncodeConfig,
        smooth: SmoothConfig,
        model: Generator | None = None,
        queue_depth: int = 2,
    ) -> None:
        self.info, self.encode, self.smooth, self.queue_depth = info, encode, smooth, queue_depth
        self.saturation = inference.saturation
        device = pick_device(inference.device)
        self.model = model if model is not None else load_model(inference.weights, device)
        self.size = working_size(info.width, info.height, inference.model_size)
        self.predictor = Predictor(self.model, device, info.code_range, self.size, inference.amp, inference.compile)
        dtype = np.uint8 if info.code_range.bits <= 8 else np.uint16
        self.batch_size = inference.batch_size or self.predictor.auto_batch_size((info.height, info.width), dtype)
        self.busy = dict.fromkeys(STAGES, 0.0)

    def smoother(self) -> Smoother:
        return Smoother(self.smooth)

    def writer(self, path: Path, container: av.container.InputContainer, copy_streams: bool = True) -> FilmWriter:
        return FilmWriter(path, container, self.info, self.encode, copy_streams=copy_streams)

    def run(self, items: Iterable[media.Decoded | av.Packet], writer: FilmWriter, smoother: Smoother, progress: Callable[[int], None] | None = None) -> list[int]:
        """Render `items` (the reader's frames, and packets to copy) into `writer`, the stages
        overlapped; returns the frames where a cut was found. `progress(n)` after each chunk of
        n frames."""
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
                chunk.planes.append(chroma_planes(c, y, frame.luma, self.info, matrix, writer.chroma_size, writer.out_range, self.saturation))
            busy["smooth"] += time.perf_counter() - t
            return chunk

        decoded = chunks(timed(luma_frames(items), busy, "decode"), self.batch_size)
        for chunk in overlapped(decoded, [infer, finish], self.queue_depth):
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
