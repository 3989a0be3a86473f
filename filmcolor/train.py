"""Fitting the generator. For now the supervised chroma fit on colour pictures (luma in,
their own chroma as target), which makes the first shipped weights."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

from .models import Generator


@dataclass
class FitConfig:
    steps: int = 2000  # optimiser steps
    batch_size: int = 12  # crops per step
    lr: float = 2e-4  # Adam learning rate, decayed linearly to 0 over the second half
    seed: int = 0  # torch seed: crops and initial weights
    workers: int = 0  # DataLoader worker processes


def chroma_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Smooth L1 on (B, 2, H, W) chroma: robust, so rare vivid colours are not averaged to gray as with L2."""
    return F.smooth_l1_loss(pred, target, beta=0.02)


def fit_supervised(
    model: Generator,
    data: Dataset,
    config: FitConfig,
    on_step: Callable[[int, float, float], None] | None = None,
) -> Generator:
    """Train `model` to predict the chroma of `data`'s crops from their luma.

    `on_step(step, loss, seconds)` is called after each step, for progress and logs.
    """
    torch.manual_seed(config.seed)
    loader = DataLoader(data, batch_size=config.batch_size, num_workers=config.workers)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, betas=(0.5, 0.999))
    half = config.steps // 2
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0 if s < half else max(0.0, (config.steps - s) / (config.steps - half)))
    model.train()
    t0 = time.perf_counter()
    for step, (luma, chroma) in enumerate(loader, start=1):
        loss = chroma_loss(model(luma), chroma)  # luma (B, 1, S, S), chroma (B, 2, S, S)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if on_step:
            on_step(step, loss.item(), time.perf_counter() - t0)
        if step >= config.steps:
            break
    model.eval()
    return model
