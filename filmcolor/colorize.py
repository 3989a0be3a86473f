"""Inference: luma at full resolution in, chroma planes out. Shared by films and stills.

Each step is a pure function: the model object holds weights only, never state between
calls, so frames can be batched, reordered or split across workers freely.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .color import CodeRange, convert_chroma
from .errors import FilmcolorError
from .models import Generator, load_weights

DEFAULT_WEIGHTS = Path(__file__).resolve().parent.parent / "weights" / "filmcolor.pt"


def pick_device(name: str) -> torch.device:
    """'auto' takes CUDA when there is one; asking for CUDA without one is the user's to fix."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise FilmcolorError("--device cuda: no CUDA GPU is available here; use --device cpu or auto")
    if name not in ("cpu",) and not name.startswith("cuda"):
        raise FilmcolorError(f"--device {name}: use auto, cpu or cuda")
    return torch.device(name)


def load_model(weights: str | os.PathLike | None, device: torch.device) -> Generator:
    """The generator from `weights` (default: the shipped file), ready for inference on `device`."""
    model, _ = load_weights(weights or DEFAULT_WEIGHTS)
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


@torch.inference_mode()
def predict_chroma(model: Generator, luma: np.ndarray, device: torch.device) -> np.ndarray:
    """(B, h, w) float luma in [0, 1] -> (B, 2, h, w) float chroma in the model's matrix."""
    x = torch.from_numpy(luma).to(device)[:, None]  # (B, 1, h, w)
    return model(x).float().cpu().numpy()  # (B, 2, h, w)


def working_luma(codes: torch.Tensor, code_range: CodeRange, size: tuple[int, int]) -> torch.Tensor:
    """`to_working` in torch, for the GPU: (B, H, W) integer codes -> (B, h, w) float32 in [0, 1]."""
    black, white = code_range.luma_black_white
    unit = (codes.float() - black) / (white - black)  # (B, H, W)
    w, h = size
    mode = "area" if w < codes.shape[-1] else "bilinear"
    small = F.interpolate(unit[:, None], size=(h, w), mode=mode, **({} if mode == "area" else {"align_corners": False}))
    return small[:, 0].clamp_(0.0, 1.0)  # (B, h, w)


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

    On the CPU: OpenCV resizing, then the model under inference_mode, in the caller's thread,
    on as many threads as the process has cores (channels_last measured slower there).
    On CUDA: the codes are copied from pinned memory on a copy stream (non-blocking), resized
    and coloured on a compute stream that waits for that copy's event, under bf16 or fp16
    autocast with channels_last, and copied back into pinned memory; `submit` returns at once,
    so the next batch's copy overlaps this one's compute. The model object holds no state.
    """

    def __init__(self, model: Generator, device: torch.device, code_range: CodeRange, size: tuple[int, int], amp: str = "bf16", compile: bool = False) -> None:
        self.device, self.code_range, self.size, self.amp = device, code_range, size, amp
        self.model = model.to(device).eval()
        if device.type == "cpu" and "OMP_NUM_THREADS" not in os.environ:  # Ray and users who set it know better
            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()  # the cores this process may use
            torch.set_num_threads(max(1, cores or 1))
        if device.type == "cuda":
            self.model = self.model.to(memory_format=torch.channels_last)
            self.copy_stream = torch.cuda.Stream(device)
            self.compute_stream = torch.cuda.Stream(device)
        self.run = torch.compile(self.model) if compile else self.model

    @torch.inference_mode()
    def submit(self, lumas: list[np.ndarray]) -> Pending:
        """Start on a batch of (H, W) luma code planes (all the same size)."""
        if self.device.type != "cuda":
            work = np.stack([to_working(y, self.code_range, self.size) for y in lumas])  # (B, h, w)
            chroma = self.run(torch.from_numpy(work)[:, None]).float()  # (B, 2, h, w)
            return Pending(torch.from_numpy(work), chroma)
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
            cast = torch.autocast("cuda", dtype=torch.bfloat16 if self.amp == "bf16" else torch.float16, enabled=self.amp != "off")
            with cast:
                chroma = self.run(x).float()  # (B, 2, h, w)
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


def chroma_planes(chroma: np.ndarray, luma: np.ndarray, src: str, dst: str, size: tuple[int, int], out: CodeRange) -> np.ndarray:
    """One frame's (2, h, w) predicted chroma -> (2, size[1], size[0]) codes for the film's matrix.

    Turned into integer codes at the working size, then scaled up as codes: OpenCV's integer
    bilinear filter is several times faster than scaling floats, and rounding before rather
    than after moves a code by at most one step.
    """
    cbcr = convert_chroma(luma, chroma.transpose(1, 2, 0), src, dst)  # (h, w, 2)
    codes = out.unit_to_chroma(cbcr)  # (h, w, 2) uint8 or uint16
    return cv2.resize(codes, size, interpolation=cv2.INTER_LINEAR).transpose(2, 0, 1)  # (2, H, W)
