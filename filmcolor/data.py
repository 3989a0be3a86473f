"""Training images: a folder of pictures -> random crops as (luma, chroma) tensors.

Colour pictures carry their own luma, so every colour crop is also a free (B&W, colour)
pair: the supervised chroma loss and CycleGAN's colour domain read the same tensors.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from .color import rgb_to_ycbcr
from .errors import InputError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}


def list_images(folder: str | Path) -> list[Path]:
    """Image files directly in `folder`, sorted; InputError when there is no such folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder of images")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def resize_short_side(img: np.ndarray, short: int) -> np.ndarray:
    """Resize so the shorter side is `short` px, keeping the aspect ratio (area filter down)."""
    h, w = img.shape[:2]
    scale = short / min(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)


class ColourCrops(Dataset):
    """Random crops of colour images as luma (1, S, S) in [0, 1] and chroma (2, S, S) in [-0.5, 0.5].

    Images are loaded once, scaled to a short side of `short` (the render's working size)
    so objects appear at the scale the model will see them, then cropped with a little
    scale jitter and a random flip.
    """

    def __init__(self, paths: list[Path], crop: int = 176, short: int = 256, matrix: str = "bt601", length: int = 10**9) -> None:
        self.images = []
        for p in paths:
            img = cv2.imread(str(p), cv2.IMREAD_COLOR)
            if img is None or min(img.shape[:2]) < 32:
                continue
            self.images.append(resize_short_side(img[..., ::-1], max(short, crop)))  # BGR -> RGB
        if not self.images:
            raise InputError("no readable images of at least 32 px among the training files")
        self.crop, self.matrix, self.length = crop, matrix, length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        rng = np.random.default_rng(torch.randint(0, 2**31, ()).item())  # follows torch's seed
        img = self.images[rng.integers(len(self.images))]
        h, w = img.shape[:2]
        side = min(h, w, int(self.crop * rng.uniform(0.8, 1.25)))
        y0, x0 = rng.integers(h - side + 1), rng.integers(w - side + 1)
        patch = cv2.resize(img[y0 : y0 + side, x0 : x0 + side], (self.crop, self.crop), interpolation=cv2.INTER_AREA)
        if rng.random() < 0.5:
            patch = patch[:, ::-1]
        ycc = rgb_to_ycbcr(patch.astype(np.float32) / 255.0, self.matrix)  # (S, S, 3)
        t = torch.from_numpy(np.ascontiguousarray(ycc.transpose(2, 0, 1)))
        return t[:1], t[1:]  # (1, S, S), (2, S, S)
