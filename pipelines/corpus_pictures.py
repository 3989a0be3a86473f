"""Picture helpers for pipelines/corpus.py: decoding, a colour test, cut-out crops, near-duplicate
fingerprints and contact sheets (numbered grids of thumbnails, to look at many pictures at once)."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image


def decode(blob: bytes) -> np.ndarray:
    """Any picture format Pillow reads -> BGR or BGRA uint8 (a GIF's first frame)."""
    with Image.open(io.BytesIO(blob)) as im:
        alpha = "A" in im.getbands() or "transparency" in im.info
        rgb = np.asarray(im.convert("RGBA" if alpha else "RGB"))
    return cv2.cvtColor(rgb, cv2.COLOR_RGBA2BGRA if alpha else cv2.COLOR_RGB2BGR)


def is_gray(bgr: np.ndarray) -> bool:
    """No colour to learn from: chroma within 4 levels of neutral at 99% of a 64x64 thumbnail."""
    ycc = cv2.cvtColor(cv2.resize(bgr[..., :3], (64, 64), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2YCrCb)
    return np.percentile(np.abs(ycc[..., 1:].astype(np.int16) - 128).max(axis=2), 99) <= 4


def opaque_box(alpha: np.ndarray, max_aspect: float = 2.0) -> tuple[int, int, int, int]:
    """The largest rectangle (x, y, w, h) inside a cut-out's opaque part, at most 2:1.

    A histogram-stack maximal-rectangle search on a mask at most 256 px on a side, where a cell
    is opaque only if every pixel it covers is; the box keeps one cell inside, off the edge."""
    scale = max(1.0, max(alpha.shape) / 256)
    size = (max(1, round(alpha.shape[1] / scale)), max(1, round(alpha.shape[0] / scale)))
    mask = cv2.resize((alpha >= 250).astype(np.float32), size, interpolation=cv2.INTER_AREA) >= 0.999
    heights, best, box = np.zeros(mask.shape[1] + 1, int), 0.0, (0, 0, 0, 0)
    for y in range(mask.shape[0]):
        heights[:-1] = np.where(mask[y], heights[:-1] + 1, 0)
        stack = []  # (start column, height), heights increasing
        for x, height in enumerate(heights):
            start = x
            while stack and stack[-1][1] >= height:
                start, top = stack.pop()
                w, h = min(x - start, max_aspect * top), min(top, max_aspect * (x - start))
                if w * h > best:
                    best = w * h
                    box = (start + (x - start - w) / 2 + 1, y + 1 - top + (top - h) / 2 + 1, w - 2, h - 2)
            stack.append((start, height))
    return tuple(max(0, round(v * scale)) for v in box)


def fingerprint(bgr: np.ndarray) -> dict[str, np.ndarray]:
    """Normalised 32x32 gray thumbnails of the whole picture and of its centre square (another
    aspect-ratio crop of one photo), and an 8x8 Lab colour thumbnail.

    Compared by correlation, not as dHashes: on objects photographed on a plain background the
    gradient signs are mostly noise, and unrelated pictures came out as near-duplicates."""
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY).astype(np.float32)
    h, w = gray.shape
    s = min(h, w)
    out = {
        "lab": cv2.cvtColor(cv2.resize(bgr, (8, 8), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2LAB).astype(np.float32)
    }
    for key, part in (
        ("full", gray),
        ("square", gray[(h - s) // 2 : (h - s) // 2 + s, (w - s) // 2 : (w - s) // 2 + s]),
    ):
        t = cv2.resize(part, (32, 32), interpolation=cv2.INTER_AREA)
        out[key] = ((t - t.mean()) / (t.std() + 1e-3)).ravel() / 32
    return out


def is_duplicate(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    """The same picture at another size, crop or encoding (correlation >= 0.9 and colours within
    10 Lab levels on average), or a light and a dark variant of it (correlation >= 0.97)."""
    corr = max(float(a[k] @ b[k]) for k in ("full", "square"))
    return corr >= 0.97 or (corr >= 0.9 and float(np.abs(a["lab"] - b["lab"]).mean()) <= 10)


def thumbnail(bgr: np.ndarray, box: tuple[int, int] = (156, 116)) -> np.ndarray:
    """A BGR thumbnail fitting BOX; transparency shown over a gray checkerboard."""
    f = min(box[0] / bgr.shape[1], box[1] / bgr.shape[0])
    size = (max(1, round(bgr.shape[1] * f)), max(1, round(bgr.shape[0] * f)))
    t = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
    if t.shape[2] == 4:
        yy, xx = np.indices(t.shape[:2])
        board = np.where(((yy // 8 + xx // 8) % 2)[..., None] == 0, 150, 100).astype(np.float32)
        a = t[..., 3:].astype(np.float32) / 255
        t = (t[..., :3] * a + board * (1 - a)).astype(np.uint8)
    return t


def contact_sheets(thumbs: list[tuple[str, np.ndarray, bool]], stem: Path, cols: int = 10, rows: int = 8) -> int:
    """Draw (label, thumbnail, marked) in pages of COLS x ROWS as STEM-01.png, ...; marked ones
    framed in green. Returns the number of pages."""
    cell_w, cell_h, per = 160, 136, cols * rows
    for page in range(0, len(thumbs), per):
        sheet = np.full((rows * cell_h, cols * cell_w, 3), 255, np.uint8)
        for k, (label, t, marked) in enumerate(thumbs[page : page + per]):
            x, y = (k % cols) * cell_w, (k // cols) * cell_h
            if marked:
                cv2.rectangle(sheet, (x + 1, y + 1), (x + cell_w - 2, y + cell_h - 2), (0, 170, 0), 3)
            sheet[y + 4 : y + 4 + t.shape[0], x + 2 : x + 2 + t.shape[1]] = t
            cv2.putText(
                sheet, label, (x + 4, y + cell_h - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA
            )
        cv2.imwrite(f"{stem}-{page // per + 1:02d}.png", sheet)
    return -(-len(thumbs) // per)
