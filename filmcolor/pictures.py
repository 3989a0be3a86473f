"""Reading picture files (PNG, JPEG, TIFF, ...) as the rest of filmcolor wants them: 8-bit R'G'B',
turned upright as a viewer shows them (a camera stores a portrait photo on its side and says
so in its EXIF orientation tag)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from .errors import InputError

# OpenCV's own lines on a file it cannot read would come before ours, which name the file and say what to do
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}  # what OpenCV reads and we accept
ORIENTATION = 0x0112  # the EXIF tag: 1 upright, 2-8 the flips and quarter turns a viewer undoes


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
    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)  # keeps alpha and 16 bits, but ignores the orientation
    if img is None:
        raise InputError(f"{path} is not a picture OpenCV can read")
    img = upright(img, orientation(path))
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


def picture_size(path: str | Path) -> tuple[int, int] | None:
    """(width, height) of a picture as shown (its EXIF orientation applied), from its header
    alone: a picture's shape checked before any is decoded; None when Pillow cannot read it
    (OpenCV may: its shape is checked once read)."""
    try:
        with Image.open(path) as im:
            width, height = im.size
    except Exception:  # Pillow reads fewer formats than OpenCV
        return None
    return (height, width) if orientation(path) in (5, 6, 7, 8) else (width, height)


def orientation(path: str | Path) -> int:
    """A picture's EXIF orientation (1-8), 1 when it has none or Pillow cannot read it."""
    try:
        with Image.open(path) as im:
            value = im.getexif().get(ORIENTATION, 1)
    except Exception:  # Pillow reads fewer formats than OpenCV; a picture it cannot read is shown as stored
        return 1
    return value if value in range(1, 9) else 1


def upright(img: np.ndarray, orientation: int) -> np.ndarray:
    """(H, W, ...) pixels as stored -> as shown, by the EXIF `orientation`: 2 mirrored, 3 upside
    down, 4 flipped, 5 transposed, 6 turned a quarter clockwise to show, 7 transversed, 8 a
    quarter counter-clockwise."""
    turned = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: a.swapaxes(0, 1),
        6: lambda a: np.rot90(a, -1),
        7: lambda a: a[::-1, ::-1].swapaxes(0, 1),
        8: lambda a: np.rot90(a, 1),
    }
    return np.ascontiguousarray(turned[orientation](img)) if orientation in turned else img


def resize_short_side(img: np.ndarray, short: int) -> np.ndarray:
    """Resize so the shorter side is `short` px, keeping the aspect ratio (area filter down)."""
    h, w = img.shape[:2]
    scale = short / min(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
