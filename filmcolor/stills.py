"""`filmcolor colorize`: colour photographs the way the render colours frames: the picture's own
luma kept at full resolution, chroma predicted at the working size (by the render's own
predictor) and scaled up beside it."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import torch

from .colour import PICTURE, fit_chroma_to_gamut, picture_luma, rgb_to_ycbcr, ycbcr_to_rgb
from .configs import StillsConfig
from .devices import pick_device
from .errors import InputError, OutputError
from .guidance.hints import NEUTRAL, coloured, fill_chroma
from .inference import InferenceConfig, Predictor, load_model, working_size
from .inputs import check_files
from .models import Generator
from .outputs import atomic_output, check_output
from .pictures import read_rgb, read_rgba
from .progress import Progress


def colour_picture(luma: np.ndarray, model: Generator, device: torch.device, inference: InferenceConfig) -> np.ndarray:
    """(H, W) uint8 luma of a picture (full range, in the model's matrix) -> (H, W, 3) uint8
    R'G'B' with that luma: chroma from the render's predictor at the working size, times
    `inference.saturation`, scaled up and kept inside the gamut pixel by pixel."""
    matrix = model.config.matrix
    h, w = luma.shape
    predictor = Predictor(
        model,
        device,
        PICTURE,
        working_size(w, h, inference.model_size),
        inference.amp,
        edge_radius=inference.edge_radius,
        engine=inference.engine,
    )
    _, chroma = predictor.submit([luma]).result()  # (1, 2, h', w')
    small = np.ascontiguousarray(chroma[0].transpose(1, 2, 0)) * inference.saturation  # (h', w', 2)
    cbcr = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)  # (H, W, 2)
    y = PICTURE.luma_to_unit(luma)  # (H, W)
    ycc = np.concatenate([y[..., None], fit_chroma_to_gamut(y, cbcr, matrix)], axis=-1)
    return np.clip(ycbcr_to_rgb(ycc, matrix) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def hinted_picture(rgb: np.ndarray, hints: Path, matrix: str = "bt601") -> np.ndarray:
    """(H, W, 3) uint8 R'G'B' of a picture with the luma of `rgb` and the colour of the strokes
    in `hints` (a picture of the same shape, any size), spread over the rest (`filmcolor.guidance.hints`)."""
    luma = picture_luma(rgb, matrix)
    h, w = luma.shape
    try:
        strokes, alpha = read_rgba(hints)
    except InputError as exc:
        raise InputError(f"--hints {exc}") from None  # it names the file
    if abs(strokes.shape[1] / strokes.shape[0] - w / h) > 0.01 * w / h:
        raise InputError(f"--hints {hints} is {strokes.shape[1]}x{strokes.shape[0]}, not the picture's shape ({w}x{h})")
    strokes = cv2.resize(strokes.astype(np.float32) / 255.0, (w, h), interpolation=cv2.INTER_AREA)
    chroma = np.ascontiguousarray(rgb_to_ycbcr(strokes, matrix)[..., 1:])
    known = coloured(chroma, None if alpha is None else cv2.resize(alpha, (w, h), interpolation=cv2.INTER_AREA))
    if not known.any():
        why = "is transparent all over" if alpha is not None and alpha.min() < 255 else "is gray all over (R = G = B)"
        raise InputError(
            f"--hints {hints} {why}: it colours nothing; paint strokes of colour on the picture (or opaque on a transparent layer)"
        )
    if not (np.hypot(chroma[..., 0], chroma[..., 1])[known] > NEUTRAL).any():
        raise InputError(
            f"--hints {hints}: every pixel it marks is gray, so the picture would stay gray; paint the strokes in colour"
        )
    y = PICTURE.luma_to_unit(luma)
    cbcr = fill_chroma(y, chroma, known)
    ycc = np.concatenate([y[..., None], fit_chroma_to_gamut(y, cbcr, matrix)], axis=-1)
    return np.clip(ycbcr_to_rgb(ycc, matrix) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def colorize_stills(
    paths: list[Path], out_dir: Path, config: StillsConfig, progress: Progress | None = None
) -> list[Path]:
    """Write `out_dir/<name>.png` for each picture, `out_dir` made if need be; checks every
    input and output before any work."""
    if not paths:
        raise InputError("no pictures given")
    create = _check_out_dir(Path(out_dir))
    targets = [Path(out_dir) / f"{Path(p).stem}.png" for p in paths]
    if len(set(targets)) < len(targets):
        raise InputError("two pictures share a name; they would write the same output")
    for p in check_files(paths):
        if not cv2.haveImageReader(str(p)):
            raise InputError(f"{p} is not a picture OpenCV can read (PNG, JPEG, TIFF, ...)")
    for t in targets if not create else ():  # a folder yet to be made holds nothing to overwrite
        check_output(t, config.overwrite, inputs=tuple(Path(p) for p in paths))
    if config.hints is not None:
        if len(paths) != 1:
            raise InputError("--hints colours one picture: give that picture alone")
        if not Path(config.hints).is_file():
            raise InputError(f"--hints {config.hints} is not a file; give the picture with the strokes of colour")
    config.inference.check()
    device = pick_device(config.inference.device)
    model = load_model(config.inference.weights, device) if config.hints is None else None
    Path(out_dir).mkdir(exist_ok=True)
    try:
        _colour_all(paths, targets, config, model, device, progress)
    except BaseException:
        if create and not any(Path(out_dir).iterdir()):  # nothing written: no trace of the run
            Path(out_dir).rmdir()
        raise
    return targets


def _check_out_dir(out_dir: Path) -> bool:
    """Refuse an output that is a file, or whose parent folder is missing; True when the folder
    is to be made (as extract and keyframes make theirs), once everything else is checked."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir} is a file, not a folder; give a folder for the coloured pictures")
    parent = Path(os.path.abspath(out_dir)).parent
    if not parent.is_dir():
        raise OutputError(f"output folder {parent} does not exist; create it first")
    return not out_dir.is_dir()


def _colour_all(
    paths: list[Path],
    targets: list[Path],
    config: StillsConfig,
    model: Generator | None,
    device: torch.device,
    progress: Progress | None,
) -> None:
    """Colour each picture into its target, one after another."""
    for done, (src, target) in enumerate(zip(paths, targets, strict=True), start=1):
        if model is None:
            assert config.hints is not None  # no model: the hints give the colour
            rgb = hinted_picture(read_rgb(src), config.hints)
        else:
            rgb = colour_picture(picture_luma(read_rgb(src), model.config.matrix), model, device, config.inference)
        with atomic_output(target) as tmp:
            if not cv2.imwrite(str(tmp), rgb[..., ::-1]):
                raise OutputError(f"could not write {target}")
        if progress:
            progress(done, len(paths))
