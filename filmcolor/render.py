"""The render: one stream from the B&W film to the coloured one, in bounded memory.

decode -> luma plane -> working size -> batch -> generator -> chroma -> chroma planes
beside the film's own luma -> encode and mux, with every audio and subtitle packet
copied as it comes -> rename onto the output once complete.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import media
from .colorize import chroma_planes, load_model, pick_device, predict_chroma, to_working, working_size
from .errors import InputError
from .outputs import atomic_output, check_output
from .temporal import SmoothConfig, Smoother


@dataclass
class RenderConfig:
    weights: Path | None = None  # generator weights; None takes the shipped default
    model_size: int = 256  # short side of the picture the model sees, in px
    batch_size: int = 8  # frames per model call
    device: str = "auto"  # auto, cpu or cuda
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


@dataclass
class RenderResult:
    output: Path
    frames: int
    seconds: float
    cuts: list[int]  # frames (0-based, in the render) where a new shot starts

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


Progress = Callable[[int, int], None]  # (frames done, frames expected)


def render(source: str | Path, output: str | Path, config: RenderConfig, progress: Progress | None = None) -> RenderResult:
    """Colour `source` into `output`. Raises FilmcolorError subclasses for what the user can fix;
    the output path is untouched unless the whole film rendered."""
    source = media.check_input(source)
    output = check_output(output, config.overwrite, inputs=(source,))
    if config.model_size < 16 or config.batch_size < 1:
        raise InputError("--model-size must be at least 16 and --batch-size at least 1")
    if config.start < 0 or (config.duration is not None and config.duration <= 0):
        raise InputError("--start must be >= 0 and --duration > 0")
    if not 0 <= config.smooth_strength <= 1:
        raise InputError("--smooth-strength must be between 0 and 1")
    device = pick_device(config.device)
    model = load_model(config.weights, device)
    t0 = time.perf_counter()
    with media.open_film(source) as container:
        info = media.film_info(container)
        expected = info.frames if config.duration is None else max(1, round(config.duration * float(info.rate)))
        size = working_size(info.width, info.height, config.model_size)
        done, cuts = 0, []
        smoother = Smoother(SmoothConfig(strength=config.smooth_strength if config.smooth else 0.0, scene_threshold=config.scene_threshold))
        with atomic_output(output) as tmp:
            with media.FilmWriter(tmp, container, info, config.codec, config.crf, config.preset, config.pix_fmt) as writer:
                batch: list[media.LumaFrame] = []

                def flush() -> None:
                    nonlocal done
                    work = np.stack([to_working(f.luma, info.code_range, size) for f in batch])  # (B, h, w)
                    chroma = predict_chroma(model, work, device)  # (B, 2, h, w)
                    for frame, c, y in zip(batch, chroma, work):
                        c, cut = smoother(y, c)  # in order: the state is the previous frame
                        if cut:
                            cuts.append(frame.index)
                        writer.write(frame.luma, chroma_planes(c, y, model.config.matrix, info.matrix, writer.chroma_size, writer.out_range), frame.pts)
                    done += len(batch)
                    batch.clear()
                    if progress:
                        progress(done, max(expected, done))

                for item in media.read_film(container, config.start, config.duration):
                    if isinstance(item, media.LumaFrame):
                        batch.append(item)
                        if len(batch) == config.batch_size:
                            flush()
                    else:
                        writer.copy_packet(item)
                if batch:
                    flush()
    return RenderResult(output=output, frames=done, seconds=time.perf_counter() - t0, cuts=cuts)
