"""Colour hints: a few strokes of colour on a B&W picture, spread over the rest of it.

Levin, Lischinski and Weiss (2004), "Colorization using optimization": neighbouring pixels
whose luma is alike should have alike colour. Each uncoloured pixel's chroma is asked to be
the weighted mean of its 3x3 neighbours', the weights falling with the luma difference
(exp(-d^2 / s), s 0.6 times the window's luma variance but wide enough that the closest
neighbour keeps a weight of 0.01, as in the authors' code), while the coloured pixels keep theirs;
that is one sparse linear system per chroma channel, solved with SciPy. Colour then flows
freely across a flat region and hardly across an edge, so a stroke in each of two regions
colours each region and not its neighbour (`fill_chroma`: the carrier's extension of trusted
colour, `colorize --hints`).

But nothing else pulls a pixel, so a single stroke colours the whole picture up to the next
stroke. A colourist paints the few things whose colour they know and expects the rest left as
it was: the stroke fill (`stroke_fill`: keyframe strokes in the studio and the render) gives
each pixel a reach from the strokes that falls with distance and across edges (and grows
with the number of strokes: the more the colourist has said, the more of the picture is
theirs), and blends the fill into the base (gray, or a colour given) by it. docs/evaluation.md measures both against the
number of hints.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np
import scipy.sparse
import scipy.sparse.linalg

NEUTRAL = 2.0 / 255  # chroma closer to gray than this is uncoloured in an opaque picture
PAINTED = 16  # alpha (of 255) from which a pixel of a transparent picture is a hint: half-transparent strokes count
WHOLE = 0.5  # an opaque picture coloured over at least this share is coloured whole: its gray parts are gray
MAX_SIDE = 400  # px: Levin's fill runs at most at this long side (0.3 s at 400x225 on a CPU core); colour is smooth, the luma keeps the detail
SIGMA_FLOOR = 2e-6  # the weights' width at least (luma in [0, 1]), as in the authors' code
STROKE_SIDE = 200  # px: the stroke fill's reach is solved at most at this long side, in the studio as in the render;
# at Levin's 400 a keyframe's strokes carried through a shot scored 0.7-1.3 dB lower with ten strokes (its colour is
# solved at MAX_SIDE: docs/evaluation.md, "Colour hints")
REACH = 0.5  # share of the long side over which a walk from a stroke dies out (1/e) across a flat open area
ALONE = (
    3  # separate hints up to which the reach is REACH; with more, it grows with their number (REACH * hints / ALONE)
)
GAIN = 8.0  # the reach is this times the chance a walk arrives at a stroke, at most 1: an eighth is reached
LEAK_STEP = 0.75  # a walk on the 8 neighbours spreads 0.75 px^2 a step on each axis: the leak is this / reach^2
GUIDE_EPS = 1e-3  # luma variance under which the upsampling's fits count a window as flat (contrast ~0.03)


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


def shrunk_hints(
    rgb: np.ndarray, alpha: np.ndarray | None, size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray | None]:
    """(H, W, 3) uint8 R'G'B' of a picture of colour hints and its (H, W) uint8 alpha (or None)
    -> ((h, w, 3) float32 R'G'B' in [0, 1], (h, w) uint8 alpha or None) at (w, h) = `size`.
    A pixel only partly painted there takes the painted part's colour (premultiplied by alpha):
    a plain average mixed each stroke's edge with what lies under the clear pixels (black from
    an image editor, the gray frame from the studio), and the fill, which reaches far pixels
    mostly through a stroke's edge, spread the stroke at about half its colour."""
    small = cv2.resize(rgb.astype(np.float32) / 255.0, size, interpolation=cv2.INTER_AREA)
    if alpha is None:
        return small, None
    small_alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
    if alpha.min() == 255:
        return small, small_alpha
    a = alpha.astype(np.float32) / 255.0  # (H, W)
    cover = cv2.resize(a, size, interpolation=cv2.INTER_AREA)  # (h, w)
    # (h, w, 3): the painted part's mean colour
    painted = cv2.resize(rgb.astype(np.float32) / 255.0 * a[..., None], size, interpolation=cv2.INTER_AREA)
    painted = painted / np.maximum(cover, 1e-6)[..., None]
    return np.where((small_alpha >= PAINTED)[..., None], painted, small), small_alpha


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
        # the known pixels' mean
        small_chroma = cv2.resize(chroma * known[..., None], size, interpolation=cv2.INTER_AREA) / weight
        filled = _solve(cv2.resize(luma, size, interpolation=cv2.INTER_AREA), small_chroma, small_known > 0.5)
        out = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR)
        return np.where(known[..., None], chroma, out).astype(np.float32)
    return _solve(luma, chroma, known).astype(np.float32)


def stroke_fill(
    luma: np.ndarray,
    chroma: np.ndarray,
    known: np.ndarray,
    base: np.ndarray | None = None,
    max_side: int = STROKE_SIDE,
    reach: float = REACH,
    gain: float = GAIN,
    alone: int = ALONE,
    colour_side: int = MAX_SIDE,
) -> tuple[np.ndarray, np.ndarray]:
    """(H, W) luma in [0, 1], (H, W, 2) chroma, (H, W) bool `known` (the painted pixels; a
    keep-gray stroke is painted with chroma 0) and the colour the rest keeps, `base` ((H, W, 2),
    e.g. the automatic colour; None: gray) -> ((H, W, 2) chroma, (H, W) reach in [0, 1]).

    Levin's fill gives every pixel the colour of the strokes it is joined to along the luma,
    however far: one stroke colours the whole picture. Here a random walk along the same
    weights stops at each step with a small chance (the leak, set so that across a flat open area
    the strokes' pull falls to 1/e over `reach` of the long side); the reach is the chance it
    arrives at a stroke (times `gain`, at most 1), the fill the mean colour of the strokes it
    arrives at. Inside an object bounded by edges the walk stays in and the reach stays high;
    across an edge, or far over an open area, it falls. Out = base + reach * (fill - base):
    colour never jumps.

    How far the strokes reach depends on how much the colourist has said. A few strokes (up to
    `alone` separate hints: the painted mask's 8-connected parts) name a few things and the
    rest should stay as it was, so `reach` holds. With more, the picture is mostly explained by
    them, and their colour carried along the luma is a better guess than the base (Levin's
    fill, which honours every hint, beats gray from about ten hints: docs/evaluation.md), so
    the reach grows with their number, `reach * hints / alone`: at ten it is over three times a
    lone stroke's (the leak a tenth) and the fill about Levin's, the base kept only where no
    stroke reaches at all. `alone` set on eight training pictures, `reach` and `gain` for a lone
    stroke left as they were (`pipelines/tune_stroke_fill.py`: growing from the second hint, two
    strokes fell below gray there at a short side of 192 px; from the fourth or the sixth, alike:
    the fourth for the longer reach at ten).
    Two solves. The reach at most at `max_side`, one size for the studio and the render: a walk
    that lives longer crosses a faint edge more often, so the reach is the same only at the same
    size, and a keyframe's strokes carried through a shot scored best at 200 px. The colour (the
    chance of arriving times each chroma channel, and the chance: one factorisation, three
    right-hand sides) at most at `colour_side`, Levin's own: solved at 200 px too, the fill was
    Levin's at 200 px from ten hints on, 0.2-0.6 dB under Levin's at its size (docs/evaluation.md).
    Each brought back to the picture's size along its luma (a guided filter's linear fits, He et
    al. 2013's upsampling), the painted pixels their own."""
    h, w = luma.shape
    gray = np.zeros((h, w, 2), np.float32) if base is None else base.astype(np.float32)
    if not known.any():
        return gray, np.zeros((h, w), np.float32)
    parts = cv2.connectedComponents(known.astype(np.uint8), connectivity=8)[0] - 1  # separate hints (0: the rest)
    reach *= max(1.0, parts / alone)  # more hints, more of the picture theirs
    small_luma, _, small_known = _shrunk(luma, chroma, known, max_side)
    arrived = _solve(small_luma, small_known[..., None].astype(np.float64), small_known, _leak(small_luma, reach))
    arrived = arrived[..., 0].astype(np.float32)  # (h', w'): the chance a walk from the pixel arrives at a stroke
    colour_luma, colour_chroma, colour_known = _shrunk(luma, chroma, known, colour_side)
    rhs = np.concatenate([colour_chroma * colour_known[..., None], colour_known[..., None]], axis=2)  # (h", w", 3)
    walked = _solve(colour_luma, rhs, colour_known, _leak(colour_luma, reach))  # (h", w", 3): chance * colour, chance
    fill = (walked[..., :2] / np.maximum(walked[..., 2:], 1e-12)).astype(np.float32)  # the colour it arrives at
    full = luma.astype(np.float32)
    if small_luma.shape != luma.shape:
        arrived = guided_upsample(small_luma, arrived, full)
    if colour_luma.shape != luma.shape:
        fill = guided_upsample(colour_luma, fill, full)
    weight = np.minimum(np.clip(arrived, 0.0, 1.0) * gain, 1.0)  # (H, W): the reach
    out = gray + weight[..., None] * (fill - gray)
    out[known] = chroma[known]
    weight[known] = 1.0
    return out.astype(np.float32), weight


def _leak(luma: np.ndarray, reach: float) -> float:
    """A walk's chance to stop at each step on (h, w) `luma`, so that its reach falls to 1/e over
    `reach` of the long side across a flat open area."""
    return LEAK_STEP / (reach * max(luma.shape)) ** 2


def _shrunk(
    luma: np.ndarray, chroma: np.ndarray, known: np.ndarray, side: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (h, w) luma, (h, w, 2) painted colour and (h, w) bool painted pixels at most `side`
    on the long side: the painted pixels' mean colour, and a stroke thinner than a pixel there
    still painted (the most covered pixels)."""
    h, w = luma.shape
    scale = min(1.0, side / max(h, w))
    if scale >= 1.0:
        return luma.astype(np.float32), chroma.astype(np.float32), known
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small_luma = cv2.resize(luma.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    cover = cv2.resize(known.astype(np.float32), size, interpolation=cv2.INTER_AREA)  # (h', w') painted share
    small_chroma = cv2.resize((chroma * known[..., None]).astype(np.float32), size, interpolation=cv2.INTER_AREA)
    small_chroma /= np.maximum(cover, 1e-6)[..., None]  # the painted pixels' mean
    return small_luma, small_chroma, cover >= min(0.5, float(cover.max()))


def guided_upsample(
    small_guide: np.ndarray, small: np.ndarray, guide: np.ndarray, eps: float = GUIDE_EPS
) -> np.ndarray:
    """(h, w) or (h, w, C) planes solved at the size of (h, w) `small_guide` -> (H, W) or
    (H, W, C) at (H, W) `guide`'s: in each 3x3 window of the small picture each plane is fitted
    as a linear function of the luma, and the fits (smooth: scaled up bilinearly) are applied to
    the full-size luma, so a colour's edge lands on the luma's edge, not between two pixels of
    the solve."""
    k = (3, 3)
    planes = (lambda a: a[..., None]) if small.ndim == 3 else (lambda a: a)  # a luma plane beside each plane
    mean_i = cv2.blur(small_guide, k, borderType=cv2.BORDER_REFLECT)
    var_i = cv2.blur(small_guide * small_guide, k, borderType=cv2.BORDER_REFLECT) - mean_i * mean_i
    mean_p = cv2.blur(small, k, borderType=cv2.BORDER_REFLECT)  # like small
    cov = cv2.blur(small * planes(small_guide), k, borderType=cv2.BORDER_REFLECT) - mean_p * planes(mean_i)
    a = cov / planes(var_i + eps)
    b = mean_p - a * planes(mean_i)
    size = (guide.shape[1], guide.shape[0])
    a = cv2.resize(cv2.blur(a, k, borderType=cv2.BORDER_REFLECT), size, interpolation=cv2.INTER_LINEAR)
    b = cv2.resize(cv2.blur(b, k, borderType=cv2.BORDER_REFLECT), size, interpolation=cv2.INTER_LINEAR)
    return a * planes(guide) + b


def _solve(luma: np.ndarray, values: np.ndarray, known: np.ndarray, leak: float = 0.0) -> np.ndarray:
    """The fill at the given size: A u = b with a row per pixel, `u_r - (1 - leak) sum_s w_rs u_s = 0`
    for an unknown pixel r (w over its 3x3 neighbours, summing to 1) and `u_r = value` for a known
    one; `values` (h, w, C), every channel solved with one factorisation. `leak` 0: Levin's fill.

    Factorised in the grid's nested-dissection order (`dissection`), without pivoting (each
    unknown's row is diagonally dominant, a known one's is the identity's): at 400x225 pixels
    0.3 s, where SuperLU's own column ordering filled the factors to twice the size and took
    1.0 s (the same solution, to 1e-13)."""
    h, w = luma.shape
    n = h * w
    y = luma.astype(np.float64)
    mean = cv2.blur(y, (3, 3), borderType=cv2.BORDER_REFLECT)
    variance = cv2.blur(y * y, (3, 3), borderType=cv2.BORDER_REFLECT) - mean * mean  # (h, w), the 3x3 window's
    index = np.arange(n).reshape(h, w)
    padded = np.pad(y, 1, constant_values=np.nan)  # (h + 2, w + 2): a neighbour outside the picture is nan
    row_parts, col_parts, square_parts = [], [], []  # per neighbour direction
    closest = np.full((h, w), np.inf)  # each pixel's smallest squared luma difference to a neighbour
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy == 0 and dx == 0:
                continue
            closest = np.fmin(closest, (padded[1 + dy : h + 1 + dy, 1 + dx : w + 1 + dx] - y) ** 2)
            # pixels that have this neighbour
            ys, xs = (slice(max(0, -dy), h - max(0, dy)), slice(max(0, -dx), w - max(0, dx)))
            yn, xn = slice(max(0, dy), h + min(0, dy)), slice(max(0, dx), w + min(0, dx))
            row_parts.append(index[ys, xs].ravel())
            col_parts.append(index[yn, xn].ravel())
            square_parts.append(((y[ys, xs] - y[yn, xn]) ** 2).ravel())
    rows, cols, squares = np.concatenate(row_parts), np.concatenate(col_parts), np.concatenate(square_parts)
    sigma = np.maximum(np.maximum(0.6 * variance, closest / np.log(100.0)), SIGMA_FLOOR).ravel()  # (n,)
    weights = np.exp(-squares / sigma[rows])
    totals = np.bincount(rows, weights, minlength=n)
    weights = weights * ((1.0 - leak) / totals[rows])  # each pixel's neighbour weights sum to 1 - leak
    free = ~known.ravel()
    keep = free[rows]  # known pixels' rows hold only their own 1
    order = dissection(h, w)
    position = np.empty(n, np.int64)
    position[order] = np.arange(n)  # pixel -> its place in the order
    at = position[np.concatenate([rows[keep], index.ravel()])]  # each entry's row, then column, in the order
    of = position[np.concatenate([cols[keep], index.ravel()])]
    a = scipy.sparse.csc_matrix((np.concatenate([-weights[keep], np.ones(n)]), (at, of)), shape=(n, n))
    channels = values.shape[2]
    b = np.where(free[:, None], 0.0, values.reshape(n, channels))  # (n, C): every channel, one factorisation
    lu = scipy.sparse.linalg.splu(
        a, permc_spec="NATURAL", diag_pivot_thresh=0.0, options={"SymmetricMode": True}, relax=4, panel_size=4
    )
    return lu.solve(b[order])[position].reshape(h, w, channels)


@functools.lru_cache(maxsize=8)
def dissection(h: int, w: int, leaf: int = 3) -> np.ndarray:
    """(h * w,) the pixels of an (h, w) grid in nested-dissection order (George 1973): the grid
    cut in two by a line of pixels across its longer side, each half ordered so in turn, the line
    after both. A pixel's 3x3 neighbours never reach past the line, so eliminating each half
    fills nothing in the other, and the factors of a 2-D grid grow as n log n, not n^1.5."""
    index = np.arange(h * w).reshape(h, w)
    out: list[np.ndarray] = []

    def part(y0: int, y1: int, x0: int, x1: int) -> None:
        if (y1 - y0) * (x1 - x0) <= leaf * leaf or min(y1 - y0, x1 - x0) < 3:
            out.append(index[y0:y1, x0:x1].ravel())
        elif y1 - y0 >= x1 - x0:
            m = (y0 + y1) // 2
            part(y0, m, x0, x1)
            part(m + 1, y1, x0, x1)
            out.append(index[m, x0:x1])
        else:
            m = (x0 + x1) // 2
            part(y0, y1, x0, m)
            part(y0, y1, m + 1, x1)
            out.append(index[y0:y1, m])

    part(0, h, 0, w)
    return np.concatenate(out)
