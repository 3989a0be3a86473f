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

DEFAULT_DOMAIN_B = Path(__file__).resolve().parent.parent / "samples" / "colour"  # shipped colour pictures
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


MIN_SIDE = 32  # px: smaller pictures are skipped (and counted), they teach nothing at the working scale


class Crops(Dataset):
    """Random crops of pictures, as normalised Y'CbCr tensors: (3, S, S) for a colour domain
    (Y' in [0, 1], Cb and Cr in [-0.5, 0.5]) or (1, S, S) luma for a B&W one.

    Pictures are loaded once and scaled to a short side of `short` (about the render's
    working size) so objects appear at the scale the model will see them, then cropped with a
    little scale jitter and a random flip. Unreadable and too-small files are skipped and
    counted in `skipped`; InputError when none is left. `source` names them in that message.
    """

    def __init__(
        self,
        paths: list[Path],
        crop: int = 176,
        short: int = 256,
        matrix: str = "bt601",
        colour: bool = True,
        length: int = 10**9,
        source: str = "the training files",
    ) -> None:
        self.images: list[np.ndarray] = []
        for p in paths:
            img = cv2.imread(str(p), cv2.IMREAD_COLOR if colour else cv2.IMREAD_GRAYSCALE)  # gray: BT.601 luma
            if img is None or min(img.shape[:2]) < MIN_SIDE:
                continue
            self.images.append(resize_short_side(img[..., ::-1] if colour else img, max(short, crop)))  # BGR -> RGB
        self.skipped = len(paths) - len(self.images)
        if not self.images:
            raise InputError(f"none of the {len(paths)} files in {source} is a readable picture of at least {MIN_SIDE} px")
        self.crop_size, self.matrix, self.colour, self.length = crop, matrix, colour, length

    def __len__(self) -> int:
        return self.length

    def crop(self, rng: np.random.Generator) -> torch.Tensor:
        """One random crop: (3, S, S) Y'CbCr or (1, S, S) luma."""
        img = self.images[rng.integers(len(self.images))]
        h, w = img.shape[:2]
        side = min(h, w, int(self.crop_size * rng.uniform(0.8, 1.25)))
        y0, x0 = rng.integers(h - side + 1), rng.integers(w - side + 1)
        size = (self.crop_size, self.crop_size)
        patch = cv2.resize(img[y0 : y0 + side, x0 : x0 + side], size, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
        if rng.random() < 0.5:
            patch = patch[:, ::-1]
        if not self.colour:
            return torch.from_numpy(np.ascontiguousarray(patch))[None]  # (1, S, S)
        ycc = rgb_to_ycbcr(patch, self.matrix)  # (S, S, 3)
        return torch.from_numpy(np.ascontiguousarray(ycc.transpose(2, 0, 1)))  # (3, S, S)

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """A batch (n, C, S, S) drawn from `generator` alone, so a saved generator state resumes it."""
        seeds = torch.randint(0, 2**31, (n,), generator=generator).tolist()
        return torch.stack([self.crop(np.random.default_rng(s)) for s in seeds])

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(luma (1, S, S), chroma (2, S, S)) of a colour crop, following torch's global seed."""
        t = self.crop(np.random.default_rng(torch.randint(0, 2**31, ()).item()))
        return t[:1], t[1:]
