"""Colour hints: a few strokes of colour on a B&W picture, spread over the rest of it.

Levin, Lischinski and Weiss (2004), "Colorization using optimization": neighbouring pixels
whose luma is alike should have alike colour. Each uncoloured pixel's chroma is asked to be
the weighted mean of its 3x3 neighbours', the weights falling with the luma difference
(exp(-d^2 / s), s 0.6 times the window's luma variance but wide enough that the closest
neighbour keeps a weight of 0.01, as in the authors' code), while the coloured pixels keep theirs;
that is one sparse linear system per chroma channel, solved with SciPy. Colour then flows
freely across a flat region and hardly across an edge, so a stroke in each of two regions
colours each region and not its neighbour.
"""

from __future__ import annotations

import cv2
import numpy as np
import scipy.sparse
import scipy.sparse.linalg

NEUTRAL = 2.0 / 255  # chroma closer to gray than this is uncoloured in an opaque picture
PAINTED = 16  # alpha (of 255) from which a pixel of a transparent picture is a hint: half-transparent strokes count
WHOLE = 0.5  # an opaque picture coloured over at least this share is coloured whole: its gray parts are gray
MAX_SIDE = 400  # px: the fill runs at most at this long side (a few seconds on a CPU); colour is smooth, the luma keeps the detail
SIGMA_FLOOR = 2e-6  # the weights' width at least (luma in [0, 1]), as in the authors' code


def coloured(chroma: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    """(H, W) bool: the pixels a picture of colour hints colours. With transparency, the painted
    ones (alpha from PAINTED: a half-transparent stroke is a stroke, in its own colour); else,
    and for a picture whose alpha is opaque all over, those not gray (R = G = B, as on the B&W
    frame the strokes were painted on), or all of them where most are coloured (a picture
    coloured whole, whose white wall is white)."""
    if alpha is not None and alpha.min() < 255:
        return alpha >= PAINTED
    mask = np.hypot(chroma[..., 0], chroma[..., 1]) > NEUTRAL
    return np.ones_like(mask) if mask.mean() >= WHOLE else mask


def fill_chroma(luma: np.ndarray, chroma: np.ndarray, known: np.ndarray, max_side: int = MAX_SIDE) -> np.ndarray:
    """(H, W) luma in [0, 1], (H, W, 2) chroma and (H, W) bool `known` (the coloured pixels) ->
    (H, W, 2) chroma: the known pixels' own, the others spread from them along the luma.
    Pictures larger than `max_side` are filled at that size and the result scaled back up,
    known pixels restored; with nothing known, all is gray."""
    h, w = luma.shape
    if not known.any():
        return np.zeros((h, w, 2), np.float32)
    scale = min(1.0, max_side / max(h, w))
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        small_known = cv2.resize(known.astype(np.float32), size, interpolation=cv2.INTER_AREA)
        weight = np.maximum(small_known, 1e-6)[..., None]
        small_chroma = (
            cv2.resize(chroma * known[..., None], size, interpolation=cv2.INTER_AREA) / weight
        )  # the known pixels' mean
        filled = _solve(cv2.resize(luma, size, interpolation=cv2.INTER_AREA), small_chroma, small_known > 0.5)
        out = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR)
        return np.where(known[..., None], chroma, out).astype(np.float32)
    return _solve(luma, chroma, known).astype(np.float32)


def _solve(luma: np.ndarray, chroma: np.ndarray, known: np.ndarray) -> np.ndarray:
    """The fill at the given size: A u = b with a row per pixel, `u_r - sum_s w_rs u_s = 0`
    for an unknown pixel r (w over its 3x3 neighbours, summing to 1) and `u_r = hint` for a known one."""
    h, w = luma.shape
    n = h * w
    y = luma.astype(np.float64)
    mean = cv2.blur(y, (3, 3), borderType=cv2.BORDER_REFLECT)
    variance = cv2.blur(y * y, (3, 3), borderType=cv2.BORDER_REFLECT) - mean * mean  # (h, w), the 3x3 window's
    index = np.arange(n).reshape(h, w)
    row_parts, col_parts, square_parts = [], [], []  # per neighbour direction
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy == 0 and dx == 0:
                continue
            ys, xs = (
                slice(max(0, -dy), h - max(0, dy)),
                slice(max(0, -dx), w - max(0, dx)),
            )  # pixels that have this neighbour
            yn, xn = slice(max(0, dy), h + min(0, dy)), slice(max(0, dx), w + min(0, dx))
            row_parts.append(index[ys, xs].ravel())
            col_parts.append(index[yn, xn].ravel())
            square_parts.append(((y[ys, xs] - y[yn, xn]) ** 2).ravel())
    rows, cols, squares = np.concatenate(row_parts), np.concatenate(col_parts), np.concatenate(square_parts)
    closest = np.full(n, np.inf)
    np.minimum.at(closest, rows, squares)
    sigma = np.maximum(np.maximum(0.6 * variance.ravel(), closest / np.log(100.0)), SIGMA_FLOOR)  # (n,)
    weights = np.exp(-squares / sigma[rows])
    totals = np.bincount(rows, weights, minlength=n)
    weights = weights / totals[rows]  # each pixel's neighbour weights sum to 1
    free = ~known.ravel()
    keep = free[rows]  # known pixels' rows hold only their own 1
    a = scipy.sparse.csr_matrix((-weights[keep], (rows[keep], cols[keep])), shape=(n, n)) + scipy.sparse.identity(
        n, format="csr"
    )
    b = np.where(free[:, None], 0.0, chroma.reshape(n, 2))  # (n, 2): both channels, one factorisation
    return scipy.sparse.linalg.splu(a.tocsc()).solve(b).reshape(h, w, 2)
