"""A training run's folder: what it holds, and how it is written so a crash costs little.

    RUN/checkpoint.pt   everything to continue: step, settings, networks, optimisers, pools, RNGs
    RUN/weights.pt      G_AB alone, what `filmcolor render --weights` takes
    RUN/previews/       step-NNNNNN.png grids
    RUN/log.jsonl       one line of losses and it/s per step

Checkpoints, weights and previews are written under a temporary name and renamed, so a run
killed at any moment leaves the last complete ones.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import torch

from .errors import InputError, OutputError
from .outputs import atomic_output

CHECKPOINT = "checkpoint.pt"
WEIGHTS = "weights.pt"
LOG = "log.jsonl"
PREVIEWS = "previews"
RUN_FORMAT = "filmcolor-run"  # tag stored in every checkpoint
RUN_VERSION = 2  # bumped when the checkpoint's layout changes (2: G_BA's settings stored as "decolouriser")


def check(run: Path, resume: bool, overwrite: bool) -> None:
    """Refuse a run folder before any work: a new run needs an absent or empty folder, or
    --overwrite on an earlier run's folder; --resume needs a checkpoint. A folder that is not
    a run is never emptied."""
    run = Path(run)
    if not run.parent.is_dir():
        raise OutputError(f"folder {run.parent} does not exist; create it first")
    if run.exists() and not run.is_dir():
        raise OutputError(f"{run} is a file; give a folder for the run")
    is_run = (run / CHECKPOINT).is_file()
    if resume:
        if not is_run:
            raise InputError(f"--resume: {run} holds no {CHECKPOINT}; start a new run without --resume")
    elif run.exists() and any(run.iterdir()):
        if not is_run:
            raise OutputError(f"{run} exists and is not a training run; choose another folder")
        if not overwrite:
            raise OutputError(f"{run} holds a training run; pass --resume to continue it or --overwrite to start over")


def start(run: Path) -> None:
    """Make a checked folder ready for a new run: created, and emptied of an earlier run's files."""
    for name in (CHECKPOINT, WEIGHTS, LOG):
        (run / name).unlink(missing_ok=True)
    shutil.rmtree(run / PREVIEWS, ignore_errors=True)
    run.mkdir(exist_ok=True)


def save_checkpoint(run: Path, state: dict) -> None:
    """Write the checkpoint atomically: the old one stays until the new one is complete."""
    with atomic_output(run / CHECKPOINT) as tmp:
        torch.save({"format": RUN_FORMAT, "version": RUN_VERSION, **state}, tmp)


def load_checkpoint(run: Path) -> dict:
    path = run / CHECKPOINT
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for foreign or damaged files
        raise InputError(f"{path} cannot be read ({type(exc).__name__}); start a new run with --overwrite") from None
    if not isinstance(state, dict) or state.get("format") != RUN_FORMAT or state.get("version") != RUN_VERSION:
        raise InputError(f"{path} is not a checkpoint of this filmcolor; start a new run with --overwrite")
    return state


def trim_log(run: Path, step: int) -> None:
    """Drop log lines after `step`: a run resumed from step N repeats the steps after it."""
    path = run / LOG
    if not path.exists():
        return
    kept = [line for line in path.read_text().splitlines() if line.strip() and json.loads(line).get("step", 0) <= step]
    with atomic_output(path) as tmp:
        tmp.write_text("".join(line + "\n" for line in kept))


def write_png(path: Path, rgb: np.ndarray) -> None:
    """An (H, W, 3) uint8 RGB picture as a PNG, atomically."""
    ok, data = cv2.imencode(".png", np.ascontiguousarray(rgb[..., ::-1]))
    if not ok:
        raise OutputError(f"cannot encode {path.name}")
    path.parent.mkdir(exist_ok=True)
    with atomic_output(path) as tmp:
        tmp.write_bytes(data.tobytes())
