"""Measures of a render: how faithful its luma is, how close its colours are to a colour truth,
how colourful its picture, how well its colour follows the picture, and how steady its colours
over time.

Pure numpy and OpenCV, one frame (or pair of frames) at a time, so a whole film can be measured
in bounded memory (`filmcolor.evaluate`). Images are (H, W, 3) RGB unless said otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import cv2
import numpy as np

from .colour import rgb_to_ycbcr
from .flow import warp


def psnr(a: np.ndarray, b: np.ndarray, peak: float = 255.0) -> float:
    """Peak signal-to-noise ratio in dB of two same-shaped arrays; inf when identical."""
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10.0 * np.log10(peak**2 / mse))


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler and Suesstrunk (2003) colourfulness of an (H, W, 3) image in [0, 255] units.

    About 0 for gray, 15 "slightly", 33 "moderately", 59 "quite" and 82 "highly" colourful.
    """
    rgb = rgb.astype(np.float64)
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    sigma = np.hypot(rg.std(), yb.std())
    mu = np.hypot(rg.mean(), yb.mean())
    return float(sigma + 0.3 * mu)


# ---------------------------------------------------------------------------------------------
# Structural similarity
# ---------------------------------------------------------------------------------------------

SSIM_WINDOW = 11  # Gaussian window side, px (Wang et al. 2004)
SSIM_SIGMA = 1.5  # its standard deviation, px
SSIM_K1, SSIM_K2 = 0.01, 0.03  # stabilising constants, as fractions of the dynamic range


def ssim(a: np.ndarray, b: np.ndarray, peak: float = 255.0) -> float:
    """Mean structural similarity (SSIM) of two same-shaped images; 1 when they are identical.

    Wang, Bovik, Sheikh and Simoncelli (2004), "Image quality assessment: from error
    visibility to structural similarity", IEEE TIP 13(4). PSNR counts every error alike; SSIM
    compares local means, contrasts and structure, closer to what a viewer notices (a colour
    shifted by a constant costs PSNR a lot, SSIM little). As in the paper's reference code:
    local statistics under an 11x11 Gaussian window (sigma 1.5), C1 = (0.01 L)^2 and
    C2 = (0.03 L)^2 with L = `peak`, population (biased) variances, and the SSIM map averaged
    over the pixels whose window lies inside the picture (the "valid" part, 5 px in from each
    edge; the whole map for pictures under 11 px). Unlike the later ssim.m, no automatic
    downsampling. Colour images are measured per channel and the channels averaged, as
    scikit-image's `structural_similarity(..., channel_axis=-1)` does.

    `a`, `b`: (H, W) or (H, W, C) arrays in [0, `peak`] units (uint8 or float).
    """
    if a.shape != b.shape:
        raise ValueError(f"ssim needs same-shaped images, got {a.shape} and {b.shape}")
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]  # (H, W, 1)
    c1, c2 = (SSIM_K1 * peak) ** 2, (SSIM_K2 * peak) ** 2
    h, w = a.shape[:2]
    pad = SSIM_WINDOW // 2
    inner = (slice(pad, h - pad), slice(pad, w - pad)) if min(h, w) >= SSIM_WINDOW else (slice(None), slice(None))
    scores = []
    for ch in range(a.shape[2]):
        x, y = a[..., ch], b[..., ch]  # (H, W)
        mu_x, mu_y = _gauss(x), _gauss(y)
        var_x = _gauss(x * x) - mu_x * mu_x
        var_y = _gauss(y * y) - mu_y * mu_y
        cov = _gauss(x * y) - mu_x * mu_y
        smap = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))  # (H, W)
        scores.append(smap[inner].mean())
    return float(np.mean(scores))


def _gauss(x: np.ndarray) -> np.ndarray:
    """(H, W) float64 -> the same, smoothed by SSIM's Gaussian window (reflected at the edges,
    which only the cropped border sees)."""
    return cv2.GaussianBlur(x, (SSIM_WINDOW, SSIM_WINDOW), SSIM_SIGMA, borderType=cv2.BORDER_REFLECT)


# ---------------------------------------------------------------------------------------------
# Colour distribution consistency (CDC)
# ---------------------------------------------------------------------------------------------

AB_BINS = 65  # histogram bins over a, b in [-128, 128]: 4 units wide, odd so a = b = 0 (gray) is a bin's centre
CDC_GAPS = (1, 2, 4)  # frame distances compared (Liu et al. 2021)


def ab_histograms(rgb: np.ndarray, bins: int = AB_BINS) -> np.ndarray:
    """(2, bins) float64 normalised histograms of the CIELAB a* and b* of one frame.

    The film's luma is kept by the render, so only chroma can flicker: CDC compares these.
    `rgb` is (H, W, 3) sRGB in [0, 255] units (uint8 or float); it is converted with OpenCV
    (float32 in [0, 1], D65, sRGB companding), so a* and b* are in their real units, about
    [-128, 127] (pure red: a* 80, b* 67; any gray: 0, 0). Bin k is centred on
    -128 + k * 256 / (bins - 1); values beyond +-128 go to the end bins. Each row sums to 1.
    """
    lab = cv2.cvtColor(np.ascontiguousarray(rgb, dtype=np.float32) / np.float32(255.0), cv2.COLOR_RGB2Lab)  # (H, W, 3)
    width = 256.0 / (bins - 1)
    hists = np.empty((2, bins), np.float64)
    for row, ch in enumerate((1, 2)):
        idx = np.clip(np.rint((lab[..., ch] + 128.0) / width), 0, bins - 1).astype(np.intp)  # (H, W)
        counts = np.bincount(idx.ravel(), minlength=bins)  # (bins,)
        hists[row] = counts / counts.sum()
    return hists


def js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence, in bits, of two discrete distributions: 0 when equal, 1 when
    disjoint. JS(P, Q) = KL(P || M) / 2 + KL(Q || M) / 2 with M = (P + Q) / 2, log base 2 and
    0 log 0 = 0. `p`, `q`: (bins,) non-negative, each summing to 1 (normalised here anyway)."""
    p = np.asarray(p, np.float64)
    q = np.asarray(q, np.float64)
    p, q = p / p.sum(), q / q.sum()
    m = 0.5 * (p + q)
    return float(max(0.0, 0.5 * _kl(p, m) + 0.5 * _kl(q, m)))


def _kl(p: np.ndarray, m: np.ndarray) -> float:
    nz = p > 0  # where p > 0, m >= p / 2 > 0
    return float(np.sum(p[nz] * np.log2(p[nz] / m[nz])))


class CDCAccumulator:
    """Colour distribution consistency, one frame at a time: `cdc` without keeping the film.

    Holds the last max(gaps) frames' histograms and a running sum and count per gap, so a
    two-hour film costs a few kilobytes. `push` each frame's `ab_histograms` in order, saying
    whether a new shot starts at it; `value()` gives CDC as defined in `cdc`.
    """

    def __init__(self, gaps: tuple[int, ...] = CDC_GAPS) -> None:
        self.gaps = tuple(gaps)
        self.sums = dict.fromkeys(self.gaps, 0.0)
        self.counts = dict.fromkeys(self.gaps, 0)
        self._recent: list[np.ndarray] = []  # up to max(gaps) (2, bins) histograms of the current shot, oldest first

    def push(self, hists: np.ndarray, cut: bool = False) -> None:
        """Add the next frame's (2, bins) a*/b* histograms; `cut`: a new shot starts at this frame."""
        if cut:
            self._recent.clear()  # no pair may straddle the cut
        for t in self.gaps:
            if len(self._recent) >= t:
                before = self._recent[-t]
                self.sums[t] += 0.5 * (js_divergence(before[0], hists[0]) + js_divergence(before[1], hists[1]))
                self.counts[t] += 1
        self._recent.append(hists)
        del self._recent[: -max(self.gaps)]

    def value(self) -> float:
        """Mean over the gaps that had a pair of their per-gap mean JS; NaN when none had one."""
        means = [self.sums[t] / self.counts[t] for t in self.gaps if self.counts[t]]
        return float(np.mean(means)) if means else float("nan")


def cdc(
    histograms: np.ndarray | Sequence[np.ndarray], cuts: Iterable[int] = (), gaps: tuple[int, ...] = CDC_GAPS
) -> float:
    """Colour distribution consistency of a film: lower is steadier; 0 when every frame of a
    shot has the same colour distribution.

    Liu, Zhao, Chan, Wang, Loy, Qiao and Dong (2021), "Temporally consistent video colorization
    with deep feature propagation and self-regularization learning" (arXiv 2110.04562), also
    the measure of the NTIRE 2023 video colorization challenge's CDC track. A colouriser that
    works frame by frame flickers: the same scene gets different colours from frame to frame.
    CDC sees that as a change of the frames' colour distributions, with no flow and no truth.

    Exactly what is computed here, for histograms H_i^c of frames i = 0..N-1, channels
    c in {a*, b*} (`ab_histograms`):

        D_t = mean over the pairs (i, i + t), 0 <= i < N - t, that no cut separates, of
              ( JS(H_i^a, H_{i+t}^a) + JS(H_i^b, H_{i+t}^b) ) / 2
        CDC = mean of D_t over the gaps t in {1, 2, 4} that have at least one such pair

    with JS the Jensen-Shannon divergence in bits (`js_divergence`, in [0, 1]). A pair (i, j)
    is separated by a cut when a shot starts at some frame k with i < k <= j: colours
    rightly change there, and counting that would punish the film's editing. NaN when no gap
    has a pair (one frame; every frame a new shot). Where this departs from the paper: the
    paper compares the distributions of the frames' colour channels as they are, over every
    pair; here the luma is the film's own (kept by the render), so only the chroma channels
    a* and b* are compared, and pairs across a cut are left out.

    `histograms`: (N, 2, bins) array or a sequence of (2, bins) arrays; `cuts`: frame indices
    where a new shot starts (0 and indices >= N are harmless).
    """
    cut_set = set(int(c) for c in cuts)
    acc = CDCAccumulator(gaps)
    for i, hists in enumerate(histograms):
        acc.push(np.asarray(hists), cut=i in cut_set)
    return acc.value()


def warping_error(prev_rgb: np.ndarray, cur_rgb: np.ndarray, flow_cur_to_prev: np.ndarray, mask: np.ndarray) -> float:
    """Warping error of one pair of output frames: how much the colours moved other than with
    the picture. Lower is steadier; 0 when the previous frame, carried along the motion,
    is exactly the current one.

    Lai, Huang, Wang, Shechtman, Yumer and Yang (2018), "Learning blind video temporal
    consistency", ECCV. The previous output frame is warped onto the current one by the
    motion of the *reference* film, and their mean squared difference taken over the pixels
    visible in both:

        E = sum_x M(x) * sum_c (warp(prev, f)(x, c) - cur(x, c))^2 / (3 * sum_x M(x))

    i.e. the mean over visible pixels and the 3 channels, RGB in [0, 1], so values are small
    (thousandths for a steady film; Lai et al.'s code may sum the channels instead, which
    gives 3 times as much); uint8 inputs are divided by 255, float ones taken as [0, 1].
    NaN when no pixel is visible. Any channel count works the same way (mean over channels):
    `filmcolor.evaluate` gives it the frames' `chroma` for the chroma warping error.

    Direction: `flow_cur_to_prev` = flow(ref_cur_luma, ref_prev_luma), computed on the
    REFERENCE (colour truth or B&W input: anything whose motion is right) from the current
    frame to the previous one, so that warp(prev, flow_cur_to_prev) is aligned to cur. `mask`
    = occlusion_mask(flow(cur, prev), flow(prev, cur)) on the same frames, (H, W) bool: the
    current frame's pixels visible in the previous one. Measuring every film with the same
    reference flow and mask makes the numbers comparable between films.
    """
    prev = _unit(prev_rgb)  # (H, W, 3)
    cur = _unit(cur_rgb)
    mask = np.asarray(mask, bool)  # (H, W); a 0/1 integer mask would index rows instead
    n = int(mask.sum())
    if n == 0:
        return float("nan")
    diff = warp(prev, flow_cur_to_prev) - cur  # (H, W, 3)
    return float((diff[mask] ** 2).mean())


def _unit(rgb: np.ndarray) -> np.ndarray:
    """uint8 [0, 255] -> float32 [0, 1]; float arrays are taken as already in [0, 1]."""
    if rgb.dtype == np.uint8:
        return rgb.astype(np.float32) / np.float32(255.0)
    return rgb.astype(np.float32)


def chroma(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) RGB (uint8, or float in [0, 1]) -> (H, W, 2) float32 BT.601 Cb, Cr in [-0.5, 0.5].

    The render keeps the film's luma, so the luma of a render is the input's (grain, flicker,
    dust and all) and only this part is the colouriser's: the warping error of these two
    channels is the colour's own steadiness, which the RGB one mixes with the film's.
    """
    return np.ascontiguousarray(rgb_to_ycbcr(_unit(rgb), "bt601")[..., 1:])


# ---------------------------------------------------------------------------------------------
# Colour fringes
# ---------------------------------------------------------------------------------------------

FLAT_GRADIENT = 0.01  # luma change per px (0-1 units, Sobel) under which a pixel counts as flat: 2.6 codes per px


def _gradient_energy(x: np.ndarray) -> np.ndarray:
    """(H, W) or (H, W, C) float32 -> (H, W) squared gradient magnitude, summed over channels
    (3x3 Sobel divided by 8: a change per px)."""
    gx = cv2.Sobel(x, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_REFLECT) / np.float32(8.0)
    gy = cv2.Sobel(x, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_REFLECT) / np.float32(8.0)
    energy = gx * gx + gy * gy
    return energy.sum(axis=2) if energy.ndim == 3 else energy


def flat_mask(luma: np.ndarray) -> np.ndarray:
    """(H, W) bool: where the luma (uint8 codes, or float in [0, 1]) is flat, its gradient under
    FLAT_GRADIENT per px. Taken on the colour truth's luma, so every candidate is measured on
    the same pixels."""
    y = luma.astype(np.float32) / np.float32(255.0) if luma.dtype == np.uint8 else luma.astype(np.float32)
    return _gradient_energy(y) < FLAT_GRADIENT**2


def fringe(rgb: np.ndarray, flat: np.ndarray) -> float:
    """Colour fringes: the mean squared gradient of the chroma (BT.601 Cb and Cr, in 8-bit code
    units per px) over the `flat` pixels, where the picture has no edge for colour to change at.
    Bands across a wall, a rainbow in a white window and blotches of codec noise raise it; a
    colour that is flat inside each object keeps it near the truth's. NaN when no pixel is flat.
    Read it against the colour truth's own value on the same pixels."""
    if not flat.any():
        return float("nan")
    return float(_gradient_energy(chroma(rgb) * np.float32(255.0))[flat].mean())
