"""A training run's folder: what it holds, and how it is written so a crash costs little.

    RUN/checkpoint.pt   everything to continue: step, settings, networks, optimisers, pools, RNGs
    RUN/weights.pt      G_AB alone, what `filmcolor render --weights` takes
    RUN/SHA256SUMS      the SHA-256 of both, as `sha256sum -c SHA256SUMS` checks them
    RUN/previews/       step-NNNNNN.png grids
    RUN/log.jsonl       one line of losses and it/s per step

Checkpoints, weights and previews are written under a temporary name and renamed, so a run
killed at any moment leaves the last complete ones. A resumed run first checks the checkpoint
against SHA256SUMS: a file damaged on disk or in a copy would otherwise go on silently from
wrong optimiser state (torch does not check what it reads). SHA256SUMS is written after both
new files are complete and before they are renamed into place, so at every moment either the
files in place or their temporary copies match it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import torch

from ..configs import UNCHECKED_OPTION
from ..errors import InputError, OutputError
from ..outputs import atomic_output, part_path

CHECKPOINT = "checkpoint.pt"
WEIGHTS = "weights.pt"
LOG = "log.jsonl"
SUMS = "SHA256SUMS"
PREVIEWS = "previews"
RUN_FORMAT = "filmcolor-run"  # tag stored in every checkpoint
RUN_VERSION = 2  # bumped when the checkpoint's layout changes (2: G_BA's settings stored as "decolouriser")

log = logging.getLogger("filmcolor")


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
    for name in (CHECKPOINT, WEIGHTS, LOG, SUMS):
        (run / name).unlink(missing_ok=True)
        part_path(run / name).unlink(missing_ok=True)
    shutil.rmtree(run / PREVIEWS, ignore_errors=True)
    run.mkdir(exist_ok=True)


def save_checkpoint(run: Path, state: dict, write_weights: Callable[[Path], None]) -> None:
    """Write the checkpoint, and the weights by `write_weights(path)`, with their checksums: the
    old files stay until the new ones are complete and summed (see the module's doc)."""
    parts = {name: part_path(run / name) for name in (CHECKPOINT, WEIGHTS)}
    sums: dict[str, str] = {}
    try:
        torch.save({"format": RUN_FORMAT, "version": RUN_VERSION, **state}, parts[CHECKPOINT])
        write_weights(parts[WEIGHTS])
        sums = {name: sha256(part) for name, part in parts.items()}
        with atomic_output(run / SUMS) as tmp:
            tmp.write_text("".join(f"{digest}  {name}\n" for name, digest in sums.items()))
    except BaseException:
        if not sums or read_sums(run) != sums:  # not committed: the parts are nobody's
            for part in parts.values():
                part.unlink(missing_ok=True)
        raise
    for name, part in parts.items():
        os.replace(part, run / name)


def sha256(path: Path) -> str:
    """A file's SHA-256, as `sha256sum` prints it, read a MiB at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def read_sums(run: Path) -> dict[str, str]:
    """{file name: SHA-256} of a run's SHA256SUMS; empty when there is none."""
    try:
        lines = (run / SUMS).read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    return {name: digest for digest, _, name in (line.partition("  ") for line in lines) if name}


def _verified_checkpoint(run: Path, unchecked: bool = False) -> Path:
    """The checkpoint file whose SHA-256 is the one SHA256SUMS gives: checkpoint.pt, or its
    temporary copy when a run was killed between summing it and renaming it into place. A
    checkpoint without a sum (a run from an older filmcolor, or a lost SHA256SUMS) may be
    damaged, and torch reads damage without a word: refused unless `unchecked` (the user's
    UNCHECKED_OPTION) takes it as it is; the next checkpoint has a sum again."""
    path = run / CHECKPOINT
    expected = read_sums(run).get(CHECKPOINT)
    if expected is None:
        if not unchecked:
            raise InputError(
                f"{run} has no {SUMS}, so its checkpoint cannot be checked for damage; pass {UNCHECKED_OPTION} to go on from it as it is, or start a new run with --overwrite"
            )
        log.warning("%s has no %s: its checkpoint is used unchecked, as %s asks", run, SUMS, UNCHECKED_OPTION)
        return path
    if sha256(path) == expected:
        return path
    if part_path(path).is_file() and sha256(part_path(path)) == expected:
        return part_path(path)
    raise InputError(
        f"{path} does not match its checksum in {run / SUMS}: the file is damaged; restore the run folder from a copy, or start a new run with --overwrite"
    )


def load_checkpoint(run: Path, unchecked: bool = False) -> dict:
    """The checkpoint's state, once checked against SHA256SUMS (`unchecked`: one without a sum
    taken as it is); InputError for a damaged, unsummed or foreign one."""
    path = _verified_checkpoint(run, unchecked)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for foreign or damaged files
        raise InputError(
            f"{run / CHECKPOINT} cannot be read ({type(exc).__name__}); start a new run with --overwrite"
        ) from None
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
