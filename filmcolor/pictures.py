"""Reading picture files (PNG, JPEG, TIFF, ...) as the rest of filmcolor wants them: 8-bit R'G'B'."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from .errors import InputError

SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}  # what OpenCV reads and we accept


def list_pictures(folder: str | Path) -> list[Path]:
    """Picture files directly in `folder`, sorted; InputError when there is no such folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder of images")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())


def read_rgb(path: str | Path) -> np.ndarray:
    """(H, W, 3) uint8 R'G'B' of a picture: gray repeated to three channels, 16 bits scaled to 8,
    alpha dropped; InputError when OpenCV cannot read it."""
    return read_rgba(path)[0]


def read_rgba(path: str | Path) -> tuple[np.ndarray, np.ndarray | None]:
    """((H, W, 3) uint8 R'G'B', (H, W) uint8 alpha or None) of a picture, as `read_rgb`."""
    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise InputError(f"{path} is not a picture OpenCV can read")
    if img.dtype == np.uint16:
        img = (img / 257.0).round().astype(np.uint8)
    elif img.dtype != np.uint8:
        raise InputError(f"{path}: only 8- and 16-bit pictures are supported")
    if img.ndim == 2:
        return np.repeat(img[..., None], 3, axis=2), None
    alpha = img[..., -1] if img.shape[2] in (2, 4) else None
    if img.shape[2] < 3:
        return np.repeat(img[..., :1], 3, axis=2), alpha
    return np.ascontiguousarray(img[..., 2::-1]), alpha  # BGR(A) -> RGB


def resize_short_side(img: np.ndarray, short: int) -> np.ndarray:
    """Resize so the shorter side is `short` px, keeping the aspect ratio (area filter down)."""
    h, w = img.shape[:2]
    scale = short / min(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
