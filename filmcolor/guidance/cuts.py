"""The cut test: where a new shot starts, decided on motion-compensated thumbnails with a look ahead.

A frame starts a new shot when even the best warp of the frame before it leaves most of it
unlike (a hard cut), or when the picture turns into another one gradually (a dissolve, a fade
through black). Motion is not a cut: each pair of frames is first aligned by DIS optical flow,
so a pan, a zoom or shake leaves unlike only the strip that comes into view. What passes
close to the camera, a flash or a splice jump is not a cut either: the scene comes back
within half a second, which the test waits for before it decides; in a moving shot, the
camera's move before and after a splice jump, carried over the frames it skips, matches the
frame after it to the one before. A dissolve is found from its middle, so each frame is
decided `LOOKAHEAD` frames (2 s) after it comes.

Everything is measured on a small thumbnail of the luma (`ANALYSIS_WIDTH` px wide), each
normalised to zero mean and unit contrast and matched in gain to the frame it is compared
with, so flicker, exposure changes and fades do not look like new pictures; grain, dust and
thin scratches are filtered and averaged away. The choices and their measured effect:
docs/shots.md.

One `CutFinder` per film, fed every frame in order; it is the one test of the render's
smoothing, the guided render's shots, `filmcolor keyframes`, `filmcolor eval` and the
studio (`filmcolor.guidance.shots`), so all of them agree on where a shot starts.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, TypeVar

import cv2
import numpy as np

from ..configs import CutConfig as CutConfig  # defined with the CLI's light settings; imported from here too
from ..errors import InputError

ANALYSIS_WIDTH = 96  # px: wide enough for flow to follow a pan, small enough to ignore grain (0.35 ms a pair)
# what a frame is
BLANK_CONTRAST = 0.012  # std of the luma in [0, 1] under which a frame is blank (black, a fade's bottom)
FLAT_CONTRAST = 0.03  # std of the luma under which two frames in a row are too featureless to compare (sky, fog)
# how two frames are compared
UNLIKE_RESIDUAL = 0.5  # std units: a pixel the warp leaves further off than this is unlike...
UNLIKE_LUMA = 0.03  # ...and this much luma in [0, 1] (in a dim, flat frame, grain is half its contrast)
SURE_SHIFT = 0.3  # phase correlation's peak response from which its global shift is taken as the camera's
MOST_COMING = 0.28  # share of a frame that a camera's move brings into view from one frame to the next, at most
ZOOM_JUMP = 0.3  # flow divergence (about twice the change of scale) of a jump in framing: no lens zooms 15% a frame
# hard cuts
STILL = 0.1  # unlike share under which two frames in a row show a still picture
RETURN_FRAMES = 12  # frames within which a scene that comes back was never left (something passed close)
SUDDEN = 0.6  # a scene that comes back is at most this share as unlike as the frame before
STEADY_MOVE = 0.25  # how far the camera's move may change across a frame (share of it) and still be carried over it
LONGEST_SPLICE = 6  # frames a splice jump may skip inside a moving shot
CARRY_NEAR = 3  # frames on each side of a frame within which the camera's move is looked for
MOST_CARRIED = 0.6  # share of a frame a move carried over a frame may bring into view, at most
OPENING = 12  # frames of black (or a featureless picture) that a film may open with inside its first shot
# dissolves and fades
# How a dissolve is looked for, in turn: (the Mix measure, the frames each side of a frame
# compared as its ends, how far its share must rise over the run). A gap of 12 sees dissolves of
# up to about 24 frames whole; one of 24, of 48 (2 s), from ends outside them.
MEASURES = (("unlike", 12, 0.3), ("fit", 12, 0.15), ("fit", 24, 0.15))
DISSOLVE_GAPS = sorted({gap for _, gap, _ in MEASURES})
LOOKAHEAD = 2 * DISSOLVE_GAPS[-1]  # frames a decision waits for: a dissolve's middle (and a pass-by's end)
DISSOLVE_ENDS = 0.6  # unlike share of a dissolve's ends, at least
DISSOLVE_ON_THE_WAY = 0.1  # unlike share of a dissolve's frame to each end (inside the warp), at least
MIX_SEEN = 0.3  # share of a frame both warped ends must cover for a mix of them to be fitted to it, at least
MIX_APART = 0.02  # variance of a frame (normalised) that each warped end alone leaves unexplained, at least
MIX_EXPLAINS = 0.4  # how much less a mix of both ends leaves unexplained than the better end alone, at least
DISSOLVE_ZOOM = 0.08  # flow divergence between a dissolve's frame and its ends, at most (a zoom's is more)
DISSOLVE_STEADY = 0.2  # unlike share of each pair of frames in and around a dissolve, at most (no hard cut there)
DISSOLVE_ORDER = 0.8  # rank correlation of a dissolve's mix shares with its frames, at least
FADED = 0.2  # a fade's ramp brings the contrast to this share of its own, or lower (or near black)
RAMP = 0.03  # contrast change per frame (share) that still counts as a fade's ramp

Shift = tuple[float, float]  # a global shift, (dx, dy) thumbnail px: where a frame's picture is in the one before

_DIS = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_FAST)


@dataclass
class Thumb:
    """One frame as the cut test sees it."""

    picture: np.ndarray  # (h, w) float32, zero mean and unit std (zeros where blank)
    brightness: float  # mean luma in [0, 1]
    contrast: float  # std of the luma in [0, 1]

    @property
    def blank(self) -> bool:
        return self.contrast < BLANK_CONTRAST


def thumbnail(luma: np.ndarray, scale: float) -> Thumb:
    """A frame's (H, W) luma codes -> its `Thumb`; `scale` turns codes into [0, 1] luma
    (1/255 for full-range 8-bit; the range's offset does not matter, the thumb is normalised).
    Shrunk in two steps with a 3x3 median between, at twice the thumbnail's size: a film's
    scratches and dust, thin and small, are gone before they can weigh in the thumbnail."""
    h, w = luma.shape
    size = (ANALYSIS_WIDTH, max(16, round(ANALYSIS_WIDTH * h / w / 2) * 2))
    twice = cv2.resize(luma, (2 * size[0], 2 * size[1]), interpolation=cv2.INTER_AREA)  # codes, as decoded
    twice = cv2.medianBlur(twice, 3)
    small = cv2.resize(twice, size, interpolation=cv2.INTER_AREA).astype(np.float32) * np.float32(scale)  # (h, w)
    mean, std = float(small.mean()), float(small.std())
    picture = (small - mean) / std if std >= BLANK_CONTRAST else np.zeros_like(small)
    return Thumb(picture, mean, std)


def unlike(a: Thumb, b: Thumb, luma: float = UNLIKE_LUMA, match: bool = True) -> float:
    """Share of `b` that the best warp of `a` onto it leaves unlike, 0 to 1: near 0 within a
    shot (the strip a pan brings into view has nothing to compare), near 1 at a cut. A pixel
    is unlike where it is off by more than half of `b`'s contrast and by more than `luma`,
    after the gain and offset that best match the two (`match`). Blank frames are unlike anything."""
    return _compared(a, b, luma, match)[0]


def _compared(
    a: Thumb, b: Thumb, luma: float = UNLIKE_LUMA, match: bool = True, start: Shift | None = None
) -> tuple[float, Shift | None, np.ndarray | None]:
    """`unlike(a, b)`, the global shift the warp started from where phase correlation was sure
    of it (else None), and the warp, (h, w, 2) flow from `b` into `a` (None where a frame is
    blank). With `start`, the warp starts from that shift instead, and the share is of the
    part of `b` it does not bring into view."""
    if a.blank or b.blank:
        return 1.0, None, None
    warped, outside, flow, coming, shift = _aligned(a, b, start)
    if abs(_zoom(flow)) > ZOOM_JUMP:  # no lens zooms so far in a frame: the framing jumped
        return 1.0, shift, flow
    if match:
        warped = _matched(warped, b, ~(outside | coming))
    left = float(((_off(warped, b, luma) | outside) & ~coming).mean())
    return (left if start is None else left / max(float((~coming).mean()), 1e-6)), shift, flow


def _zoom(flow: np.ndarray) -> float:
    """How far a warp zooms: its flow's median divergence, about twice the change of scale (0 for a shift)."""
    return float(np.median(np.gradient(flow[..., 0], axis=1) + np.gradient(flow[..., 1], axis=0)))


def _matched(warped: np.ndarray, b: Thumb, where: np.ndarray) -> np.ndarray:
    """`warped` with the gain and offset that best match it to `b` where both are seen: each
    thumbnail is normalised over its own picture, so something bright coming into view would
    otherwise shift every other pixel's value."""
    x, y = warped[where], b.picture[where]
    if x.size < 16 or float(x.var()) < 1e-6:
        return warped
    gain = float(((x - x.mean()) * (y - y.mean())).mean() / x.var())
    return max(gain, 0.0) * (warped - x.mean()) + y.mean()


def _off(warped: np.ndarray, b: Thumb, luma: float = 0.0) -> np.ndarray:
    """(h, w) bool: where a picture warped onto `b` is unlike it: a region's mismatch (blurred,
    not one pixel's) over UNLIKE_RESIDUAL of `b`'s contrast, and over `luma` (in [0, 1])."""
    return cv2.blur(np.abs(warped - b.picture), (3, 3)) > max(UNLIKE_RESIDUAL, luma / b.contrast)


def _aligned(
    a: Thumb, b: Thumb, start: Shift | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Shift | None]:
    """`a`'s picture warped onto `b`'s, (h, w) float32; (h, w) bool: where the warp points
    outside `a`; the warp, (h, w, 2) flow from `b` into `a`; (h, w) bool: the strip that the
    global shift brings into view, where phase correlation is sure of it (a pan's or a
    splice jump's: nothing there to compare, and no sign of a cut); and that shift, or None
    where it was not sure. The warp is DIS flow started from the global shift that phase
    correlation finds (DIS alone loses a pan of more than a few pixels a frame at this size),
    or from `start` where given (the camera's move foreseen: its strip is always left out)."""
    h, w = b.picture.shape
    if start is None:
        (dx, dy), sure = cv2.phaseCorrelate(b.picture, a.picture, hanning_window(w, h))
    else:
        (dx, dy), sure = start, 1.0
    init = np.empty((h, w, 2), np.float32)
    init[..., 0], init[..., 1] = dx, dy
    to_a = _DIS.calc(_codes(b.picture), _codes(a.picture), init)  # (h, w, 2): b[x] ~ a[x + to_a[x]]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    mx, my = gx + to_a[..., 0], gy + to_a[..., 1]
    warped = cv2.remap(a.picture, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    sx, sy = gx + np.float32(dx), gy + np.float32(dy)
    coming = (sx < 0) | (sx > w - 1) | (sy < 0) | (sy > h - 1)
    shift = (float(dx), float(dy)) if sure >= SURE_SHIFT else None
    if start is None and (shift is None or coming.mean() > MOST_COMING):  # no camera moves further in a frame
        coming[:] = False
    return warped, (mx < 0) | (mx > w - 1) | (my < 0) | (my > h - 1), to_a, coming, shift


@lru_cache(maxsize=4)
def hanning_window(w: int, h: int) -> np.ndarray:
    """The (h, w) window phase correlation weighs a picture by (its edges do not wrap around)."""
    return cv2.createHanningWindow((w, h), cv2.CV_32F)


def _codes(picture: np.ndarray) -> np.ndarray:
    """A normalised thumbnail as uint8 for DIS: +-3 std over the code range."""
    return np.clip(128.0 + 40.0 * picture, 0, 255).astype(np.uint8)


class Mix(NamedTuple):
    """How far a frame has gone from one end towards the other, 0 to 1, by each of two
    measures (None where the frame is not on its way between them by that measure)."""

    unlike: float | None  # by the share of the frame each warped end leaves unlike
    fit: float | None  # by the mix of the warped ends that best makes the frame


NO_MIX = Mix(None, None)


def mix_share(before: Thumb, cur: Thumb, after: Thumb) -> Mix:
    """How far `cur` has gone from `before` towards `after`, where it may be on its way from
    one to the other by a mix, as in a dissolve: the ends unlike each other even after the
    best warp and neither warp onto `cur` a zoom. Two measures, each with its own sign that
    `cur` is between them:
    - `unlike`: `cur` unlike each end inside what its warp covers (so not a pan, whose unlike
      part is what comes into view); the share is the part unlike the one end over both.
      Coarse (a pixel is like or unlike), so it sees a short dissolve, whose ends are far apart.
    - `fit`: `cur` made by a mix of the two warped ends (least squares, with an offset) far
      better than by either alone (`MIX_EXPLAINS`), each alone leaving some of it unexplained;
      the share is the after end's weight. Fine, so it also sees a frame of a long dissolve
      against ends still inside it, as long as both warps cover enough of the frame.
    Whether a run of such frames is a dissolve is `CutFinder._dissolve`'s to say."""
    if before.blank or after.blank or cur.blank or unlike(before, after, 0.0, False) < DISSOLVE_ENDS:
        return NO_MIX
    warped_before, out_before, flow_before, _, _ = _aligned(before, cur)
    warped_after, out_after, flow_after, _, _ = _aligned(after, cur)
    if max(abs(_zoom(flow_before)), abs(_zoom(flow_after))) > DISSOLVE_ZOOM:
        return NO_MIX
    from_before = float((_off(warped_before, cur) & ~out_before).mean())
    from_after = float((_off(warped_after, cur) & ~out_after).mean())
    by_unlike = (
        from_before / (from_before + from_after) if min(from_before, from_after) >= DISSOLVE_ON_THE_WAY else None
    )
    return Mix(by_unlike, _fitted(warped_before, warped_after, cur.picture, ~(out_before | out_after)))


def _fitted(before: np.ndarray, after: np.ndarray, cur: np.ndarray, seen: np.ndarray) -> float | None:
    """The weight of `after` in the mix of the two (h, w) warped ends that best makes `cur`,
    over `seen`, 0 to 1, where that mix explains `cur` far better than either end alone; else None."""
    if seen.mean() < MIX_SEEN:
        return None
    b, a, c = before[seen], after[seen], cur[seen]  # (n,) each
    ones = np.ones_like(c)
    alone = min(_unexplained(np.column_stack([x, ones]), c)[0] for x in (b, a))
    both, (kb, ka, _) = _unexplained(np.column_stack([b, a, ones]), c)
    if alone < MIX_APART or both > (1 - MIX_EXPLAINS) * alone or kb + ka <= 0:
        return None
    return float(np.clip(ka / (kb + ka), 0.0, 1.0))


def _unexplained(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """(mean squared residual of `y`, (n,), after its least-squares fit by the columns of `x`,
    (n, k); the fit's k coefficients)."""
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    return float(np.mean((y - x @ coef) ** 2)), coef


@dataclass
class Transition:
    """A gradual change of shot: a dissolve or a fade through black. `cut` is where the new
    shot is taken to start (the dissolve's middle, the first frame out of black)."""

    first: int
    last: int
    cut: int


def check_threshold(value: float, option: str) -> None:
    """InputError unless `value` is a share strictly between 0 and 1 (the cut test's threshold,
    given on the command line as `option`)."""
    if not 0 < value < 1:
        raise InputError(
            f"{option} must be between 0 and 1 (a share of the frame; got {value}); the default is {CutConfig.threshold}"
        )


class CutFinder:
    """The cut test over one film: `push(luma)` each frame in order; each call returns the
    frames now decided, as (index, starts a shot), in order, `LOOKAHEAD` frames behind;
    `finish()` decides the rest. `transitions` lists the gradual changes found."""

    def __init__(self, scale: float, config: CutConfig = CutConfig()) -> None:
        self.scale, self.config = scale, config
        self.thumbs: dict[int, Thumb] = {}  # the window: frames not yet decided, and those still compared with
        self.pairs: dict[int, float] = {}  # unlike(frame i - 1, frame i)
        self.moves: dict[int, Shift | None] = {}  # the camera's move from frame i - 1 to frame i, where known
        self.mixes: dict[int, dict[int, Mix]] = {gap: {} for gap in DISSOLVE_GAPS}  # gap -> {frame i: mix_share at i}
        self.count = 0  # frames pushed
        self.decided = 0  # frames decided
        self.last_seen: int | None = None  # the last non-blank frame decided
        self.last_thumb: Thumb | None = None  # ...and its thumbnail
        self.quiet_until = -1  # frames up to here are inside a disturbance that came back: no cut
        self.transitions: list[Transition] = []

    def push(self, luma: np.ndarray) -> list[tuple[int, bool]]:
        index = self.count
        self.thumbs[index] = thumbnail(luma, self.scale)
        self.count += 1
        if index > 0:
            a, b = self.thumbs[index - 1], self.thumbs[index]
            flat = max(a.contrast, b.contrast) < FLAT_CONTRAST  # both nearly featureless: their likeness is noise
            score, shift, flow = (0.0, None, None) if flat and not (a.blank or b.blank) else _compared(a, b)
            self.pairs[index] = score
            if shift is None and flow is not None and score <= self.config.threshold:  # a warp that matched
                shift = float(np.median(flow[..., 0])), float(np.median(flow[..., 1]))
            self.moves[index] = shift
        for gap, mixes in self.mixes.items():
            if index >= 2 * gap:
                mixes[index - gap] = mix_share(
                    self.thumbs[index - 2 * gap], self.thumbs[index - gap], self.thumbs[index]
                )
        out = []
        while self.decided + LOOKAHEAD < self.count:
            out.append(self._decide(self.decided))
        return out

    def finish(self) -> list[tuple[int, bool]]:
        return [self._decide(i) for i in range(self.decided, self.count)]

    # ------------------------------------------------------------------ deciding

    def _decide(self, t: int) -> tuple[int, bool]:
        cut = t > 0 and self._starts(t)
        self.decided = t + 1
        if not self.thumbs[t].blank:
            self.last_seen, self.last_thumb = t, self.thumbs[t]
        for old in [k for k in self.thumbs if k < t - LOOKAHEAD]:  # keep what later decisions look back on
            del self.thumbs[old]
            self.pairs.pop(old, None)
            self.moves.pop(old, None)
            for mixes in self.mixes.values():
                mixes.pop(old - LOOKAHEAD, None)
        return t, cut

    def _starts(self, t: int) -> bool:
        thumb = self.thumbs[t]
        if t <= self.quiet_until:  # inside a disturbance that came back
            return False
        runs = [  # each judged on what is known `gap` frames on, as it was tuned
            r
            for name, gap, rise in MEASURES
            if (r := self._dissolve(t, {i: getattr(m, name) for i, m in self.mixes[gap].items() if i <= t + gap}, rise))
        ]
        if runs:
            first, last, shares = runs[0]
            found = self.transitions[-1] if self.transitions else None
            if found is not None and found.cut < t and first <= found.last:  # the one found, by another measure
                found.last = max(found.last, last + 1)
                self.quiet_until = last
                return False
            middle = next((i for i in range(first, last + 1) if (shares.get(i) or 0.0) >= 0.5), last)
            if t != middle:
                return False
            first, last = min(r[0] for r in runs), max(r[1] for r in runs)  # its frames, as every measure sees them
            self.transitions.append(Transition(first - 1, last + 1, t))
            self.quiet_until = last  # the rest of the dissolve is its own, however the run grows
            return True
        if thumb.blank:
            return False
        if self.last_seen is None:  # the film's first picture: after half a second of black or more, a shot of its own
            return t >= OPENING

        before = self.last_seen
        if before != t - 1:  # out of black: a new shot if what comes is unlike what went
            assert self.last_thumb is not None  # set with last_seen
            cut = unlike(self.last_thumb, thumb) > self.config.threshold
            if cut:
                self._fade(before, t)
            return cut
        score = self.pairs[t]
        if score <= self.config.threshold or self._carried_over(t):
            return False
        back = self._comes_back(t)
        if back is not None:  # the scene came back: all between was a disturbance
            self.quiet_until = back
            return False
        sides = [[self.pairs[i] for i in side if i in self.pairs] or [0.0] for side in ((t - 2, t - 1), (t + 1, t + 2))]
        level = max(max(side) for side in sides)
        still = min(max(side) for side in sides) <= STILL  # the camera still on one side: motion stops or starts at t
        if score < level + self.config.contrast or (score < 2 * level and not still):
            return False  # about as unlike as the frames around it: fast motion
        self._fade(t - 1, t)
        return True

    def _carried_over(self, t: int) -> bool:
        """Whether the camera's steady move, the same before `t` and after it, carried over `t`
        matches frame `t` to the one before: a fast pan where phase correlation lost a frame
        or two (blur), or a splice jump in a moving shot (a few frames of the move missing,
        so `t` is the move's k frames on from the one before). The move on each side is the
        nearest one known within CARRY_NEAR frames."""
        before = next((v for i in range(t - 1, t - 1 - CARRY_NEAR, -1) if (v := self.moves.get(i)) is not None), None)
        after = next((v for i in range(t + 1, t + 1 + CARRY_NEAR) if (v := self.moves.get(i)) is not None), None)
        if before is None or after is None:
            return False
        vx, vy = (before[0] + after[0]) / 2, (before[1] + after[1]) / 2
        speed = float(np.hypot(vx, vy))
        if speed < 1.0 or float(np.hypot(before[0] - after[0], before[1] - after[1])) > STEADY_MOVE * speed:
            return False
        a, b = self.thumbs[t - 1], self.thumbs[t]
        h, w = b.picture.shape
        for k in range(1, LONGEST_SPLICE + 2):
            if 1 - (1 - abs(k * vx) / w) * (1 - abs(k * vy) / h) > MOST_CARRIED:
                break
            if _compared(a, b, start=(k * vx, k * vy))[0] <= self.config.threshold:
                return True
        return False

    def _comes_back(self, t: int) -> int | None:
        """The first frame within RETURN_FRAMES after `t` that matches one of the few frames
        before `t` again, all at once, and not `t` (the scene was never left: something passed
        close, a flash), or None. A scene that only drifts back towards it (the camera moving
        on in the new shot), or a steady shot of four frames or more in between (a cutaway),
        does not count."""
        score = self.pairs[t]
        for before in (t - 1, t - 2, t - 3):
            if before not in self.thumbs or self.thumbs[before].blank:
                continue
            last = score
            for j in range(t + 1, min(t + RETURN_FRAMES, self.count)):
                if self.thumbs[j].blank:
                    continue
                back = unlike(self.thumbs[before], self.thumbs[j])
                if back < min(self.config.back, score / 2) and back <= SUDDEN * last:
                    away = unlike(self.thumbs[t], self.thumbs[j]) >= score / 2
                    cutaway = j - t >= 4 and all(self.pairs[i] <= self.config.threshold for i in range(t + 1, j))
                    return j if away and not cutaway else None
                last = back
        return None

    def _dissolve(
        self, t: int, shares: dict[int, float | None], rise: float
    ) -> tuple[int, int, dict[int, float | None]] | None:
        """The dissolve `t` is in, as its (first, last) frame on the way and `shares`: three or
        more frames, each a mix on its way between the frames a gap either side (`shares`, one
        measure's at one gap; two frames in a row that are not, at most: the test is noisy), with
        no hard cut among them, their shares rising by `rise` or more; else None."""
        if shares.get(t) is None:
            return None

        def reach(i: int, step: int) -> int:
            while True:
                nxt = next((i + k * step for k in (1, 2, 3) if shares.get(i + k * step) is not None), None)
                if nxt is None:
                    return i
                i = nxt

        first, last = reach(t, -1), reach(t, 1)
        run = [v for i in range(first, last + 1) if (v := shares.get(i)) is not None]
        steady = all(self.pairs.get(i, 0.0) <= DISSOLVE_STEADY for i in range(first - 2, last + 3))
        return (first, last, shares) if len(run) >= 3 and steady and _rising(run, rise) else None

    @staticmethod
    def _faded(bottom: float, top: float) -> bool:
        """Whether a ramp of contrast from `top` to `bottom` is a fade: to near black."""
        return bottom <= max(2 * BLANK_CONTRAST, FADED * top)

    def _fade(self, before: int, after: int) -> None:
        """Record a fade around the cut between `before` and `after`: contrast falling into it
        over a few frames to near black, or rising out of it from there."""
        first, last = before, after
        while first - 1 in self.thumbs and self.thumbs[first - 1].contrast * (1 - RAMP) > self.thumbs[first].contrast:
            first -= 1
        while last + 1 < self.count and self.thumbs[last + 1].contrast * (1 - RAMP) > self.thumbs[last].contrast:
            last += 1
        fell = before - first >= 3 and self._faded(self.thumbs[before].contrast, self.thumbs[first].contrast)
        rose = last - after >= 3 and self._faded(self.thumbs[after].contrast, self.thumbs[last].contrast)
        if fell or rose:
            self.transitions.append(Transition(first if fell else before, last if rose else after, after))


def _rising(shares: list[float], rise: float) -> bool:
    """Whether a run of mix shares goes from one end to the other, as a dissolve's does: in
    rank order with the frames (Spearman's rho), and far (a pan or a zoom gives runs that wander)."""
    ranks = np.argsort(np.argsort(shares))
    rho = float(np.corrcoef(ranks, np.arange(len(shares)))[0, 1])
    return rho >= DISSOLVE_ORDER and shares[-1] - shares[0] >= rise


T = TypeVar("T")


def with_cuts(
    items: Iterable[T], luma: Callable[[T], np.ndarray | None], finder: CutFinder
) -> Iterator[tuple[T, bool]]:
    """`items` in order, each with whether a shot starts at it, `LOOKAHEAD` frames late.
    `luma(item)`: the item's (H, W) luma codes, or None for an item that is not a frame (a
    packet to copy: it keeps its place among the frames, and is said to start nothing)."""
    waiting: deque[tuple[T, bool]] = deque()  # (item, is a frame), not yet passed on
    decided: deque[bool] = deque()

    def ready() -> Iterator[tuple[T, bool]]:
        while waiting and (not waiting[0][1] or decided):
            item, is_frame = waiting.popleft()
            yield item, decided.popleft() if is_frame else False

    for item in items:
        codes = luma(item)
        waiting.append((item, codes is not None))
        if codes is not None:
            decided.extend(cut for _, cut in finder.push(codes))
        yield from ready()
    decided.extend(cut for _, cut in finder.finish())
    yield from ready()
