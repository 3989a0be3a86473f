"""Inference: luma at full resolution in, chroma planes out. Shared by films and stills.

Each step is a pure function: the model object holds weights only, never state between
calls, so frames can be batched, reordered or split across workers freely.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import torch

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
    """(H, W) luma codes -> (h, w) float32 luma in [0, 1] at the working size."""
    unit = np.clip(code_range.luma_to_unit(luma), 0.0, 1.0)
    interp = cv2.INTER_AREA if size[0] < luma.shape[1] else cv2.INTER_LINEAR
    return cv2.resize(unit, size, interpolation=interp)


@torch.inference_mode()
def predict_chroma(model: Generator, luma: np.ndarray, device: torch.device) -> np.ndarray:
    """(B, h, w) float luma in [0, 1] -> (B, 2, h, w) float chroma in the model's matrix."""
    x = torch.from_numpy(luma).to(device)[:, None]  # (B, 1, h, w)
    return model(x).float().cpu().numpy()  # (B, 2, h, w)


def chroma_planes(chroma: np.ndarray, luma: np.ndarray, src: str, dst: str, size: tuple[int, int], out: CodeRange) -> np.ndarray:
    """One frame's (2, h, w) predicted chroma -> (2, size[1], size[0]) codes for the film's matrix."""
    cbcr = convert_chroma(luma, chroma.transpose(1, 2, 0), src, dst)  # (h, w, 2)
    cbcr = cv2.resize(np.ascontiguousarray(cbcr, dtype=np.float32), size, interpolation=cv2.INTER_LINEAR)
    return out.unit_to_chroma(cbcr.transpose(2, 0, 1))
