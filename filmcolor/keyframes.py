"""`filmcolor keyframes`: one frame of each shot as a picture to colour, the start of guided colour.

    filmcolor keyframes FILM -o DIR          # DIR/000000.png, DIR/000137.png, ... and keyframes.json
    (colour them in any image editor, whole or with a few strokes)
    filmcolor render FILM -o OUT --keyframes DIR

The film is decoded once: the render's own cut test (`temporal.cut_score` at the working size)
finds its shots, and each shot's first frame (and, with `every`, one every so many seconds
within it) is written at the film's full resolution, gray (its luma), or in the automatic
colour (`auto`) as a start to correct. Each file is named by its 0-based frame number, which
is how the render finds where it belongs. keyframes.json lists them with their times and shots.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from . import media
from .color import PICTURE
from .devices import pick_device
from .errors import OutputError
from .inference import InferenceConfig, load_model, to_working, working_size
from .outputs import locked
from .progress import Progress
from .settings import setting
from .stills import colour_picture
from .temporal import SmoothConfig, cut_score, luma8

LIST = "keyframes.json"
LIST_FORMAT = "filmcolor-keyframes"


@dataclass(frozen=True)
class KeyframesConfig:
    every: float | None = setting(None, "Also a keyframe every this many seconds within a shot (long shots).")
    auto: bool = setting(False, "Write the automatic colouring instead of gray: a start to correct.")
    scene_threshold: float = setting(SmoothConfig.scene_threshold, "Cut score above which a new shot starts (the render's test).")
    overwrite: bool = setting(False, "Replace an earlier keyframes folder (one holding keyframes.json: coloured keyframes in it are lost).")


@dataclass
class KeyframesResult:
    out_dir: Path
    keyframes: list[dict]  # as in keyframes.json
    shots: int
    seconds: float


def write_keyframes(film: str | Path, out_dir: str | Path, config: KeyframesConfig, inference: InferenceConfig, progress: Progress | None = None) -> KeyframesResult:
    """Write the keyframes of `film` into the folder `out_dir` (created; see the module's doc).
    FilmcolorError subclasses for what the user can fix, before any decoding but a damaged film."""
    t0 = time.perf_counter()
    film = media.check_input(film)
    out_dir = Path(out_dir)
    _check_out_dir(out_dir, config)
    inference.check()
    if config.every is not None and not config.every > 0:
        raise OutputError(f"--every must be more than 0 seconds (got {config.every})")
    device = pick_device(inference.device) if config.auto else None
    model = load_model(inference.weights, device) if config.auto else None
    target = Path(os.path.abspath(out_dir))
    with locked(target, "keyframes"), media.open_film(film) as container:
        info = media.film_info(container)
        size = working_size(info.width, info.height, inference.model_size)
        tmp = target.parent / f".{target.name}.part"  # named after the target: a killed run's is replaced next time
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            picked, shots = [], []  # shots: [first, last] frame of each
            prev, shot_start_time = None, None
            for item in media.read(container):
                t = float(item.pts * info.time_base)
                y8 = luma8(to_working(item.luma(), info.code_range, size))
                if prev is None or cut_score(prev, y8) > config.scene_threshold:
                    shots.append([item.index, item.index])
                    shot_start_time, due = t, t
                shots[-1][1] = item.index
                prev = y8
                if t >= due - 1e-6:
                    _write(tmp / f"{item.index:06d}.png", item.luma(), info, model, device, inference)
                    picked.append({"frame": item.index, "time": round(t, 6), "shot": len(shots) - 1})
                    due = shot_start_time + config.every * (1 + int((t - shot_start_time) / config.every + 1e-6)) if config.every else float("inf")
                if progress:
                    progress(item.index + 1, max(info.frames, item.index + 2))  # the length is an estimate until the end
            if progress and shots:
                progress(shots[-1][1] + 1, shots[-1][1] + 1)
            for entry in picked:
                entry["shot_first"], entry["shot_last"] = shots[entry["shot"]]
            listing = {"format": LIST_FORMAT, "version": 1, "film": str(film.resolve()), "auto": config.auto, "keyframes": picked}
            (tmp / LIST).write_text(json.dumps(listing, indent=1) + "\n")
            if target.exists():
                shutil.rmtree(target)
            os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return KeyframesResult(out_dir, picked, len(shots), time.perf_counter() - t0)


def _write(path: Path, luma: np.ndarray, info: media.FilmInfo, model, device, inference: InferenceConfig) -> None:
    """One keyframe at the film's full resolution: its luma as gray R'G'B', or coloured by `model`."""
    y = np.clip(info.code_range.luma_to_unit(luma), 0.0, 1.0)  # (H, W)
    codes = PICTURE.unit_to_luma(y)  # 8-bit full range
    if model is None:
        rgb = np.repeat(codes[..., None], 3, axis=2)
    else:
        rgb = colour_picture(codes, model, device, inference)  # a gray picture's luma is the same in every matrix
    if not cv2.imwrite(str(path), np.ascontiguousarray(rgb[..., ::-1])):
        raise OutputError(f"could not write {path}; is the disk full?")


def _check_out_dir(out_dir: Path, config: KeyframesConfig) -> None:
    """Refuse a target that would lose what the user has: coloured keyframes are work."""
    parent = Path(os.path.abspath(out_dir)).parent
    if not parent.is_dir():
        raise OutputError(f"output folder {parent} does not exist; create it first")
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir} is a file; give a folder for the keyframes")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        earlier = (out_dir / LIST).is_file()
        if not earlier:
            raise OutputError(f"{out_dir} exists and is not empty; choose another folder")
        if not config.overwrite:
            raise OutputError(f"{out_dir} holds keyframes (maybe coloured already); pass --overwrite to replace them, or choose another folder")
