"""`filmcolor colorize`: colour photographs the way the render colours frames: the picture's own
luma kept at full resolution, chroma predicted at the working size (by the render's own
predictor) and scaled up beside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from .color import PICTURE, fit_chroma_to_gamut, picture_luma, ycbcr_to_rgb
from .devices import pick_device
from .errors import InputError, OutputError
from .inference import InferenceConfig, Predictor, load_model, working_size
from .models import Generator
from .outputs import atomic_output, check_output
from .pictures import read_rgb
from .progress import Progress
from .settings import setting


@dataclass(frozen=True)
class StillsConfig:
    inference: InferenceConfig = setting(factory=InferenceConfig)
    overwrite: bool = setting(False, "Replace existing PNGs in the output folder.", runtime=True)


def colour_picture(luma: np.ndarray, model: Generator, device: torch.device, inference: InferenceConfig) -> np.ndarray:
    """(H, W) uint8 luma of a picture (full range, in the model's matrix) -> (H, W, 3) uint8
    R'G'B' with that luma: chroma from the render's predictor at the working size, times
    `inference.saturation`, scaled up and kept inside the gamut pixel by pixel."""
    matrix = model.config.matrix
    h, w = luma.shape
    predictor = Predictor(model, device, PICTURE, working_size(w, h, inference.model_size), inference.amp)
    _, chroma = predictor.submit([luma]).result()  # (1, 2, h', w')
    small = np.ascontiguousarray(chroma[0].transpose(1, 2, 0)) * inference.saturation  # (h', w', 2)
    cbcr = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)  # (H, W, 2)
    y = PICTURE.luma_to_unit(luma)  # (H, W)
    ycc = np.concatenate([y[..., None], fit_chroma_to_gamut(y, cbcr, matrix)], axis=-1)
    return np.clip(ycbcr_to_rgb(ycc, matrix) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def colorize_stills(paths: list[Path], out_dir: Path, config: StillsConfig, progress: Progress | None = None) -> list[Path]:
    """Write `out_dir/<name>.png` for each picture; checks every input and output before any work."""
    if not paths:
        raise InputError("no pictures given")
    if not Path(out_dir).is_dir():
        raise OutputError(f"output folder {out_dir} does not exist; create it first")
    targets = [Path(out_dir) / f"{Path(p).stem}.png" for p in paths]
    if len(set(targets)) < len(targets):
        raise InputError("two pictures share a name; they would write the same output")
    for p in paths:
        if not Path(p).is_file():
            raise InputError(f"{p} is not a file" if Path(p).exists() else f"{p} does not exist")
        if not cv2.haveImageReader(str(p)):
            raise InputError(f"{p} is not a picture OpenCV can read (PNG, JPEG, TIFF, ...)")
    for t in targets:
        check_output(t, config.overwrite, inputs=tuple(Path(p) for p in paths))
    config.inference.check()
    device = pick_device(config.inference.device)
    model = load_model(config.inference.weights, device)
    for done, (src, target) in enumerate(zip(paths, targets), start=1):
        rgb = colour_picture(picture_luma(read_rgb(src), model.config.matrix), model, device, config.inference)
        with atomic_output(target) as tmp:
            if not cv2.imwrite(str(tmp), rgb[..., ::-1]):
                raise OutputError(f"could not write {target}")
        if progress:
            progress(done, len(paths))
    return targets
