"""Where the networks run and at what precision: one rule for rendering and training."""

from __future__ import annotations

from contextlib import nullcontext

import torch

from .configs import AMP_CHOICES
from .errors import FilmcolorError, InputError


def pick_device(name: str) -> torch.device:
    """'auto' takes CUDA when there is one; asking for CUDA without one is the user's to fix."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise FilmcolorError("--device cuda: no CUDA GPU is available here; use --device cpu or auto")
    if name not in ("cpu",) and not name.startswith("cuda"):
        raise FilmcolorError(f"--device {name}: use auto, cpu or cuda")
    return torch.device(name)


def check_amp(amp: str) -> None:
    if amp not in AMP_CHOICES:
        raise InputError(f"--amp {amp}: use {', '.join(AMP_CHOICES)}")


def autocast(device: torch.device, amp: str):
    """bf16 or fp16 autocast on CUDA; fp32 elsewhere (CPU autocast costs more than it saves)."""
    if device.type != "cuda" or amp == "off":
        return nullcontext()
    return torch.autocast("cuda", dtype=torch.bfloat16 if amp == "bf16" else torch.float16)
