"""Inference: luma codes at full resolution in, the model's chroma at the working size out.
The one path for films and stills, on the CPU and on CUDA.

The chroma comes out of the model already shrunk where it is unsure (the `confident` head's
table, `filmcolor.models`) and is then filtered under the luma's guidance
(`filmcolor.edgeaware`): flat luma, flat chroma; colour edges only at the picture's edges.

Each step is a pure function: the model object holds weights only, never state between
calls, so frames can be batched, reordered or split across workers freely.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .assets import weights_path
from .colour import CodeRange
from .configs import InferenceConfig as InferenceConfig  # defined with the CLI's light settings; imported from here too
from .devices import autocast
from .edgeaware import RADIUS, guided_filter
from .errors import InputError
from .models import Generator, load_weights
from .onnx_engine import OnnxGenerator, choose


def load_model(weights: str | Path | None, device: torch.device) -> Generator:
    """The generator from `weights` (None: the shipped weights), ready for inference on `device`;
    WeightsError when the file does not fit."""
    model, _ = load_weights(weights_path(weights))
    return model.to(device).eval()


def working_size(width: int, height: int, short: int) -> tuple[int, int]:
    """(w, h) with the short side `short` and the aspect ratio kept: the scale the model was fitted at."""
    scale = short / min(width, height)
    return max(8, round(width * scale)), max(8, round(height * scale))


def to_working(luma: np.ndarray, code_range: CodeRange, size: tuple[int, int]) -> np.ndarray:
    """(H, W) luma codes -> (h, w) float32 luma in [0, 1] at the working size.

    The codes are resized first and converted after: at 1080p that converts 16 times fewer
    samples, and the area filter's rounding (half a code) is far below what the model sees.
    """
    interp = cv2.INTER_AREA if size[0] < luma.shape[1] else cv2.INTER_LINEAR
    return np.clip(code_range.luma_to_unit(cv2.resize(luma, size, interpolation=interp)), 0.0, 1.0)


def working_luma(codes: torch.Tensor, code_range: CodeRange, size: tuple[int, int]) -> torch.Tensor:
    """`to_working` in torch, for the GPU: (B, H, W) integer codes -> (B, h, w) float32 in [0, 1].

    The same filters as OpenCV's, so a film colours the same on either device: shrinking is
    OpenCV's INTER_AREA, each output pixel the mean of the input area it covers, fractions of
    pixels weighted by their share (as two small matrices, `area_weights`; torch's own "area"
    mode averages whole pixels only, up to 0.18 apart at 1080p); enlarging is bilinear with
    pixel centres at half-integers, as INTER_LINEAR.
    """
    unit = code_range.luma_to_unit(codes)  # (B, H, W)
    w, h = size
    if w < codes.shape[-1]:
        rows = area_weights(codes.shape[-2], h, unit.device)  # (h, H)
        cols = area_weights(codes.shape[-1], w, unit.device)  # (w, W)
        small = rows @ unit @ cols.T  # (B, h, w)
    else:
        small = F.interpolate(unit[:, None], size=(h, w), mode="bilinear", align_corners=False)[:, 0]
    return small.clamp_(0.0, 1.0)  # (B, h, w)


@lru_cache(maxsize=16)
def area_weights(n_in: int, n_out: int, device: torch.device) -> torch.Tensor:
    """(n_out, n_in) float32: output pixel j is the mean of input [j * s, (j + 1) * s), s = n_in / n_out,
    each input pixel weighted by how much of it lies inside (OpenCV's INTER_AREA on one axis)."""
    scale = n_in / n_out
    edges = np.arange(n_out + 1) * scale  # (n_out + 1,) output pixels' edges, in input pixels
    left = np.arange(n_in)  # input pixel k covers [k, k + 1)
    # (n_out, n_in)
    cover = np.clip(np.minimum(edges[1:, None], left + 1) - np.maximum(edges[:-1, None], left), 0.0, None)
    return torch.from_numpy((cover / scale).astype(np.float32)).to(device)


@dataclass
class Pending:
    """A batch on its way through the model. `result()` gives (work, chroma) as numpy arrays,
    (B, h, w) luma at the working size and (B, 2, h, w) chroma; on CUDA it waits for this
    batch's own event, never for the whole device."""

    work: torch.Tensor  # (B, h, w) float32, on the host (pinned on CUDA)
    chroma: torch.Tensor  # (B, 2, h, w) float32, on the host
    done: torch.cuda.Event | None = None  # recorded after the copies back; None on the CPU
    keep: tuple = ()  # host buffers the GPU still reads from until `done`

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        if self.done is not None:
            self.done.synchronize()
        return self.work.numpy(), self.chroma.numpy()


class Predictor:
    """Luma codes at full resolution -> working-size luma and predicted chroma, batch by batch.

    On the CPU: OpenCV resizing, then the model under inference_mode (or its graph in ONNX
    Runtime, `filmcolor.onnx_engine`), in the caller's thread, on as many threads as the
    process has cores (channels_last measured slower there).
    On CUDA: the codes are copied from pinned memory on a copy stream (non-blocking), resized
    and coloured on a compute stream that waits for that copy's event, under bf16 or fp16
    autocast with channels_last, and copied back into pinned memory; `submit` returns at once,
    so the next batch's copy overlaps this one's compute. The model object holds no state.
    """

    def __init__(
        self,
        model: Generator,
        device: torch.device,
        code_range: CodeRange,
        size: tuple[int, int],
        amp: str = "bf16",
        compile: bool = False,
        edge_radius: int = RADIUS,
        engine: str = "auto",
        spare: int = 0,
    ) -> None:
        """`edge_radius`: the guided filter's radius in px at the working size (0: the model's
        chroma as it is); `engine`: what runs the generator (`filmcolor.onnx_engine.choose`);
        `spare`: cores the model leaves to the render's other stages on the CPU (at least one
        thread is its own)."""
        self.device, self.code_range, self.size, self.amp, self.edge_radius = device, code_range, size, amp, edge_radius
        self.model = model.to(device).eval()
        self.engine = choose(engine, device, compile)
        if self.engine.startswith("onnx") and device.type != "cpu":
            raise InputError(
                f"--engine {self.engine} runs on the CPU only; use --device cpu, or --engine torch on {device}"
            )
        if device.type == "cpu" and "OMP_NUM_THREADS" not in os.environ:  # Ray and users who set it know better
            # the cores this process may use
            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
            torch.set_num_threads(max(1, (cores or 1) - spare))
        if device.type == "cuda":
            self.model = self.model.to(memory_format=torch.channels_last)
            self.copy_stream = torch.cuda.Stream(device)
            self.compute_stream = torch.cuda.Stream(device)
        self.run: Callable[[torch.Tensor], torch.Tensor] = (
            OnnxGenerator(self.model, torch.get_num_threads(), int8=self.engine == "onnx-int8")
            if self.engine.startswith("onnx")
            else torch.compile(self.model)
            if compile
            else self.model
        )

    @torch.inference_mode()
    def submit(self, lumas: list[np.ndarray]) -> Pending:
        """Start on a batch of (H, W) luma code planes (all the same size)."""
        if self.device.type != "cuda":
            work = torch.from_numpy(np.stack([to_working(y, self.code_range, self.size) for y in lumas]))  # (B, h, w)
            chroma = guided_filter(work[:, None], self.run(work[:, None]).float(), self.edge_radius)  # (B, 2, h, w)
            return Pending(work, chroma)
        codes = np.stack(lumas)  # (B, H, W)
        host = torch.from_numpy(codes if codes.dtype == np.uint8 else codes.astype(np.int32)).pin_memory()
        with torch.cuda.stream(self.copy_stream):
            dev = host.to(self.device, non_blocking=True)
            uploaded = torch.cuda.Event()
            uploaded.record(self.copy_stream)
        self.compute_stream.wait_event(uploaded)
        with torch.cuda.stream(self.compute_stream):
            dev.record_stream(self.compute_stream)  # freed only after the compute stream is done with it
            work = working_luma(dev, self.code_range, self.size)  # (B, h, w)
            x = work[:, None].contiguous(memory_format=torch.channels_last)  # (B, 1, h, w)
            with autocast(self.device, self.amp):
                chroma = self.run(x).float()  # (B, 2, h, w)
            chroma = guided_filter(work[:, None], chroma, self.edge_radius)  # (B, 2, h, w)
            work_host = torch.empty(work.shape, dtype=torch.float32, pin_memory=True)
            chroma_host = torch.empty(chroma.shape, dtype=torch.float32, pin_memory=True)
            work_host.copy_(work, non_blocking=True)
            chroma_host.copy_(chroma, non_blocking=True)
            done = torch.cuda.Event()
            done.record(self.compute_stream)
        return Pending(work_host, chroma_host, done, keep=(host,))

    def auto_batch_size(self, frame_shape: tuple[int, int], dtype: np.dtype, limit: int = 64) -> int:
        """Frames per batch: 4 on the CPU (more gains no speed there, and at 1080p each 4 more
        cost 200 MB); on CUDA, what half the free memory holds, from one frame's measured peak."""
        if self.device.type != "cuda":
            return 4
        torch.cuda.synchronize(self.device)
        torch.cuda.reset_peak_memory_stats(self.device)
        before = torch.cuda.memory_allocated(self.device)
        self.submit([np.zeros(frame_shape, dtype)]).result()
        per_frame = max(1, torch.cuda.max_memory_allocated(self.device) - before)
        free, _ = torch.cuda.mem_get_info(self.device)
        return int(max(1, min(limit, free // 2 // per_frame)))
