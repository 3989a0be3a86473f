"""Chroma that follows the picture: the model's chroma filtered under the guidance of the luma.

Colour is smooth inside an object and changes at its edges. The generator's chroma, though,
can ripple where the luma is flat (bands across a wall, a rainbow in a white window: codec
blocks and noise answered with colour). He, Sun and Tang's guided filter (ECCV 2010, "Guided
image filtering") fits, in each window, the chroma as a linear function of the luma: where the
luma is flat the fit is a constant and the chroma is averaged flat; across a luma edge the
chroma keeps the edge. A few box filters, O(1) per pixel whatever the radius (OpenCV's on the
CPU, torch's pooling on CUDA, with the same mirrored edges, so both colour alike); it runs at
the working size, before the chroma is upsampled. As He and Sun's fast guided filter (2015),
the linear fits are made at half the working size (where the generator's decoder ends anyway)
and applied to the full working-size luma: a quarter of the work, the luma's edges kept.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .configs import EDGE_RADIUS as RADIUS

EPS = 2e-3  # regularisation (luma units squared): luma contrast under about sqrt(EPS) = 0.045 counts as flat
SUBSAMPLE = 2  # the fits are made at 1/this of the working size


def box(x: torch.Tensor, radius: int) -> torch.Tensor:
    """(B, C, H, W) float32 -> the mean over each pixel's (2r+1)^2 window, the picture mirrored
    at its edges (without repeating the edge pixel); `radius` below each side."""
    k = 2 * radius + 1
    if x.device.type != "cpu":
        return pooled_box(x, radius)
    planes = x.detach().numpy().reshape(-1, *x.shape[-2:])  # (B*C, H, W); OpenCV's running sums, a few ms a frame
    out = np.stack([cv2.boxFilter(p, -1, (k, k), borderType=cv2.BORDER_REFLECT_101) for p in planes])
    return torch.from_numpy(out.reshape(x.shape))


def pooled_box(x: torch.Tensor, radius: int) -> torch.Tensor:
    """`box` by torch's pooling, for CUDA: separable, 2(2r+1) additions a pixel, the same edges."""
    k = 2 * radius + 1
    x = F.avg_pool2d(F.pad(x, (radius, radius, 0, 0), mode="reflect"), (1, k), stride=1)
    return F.avg_pool2d(F.pad(x, (0, 0, radius, radius), mode="reflect"), (k, 1), stride=1)


def guided_filter(
    guide: torch.Tensor, x: torch.Tensor, radius: int = RADIUS, eps: float = EPS, subsample: int = SUBSAMPLE
) -> torch.Tensor:
    """(B, 1, H, W) luma in [0, 1] and (B, C, H, W) chroma -> (B, C, H, W) chroma that is locally
    a linear function of the luma (He et al. 2010), the fits made at 1/`subsample` of the size;
    `radius` (px at the full size) 0 returns `x` as it is. Windows larger than the picture are cut to it."""
    h, w = x.shape[-2:]
    sub = subsample if min(h, w) >= 8 * subsample else 1
    r = min(radius // sub, min(h, w) // sub - 1)  # a mirrored edge reaches at most the picture's size - 1
    if radius <= 0 or r <= 0:
        return x
    guide, x = guide.float(), x.float()
    small = (-(-h // sub), -(-w // sub))
    g = F.interpolate(guide, size=small, mode="area") if sub > 1 else guide  # (B, 1, h, w)
    p = F.interpolate(x, size=small, mode="area") if sub > 1 else x  # (B, C, h, w)
    mean_i, mean_p = box(g, r), box(p, r)
    var = box(g * g, r) - mean_i * mean_i  # (B, 1, h, w)
    a = (box(g * p, r) - mean_i * mean_p) / (var + eps)  # (B, C, h, w): the chroma's slope on the luma in each window
    ab = torch.cat([a, mean_p - a * mean_i], dim=1)  # (B, 2C, h, w): slope and offset
    ab = box(ab, r)
    if sub > 1:
        ab = F.interpolate(ab, size=(h, w), mode="bilinear", align_corners=False)  # (B, 2C, H, W)
    c = x.shape[1]
    return ab[:, :c] * guide + ab[:, c:]
