"""Colour arithmetic, all of it: Y'CbCr matrices, code ranges and bit depths, and the luma of
pictures.

The model and everything around it work on normalised values: luma in [0, 1] and chroma in
[-0.5, 0.5]. Code values (8 or 10 bits, limited or full range) meet normalised ones only
through `CodeRange`. Functions broadcast over leading axes and take numpy arrays; those
marked "numpy or torch" take torch tensors too (on any device) and return the same kind, so
the CPU and GPU paths share one formula.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# Luma coefficients (Kr, Kb) for the matrices a film can be tagged with.
MATRICES: dict[str, tuple[float, float]] = {
    "bt601": (0.299, 0.114),
    "bt709": (0.2126, 0.0722),
    "bt2020": (0.2627, 0.0593),
}


@dataclass(frozen=True)
class CodeRange:
    """How normalised Y'CbCr maps to integer code values: bit depth and range."""

    bits: int = 8  # bits per sample (8, 10, 12, 16)
    full: bool = False  # True: full (JPEG/pc) range; False: limited (MPEG/tv) range

    @property
    def peak(self) -> int:
        return (1 << self.bits) - 1

    @property
    def _scale(self) -> int:
        return 1 << (self.bits - 8)

    @property
    def luma_black_white(self) -> tuple[int, int]:
        """The codes of black and of white: luma in [0, 1] is (code - black) / (white - black)."""
        if self.full:
            return 0, self.peak
        return 16 * self._scale, 235 * self._scale

    def luma_to_unit(self, codes):
        """Integer luma codes -> float32 luma in [0, 1] (values outside the range kept); numpy or torch."""
        black, white = self.luma_black_white
        return (_float32(codes) - black) / (white - black)

    def unit_to_luma(self, y: np.ndarray) -> np.ndarray:
        """Float luma in [0, 1] -> integer luma codes, rounded and clipped."""
        if self.full:
            codes = y * self.peak
        else:
            codes = y * (219 * self._scale) + 16 * self._scale
        return _to_codes(codes, self.peak)

    def chroma_to_unit(self, codes: np.ndarray) -> np.ndarray:
        """Integer chroma codes -> float32 chroma in [-0.5, 0.5]."""
        codes = codes.astype(np.float32) - (1 << (self.bits - 1))
        return codes / (self.peak if self.full else 224 * self._scale)

    def unit_to_chroma(self, c: np.ndarray) -> np.ndarray:
        """Float chroma in [-0.5, 0.5] -> integer chroma codes, rounded and clipped."""
        codes = c * (self.peak if self.full else 224 * self._scale) + (1 << (self.bits - 1))
        return _to_codes(codes, self.peak)


def _float32(x):
    """A float32 copy of a numpy array or torch tensor."""
    return x.astype(np.float32) if isinstance(x, np.ndarray) else x.float()


def _stack(parts: list, like):
    """Stack along a new last axis, in the library `like` comes from (numpy or torch)."""
    if isinstance(like, np.ndarray):
        return np.stack(parts, axis=-1)
    return sys.modules["torch"].stack(parts, dim=-1)  # a tensor was passed, so torch is loaded


def _to_codes(values: np.ndarray, peak: int) -> np.ndarray:
    dtype = np.uint8 if peak <= 255 else np.uint16
    return np.clip(np.rint(values), 0, peak).astype(dtype)


def _coefficients(matrix: str) -> tuple[float, float, float]:
    try:
        kr, kb = MATRICES[matrix]
    except KeyError:
        raise ValueError(f"unknown colour matrix {matrix!r}; known: {', '.join(MATRICES)}") from None
    return kr, 1.0 - kr - kb, kb


def rgb_to_ycbcr(rgb, matrix: str = "bt601"):
    """(..., 3) R'G'B' in [0, 1] -> (..., 3) Y' in [0, 1], Cb and Cr in [-0.5, 0.5]; numpy or torch."""
    kr, kg, kb = _coefficients(matrix)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    y = kr * r + kg * g + kb * b
    cb = (b - y) / (2.0 * (1.0 - kb))
    cr = (r - y) / (2.0 * (1.0 - kr))
    return _stack([y, cb, cr], rgb)


def ycbcr_to_rgb(ycc, matrix: str = "bt601"):
    """Inverse of `rgb_to_ycbcr` (no clipping: out-of-gamut values stay visible to callers); numpy or torch."""
    kr, kg, kb = _coefficients(matrix)
    y, cb, cr = ycc[..., 0], ycc[..., 1], ycc[..., 2]
    r = y + 2.0 * (1.0 - kr) * cr
    b = y + 2.0 * (1.0 - kb) * cb
    g = (y - kr * r - kb * b) / kg
    return _stack([r, g, b], ycc)


PICTURE = CodeRange(bits=8, full=True)  # 8-bit pictures (PNG, JPEG) hold full-range values


def picture_luma(rgb: np.ndarray, matrix: str = "bt601") -> np.ndarray:
    """(H, W, 3) uint8 R'G'B' -> (H, W) uint8 luma codes of a full-range picture in `matrix`.

    The luma the model sees for a colour picture: training crops of domain A and B, stills,
    and the frames measured against a colour truth all take it from here."""
    y = rgb_to_ycbcr(rgb.astype(np.float32) / 255.0, matrix)[..., 0]
    return PICTURE.unit_to_luma(y)


def convert_chroma(y: np.ndarray, cbcr: np.ndarray, src: str, dst: str) -> np.ndarray:
    """Re-express chroma predicted in matrix `src` for a film tagged `dst`.

    The film's luma is kept as it is, so the colour is rebuilt in R'G'B' from the film's
    luma and the predicted chroma, then split again with the film's own matrix. Both steps
    are linear, so they are done as one 2x3 map (`_chroma_map`). `y` is (...,) and `cbcr`
    (..., 2); the result is (..., 2).
    """
    if src == dst:
        return cbcr
    m = _chroma_map(src, dst).astype(cbcr.dtype)  # (2, 3): (Cb', Cr') = m @ (Y', Cb, Cr)
    cb, cr = cbcr[..., 0], cbcr[..., 1]
    return np.stack([m[k, 0] * y + m[k, 1] * cb + m[k, 2] * cr for k in (0, 1)], axis=-1)


@lru_cache(maxsize=None)
def _chroma_map(src: str, dst: str) -> np.ndarray:
    """The (2, 3) matrix of Y'CbCr in `src` -> Cb, Cr in `dst` (through R'G'B', exact: both
    conversions are linear)."""
    basis = np.eye(3)  # rows: Y', Cb, Cr unit vectors
    return rgb_to_ycbcr(ycbcr_to_rgb(basis, src), dst)[:, 1:].T  # (2, 3)


def _lib(x):
    """numpy, or torch for a tensor: the functions below serve both, with one formula."""
    return np if isinstance(x, np.ndarray) else sys.modules["torch"]


def gamut_room(cb, cr, y_low, y_high, matrix: str = "bt601"):
    """How far chroma may go along (cb, cr): the largest s >= 0 for which s * (cb, cr) beside
    any luma in [y_low, y_high] is an R'G'B' colour inside [0, 1], with no channel clipped.

    Each channel is Y' plus a multiple of the chroma (`ycbcr_to_rgb` is linear), so a channel
    that rises with the chroma leaves room (1 - Y') above it and one that falls leaves Y'
    below: the room shrinks to 0 as Y' nears white or black, where only gray exists. A range
    of lumas (the pixels a chroma sample is shared by) takes the tightest of each. For a unit
    (cb, cr) this is the most chroma that hue can have. Arrays of one shape; numpy or torch.
    """
    xp = _lib(cb)
    kr, kg, kb = _coefficients(matrix)
    slopes = (
        2.0 * (1.0 - kr) * cr,
        -(2.0 * kr * (1.0 - kr) * cr + 2.0 * kb * (1.0 - kb) * cb) / kg,
        2.0 * (1.0 - kb) * cb,
    )  # R, G, B
    per_above = 1.0 / (1.0 - xp.clip(y_high, 0.0, 1.0) + _TINY)  # 1 / room over white
    per_below = -1.0 / (xp.clip(y_low, 0.0, 1.0) + _TINY)  # -1 / room under black
    need = None  # the share of its room the chroma takes, the most of any channel
    for d in slopes:
        r = xp.maximum(d * per_above, d * per_below)
        need = r if need is None else xp.maximum(need, r)
    return 1.0 / xp.clip(need, _TINY, None)


_TINY = 1e-12  # keeps divisions finite: a channel that does not move with the chroma leaves it all the room there is


def fit_chroma_to_gamut(y, cbcr, matrix: str = "bt601", y_high=None):
    """Scale each pixel's chroma toward gray just enough that Y'CbCr -> R'G'B' stays in [0, 1]
    (for every luma in [y, y_high] where `y_high` is given); the hue is kept.

    Clipping R'G'B' instead would change the luma and the hue; scaling the chroma keeps both,
    so a picture written as RGB still has its own luma. `y` is (...,), `cbcr` (..., 2) and so
    is the result; numpy or torch.
    """
    xp = _lib(cbcr)
    scale = gamut_room(cbcr[..., 0], cbcr[..., 1], y, y if y_high is None else y_high, matrix)
    return cbcr * xp.clip(scale, 0.0, 1.0)[..., None]
