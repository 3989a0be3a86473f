"""Training images: a folder of pictures -> random crops as (luma, chroma) tensors.

Colour pictures carry their own luma, so every colour crop is also a free (B&W, colour)
pair: the supervised chroma loss and CycleGAN's colour domain read the same tensors. The
luma the model is given may be shown in a random old-film look (`degrade.random_look`), so
it learns colour from luma as old films have it, grain and all, against the clean truth; and
with camera video's defects (`degrade.video_look`: blocks, ringing, noise, motion blur,
interlacing, soft focus), so it does not answer codec noise with colour.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

from ..colour import picture_luma, rgb_to_ycbcr
from ..degrade import random_look, video_look
from ..errors import FilmcolorError, InputError
from ..pictures import read_rgb, resize_short_side

MIN_SIDE = 32  # px: smaller pictures are skipped (and counted), they teach nothing at the working scale


class Crops:
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
        source: str = "the training files",
        film_look: float = 0.0,
        video_look: float = 0.0,
    ) -> None:
        """`film_look`: the share of colour crops whose model input luma gets a random old-film
        look; `video_look`: the share (drawn apart) that gets camera video's defects after it."""
        self.images: list[np.ndarray] = []  # (H, W, 3) uint8 R'G'B', or (H, W) uint8 luma for a B&W domain
        for p in paths:
            try:
                rgb = read_rgb(p)
            except FilmcolorError:
                continue
            if min(rgb.shape[:2]) < MIN_SIDE:
                continue
            self.images.append(resize_short_side(rgb if colour else picture_luma(rgb, matrix), max(short, crop)))
        self.skipped = len(paths) - len(self.images)
        if not self.images:
            raise InputError(
                f"none of the {len(paths)} files in {source} is a readable picture of at least {MIN_SIDE} px"
            )
        self.crop_size, self.matrix, self.colour, self.film_look = crop, matrix, colour, film_look
        self.video_look = video_look

    def crop(self, rng: np.random.Generator) -> torch.Tensor:
        """One random crop: (4, S, S) Y', Cb, Cr and the luma the model is given (Y', or Y' in
        an old-film look), or (1, S, S) luma of a B&W domain."""
        img = self.images[rng.integers(len(self.images))]
        h, w = img.shape[:2]
        side = min(h, w, int(self.crop_size * rng.uniform(0.8, 1.25)))
        y0, x0 = rng.integers(h - side + 1), rng.integers(w - side + 1)
        size = (self.crop_size, self.crop_size)
        patch = (
            cv2.resize(img[y0 : y0 + side, x0 : x0 + side], size, interpolation=cv2.INTER_AREA).astype(np.float32)
            / 255.0
        )
        if rng.random() < 0.5:
            patch = patch[:, ::-1]
        if not self.colour:
            return torch.from_numpy(np.ascontiguousarray(patch))[None]  # (1, S, S)
        ycc = rgb_to_ycbcr(patch, self.matrix)  # (S, S, 3)
        given = random_look(ycc[..., 0], rng) if rng.random() < self.film_look else ycc[..., 0]  # (S, S)
        # the draw is skipped at 0: runs without it draw as before
        if self.video_look and rng.random() < self.video_look:
            given = video_look(given, rng)
        return torch.from_numpy(
            np.ascontiguousarray(np.concatenate([ycc, given[..., None]], axis=-1).transpose(2, 0, 1))
        )  # (4, S, S)

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """A batch (n, C, S, S) drawn from `generator` alone, so a saved generator state resumes it."""
        seeds = torch.randint(0, 2**31, (n,), generator=generator).tolist()
        return torch.stack([self.crop(np.random.default_rng(s)) for s in seeds])
