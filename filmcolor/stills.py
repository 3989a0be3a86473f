"""Colour photographs the way the render colours frames: the picture's own luma kept at full
resolution, chroma predicted at the working size and scaled up beside it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .color import CodeRange, fit_chroma_to_gamut, rgb_to_ycbcr, ycbcr_to_rgb
from .colorize import load_model, pick_device, predict_chroma, to_working, working_size
from .errors import InputError, OutputError
from .outputs import atomic_output, check_output

_UNIT = CodeRange(bits=8, full=True)  # 8-bit pictures hold full-range values


@dataclass
class StillsConfig:
    weights: Path | None = None  # generator weights; None takes the shipped default
    model_size: int = 256  # short side the model sees, in px
    device: str = "auto"  # auto, cpu or cuda
    overwrite: bool = False  # replace existing outputs


def read_luma(path: Path) -> np.ndarray:
    """(H, W) uint8 luma of a picture: gray as it is, colour through BT.601 (as JPEG defines it)."""
    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise InputError(f"{path} is not a picture OpenCV can read")
    if img.dtype == np.uint16:
        img = (img / 257.0).round().astype(np.uint8)
    elif img.dtype != np.uint8:
        raise InputError(f"{path}: only 8- and 16-bit pictures are supported")
    if img.ndim == 2:
        return img
    rgb = img[..., 2::-1] if img.shape[2] >= 3 else np.repeat(img[..., :1], 3, axis=2)  # drop alpha, BGR -> RGB
    y = rgb_to_ycbcr(rgb.astype(np.float32) / 255.0, "bt601")[..., 0]
    return _UNIT.unit_to_luma(y)


def colorize_stills(
    paths: list[Path], out_dir: Path, config: StillsConfig, progress: Callable[[int, int], None] | None = None
) -> list[Path]:
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
    device = pick_device(config.device)
    model = load_model(config.weights, device)
    for done, (src, target) in enumerate(zip(paths, targets), start=1):
        luma = read_luma(Path(src))  # (H, W)
        h, w = luma.shape
        work = to_working(luma, _UNIT, working_size(w, h, config.model_size))  # (h', w')
        chroma = predict_chroma(model, work[None], device)[0]  # (2, h', w')
        cbcr = cv2.resize(np.ascontiguousarray(chroma.transpose(1, 2, 0)), (w, h), interpolation=cv2.INTER_LINEAR)  # (H, W, 2)
        y = _UNIT.luma_to_unit(luma)  # (H, W)
        ycc = np.concatenate([y[..., None], fit_chroma_to_gamut(y, cbcr, model.config.matrix)], axis=-1)
        rgb = np.clip(ycbcr_to_rgb(ycc, model.config.matrix) * 255.0 + 0.5, 0, 255).astype(np.uint8)
        with atomic_output(target) as tmp:
            if not cv2.imwrite(str(tmp), rgb[..., ::-1]):
                raise OutputError(f"could not write {target}")
        if progress:
            progress(done, len(paths))
    return targets
