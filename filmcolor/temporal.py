"""Steady colour over time: flow-guided smoothing of the predicted chroma, reset at scene cuts.

A per-frame colouriser flickers: the same coat turns brown, then blue, then brown. Here each
frame's chroma is blended with the previous output, carried along the motion by optical flow
between the two luma frames, so a colour once chosen follows its object. Where the flow
cannot be trusted (a region coming into view, fast motion, a wrong match: seen from
forward-backward inconsistency and from the luma's own warp residual) the picture may still
have stayed still or moved with the camera (`held`); where nothing matches, the fresh
prediction wins, so colour is not dragged across moving edges. At a scene cut (found by the one cut
test, `filmcolor.guidance.cuts`, and given with each frame) the state is dropped, so no shot inherits
the previous one's colours.

Runs at the model's working size, after batched inference, frame by frame in order; its
state is one luma frame and one chroma frame.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from .configs import SmoothConfig as SmoothConfig  # defined with the CLI's light settings; imported from here too
from .flow import flow, occlusion_mask, warp
from .guidance.cuts import SURE_SHIFT, hanning_window


@dataclass
class Motion:
    """How a frame's picture came from the previous frame's, at the working size: what the
    smoother and the keyframe carrier (`filmcolor.guidance.guide`) both follow."""

    to_prev: np.ndarray  # (h, w, 2) float32: cur[x] ~ prev[x + to_prev[x]]
    trust: np.ndarray  # (h, w) float32 in [0, 1]: how far each pixel may take its colour from prev along it


def motion(prev: np.ndarray, cur: np.ndarray, config: SmoothConfig) -> Motion:
    """The motion from `prev` to `cur`, (h, w) uint8 luma at the working size: DIS flow into
    `cur` as `config` asks, back out of it as `checking(config)` does, and the trust they and
    the luma give (`trust`)."""
    to_prev, to_cur = flow_between(cur, prev, config), flow_between(prev, cur, checking(config))
    return Motion(to_prev, trust(prev, cur, to_prev, to_cur, config.residual))


def held(prev: np.ndarray, cur: np.ndarray, moved: Motion, residual: float) -> Motion:
    """`moved`, with each pixel its dense flow does not trust given a second chance: the picture
    there may have stayed still, or moved with the whole picture (the global shift), where the
    flow lost it (a blurred thing passing fast over a plain background, a fast pan's flat sky).
    Each such move is trusted by the luma's warp residual alone, inside the frame (a uniform move
    has no forward-backward check to give), and a pixel takes the move trusted most. On the shot
    set's tune pans and pass-bys, of the six films whose automatic render's warping error was over
    1.2x the truth's (1.27-1.89x), four measured with it: 1.75 -> 1.66x, 1.47 -> 1.31x,
    1.30 -> 1.12x, 1.89 -> 1.46x; with the stronger pull it allows (`SmoothConfig`'s strength 0.95,
    residual 0.08), all six 1.04-1.18x (docs/shots.md). The automatic colour's
    smoother only: a keyframe's carrier follows the dense flow alone, so that a colour the
    colourist painted is never held where the picture moved under it."""
    h, w = cur.shape
    shift = global_shift(cur, prev)
    trust_, to_prev = moved.trust.astype(np.float32), moved.to_prev.astype(np.float32)  # copies, changed in place
    for dx, dy in [(0.0, 0.0)] + ([shift] if shift is not None else []):
        # prev[y + dy, x + dx], bilinear, edge repeated: `warp` along a uniform flow, without its maps
        shifted = cv2.warpAffine(
            prev,
            np.array([[1, 0, dx], [0, 1, dy]], np.float32),
            (w, h),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )
        xs, ys = np.arange(w) + dx, np.arange(h) + dy
        inside = ((ys >= 0) & (ys <= h - 1))[:, None] & ((xs >= 0) & (xs <= w - 1))[None, :]  # (h, w)
        candidate = inside * matching(shifted, cur, residual)
        better = candidate > trust_
        trust_[better] = candidate[better]
        to_prev[better] = (dx, dy)
    return Motion(to_prev, trust_)


def checking(config: SmoothConfig) -> SmoothConfig:
    """The flow back out of a frame, which only checks the one into it (what came into view, a
    wrong match): no finer than DIS's fast preset at half the working size, a quarter of the
    cost of the medium preset at full size that a guided render follows, and started from the
    global shift (at that size the fast preset loses a fast pan alone, and nothing would be
    trusted there)."""
    preset = "fast" if config.flow_preset == "medium" else config.flow_preset
    return replace(config, flow_preset=preset, flow_scale=min(config.flow_scale, 0.5), global_start=True)


def flow_between(a: np.ndarray, b: np.ndarray, config: SmoothConfig) -> np.ndarray:
    """flow(a, b) estimated at `flow_scale` of the size and brought back to it: (h, w, 2);
    with `global_start`, started from the global shift between them where phase correlation
    is sure of one (a pan: measured on the shot set's tune pans, the automatic render's warping
    error fell from 1.6-2.6x the truth's to 1.3-1.8x)."""
    scale = config.flow_scale
    h, w = a.shape
    small = (max(8, round(w * scale)), max(8, round(h * scale))) if scale < 1 else (w, h)
    sa, sb = (
        (cv2.resize(a, small, interpolation=cv2.INTER_AREA), cv2.resize(b, small, interpolation=cv2.INTER_AREA))
        if scale < 1
        else (a, b)
    )
    f = flow(sa, sb, config.flow_preset, global_shift(sa, sb) if config.global_start else None)
    if scale >= 1:
        return f
    return cv2.resize(f, (w, h), interpolation=cv2.INTER_LINEAR) * np.array([w / small[0], h / small[1]], np.float32)


def global_shift(a: np.ndarray, b: np.ndarray, least: float = 1.0) -> tuple[float, float] | None:
    """(dx, dy) with a[y, x] ~ b[y + dy, x + dx] for the whole picture, where phase correlation
    is sure of it (peak response SURE_SHIFT, the cut test's) and it is more than `least` px
    (a negative `least`: any); else None."""
    h, w = a.shape
    (dx, dy), sure = cv2.phaseCorrelate(a.astype(np.float32), b.astype(np.float32), hanning_window(w, h))
    return (dx, dy) if sure >= SURE_SHIFT and abs(dx) + abs(dy) > least else None


def luma8(luma: np.ndarray) -> np.ndarray:
    """(h, w) working luma in [0, 1] -> uint8: what cuts and flow are measured on."""
    return np.clip(np.rint(luma * 255.0), 0, 255).astype(np.uint8)


class Smoother:
    """Smooths one shot's chroma at a time; call it on every frame in order.

    `smoother(luma, chroma, cut)` takes the frame's (h, w) luma in [0, 1] at the working size,
    its (2, h, w) predicted chroma and whether a shot starts there, and returns the chroma to
    use. It is `step` (how did the picture move) then `blend`; a guided render calls them
    apart, to carry its keyframes' colour along the same motion in between.
    """

    def __init__(self, config: SmoothConfig = SmoothConfig(), follow: bool = False) -> None:
        """`follow`: measure the motion even with smoothing off (a guided render carries colour along it)."""
        self.config, self.follow = config, follow
        self.prev_luma: np.ndarray | None = None  # (h, w) uint8
        self.prev_chroma: np.ndarray | None = None  # (h, w, 2) float32, the last output

    def __call__(self, luma: np.ndarray, chroma: np.ndarray, cut: bool) -> np.ndarray:
        return self.blend(chroma, self.step(luma, cut))

    def step(self, luma: np.ndarray, cut: bool) -> Motion | None:
        """Take the next frame's (h, w) luma in [0, 1] and whether a shot starts at it: the
        motion from the previous frame (None at a shot's first frame)."""
        y8 = luma8(luma)
        prev, self.prev_luma = self.prev_luma, y8
        if prev is None or cut:
            self.prev_chroma = None
            return None
        if self.follow:
            return motion(prev, y8, self.config)
        return held(prev, y8, motion(prev, y8, self.config), self.config.residual) if self.config.strength > 0 else None

    def blend(self, chroma: np.ndarray, moved: Motion | None) -> np.ndarray:
        """(2, h, w) chroma for this frame -> (2, h, w) chroma to use: blended with the last
        output carried along `moved`, as far as the flow is trusted."""
        fresh = np.ascontiguousarray(chroma.transpose(1, 2, 0), dtype=np.float32)  # (h, w, 2)
        if moved is None or self.prev_chroma is None or self.config.strength <= 0:
            out = fresh
        else:
            weight = self.config.strength * moved.trust[..., None]  # (h, w, 1)
            out = weight * warp(self.prev_chroma, moved.to_prev) + (1.0 - weight) * fresh
        self.prev_chroma = out
        return out.transpose(2, 0, 1)  # (2, h, w)

    def state(self) -> dict[str, np.ndarray]:
        """The last frame's luma and chroma: all a later segment needs to go on smoothly."""
        if self.prev_luma is None or self.prev_chroma is None:
            return {}
        return {"luma": self.prev_luma, "chroma": self.prev_chroma}

    def restore(self, state: dict[str, np.ndarray]) -> None:
        self.prev_luma = state.get("luma")
        self.prev_chroma = state.get("chroma")


def trust(prev: np.ndarray, cur: np.ndarray, to_prev: np.ndarray, to_cur: np.ndarray, residual: float) -> np.ndarray:
    """(h, w) in [0, 1]: how far each pixel of `cur` may take its colour from `prev` along the flow.

    Zero where forward and backward flows disagree (newly visible, occluded, or mismatched);
    elsewhere falling with the luma's warp residual (blurred: a region's mismatch, not one
    pixel's grain), which is `residual` at 1/e. `prev` and `cur` are (h, w) uint8 luma.
    """
    return occlusion_mask(to_prev, to_cur).astype(np.float32) * matching(warp(prev, to_prev), cur, residual)


def matching(warped: np.ndarray, cur: np.ndarray, residual: float) -> np.ndarray:
    """(h, w) in [0, 1]: how well the previous frame's luma `warped` onto `cur` ((h, w) uint8
    both) matches it, from the warp residual blurred (a region's mismatch, not one pixel's
    grain), which is `residual` at 1/e."""
    diff: np.ndarray = np.abs(warped.astype(np.float32) - cur.astype(np.float32)) / 255.0  # (h, w)
    diff = cv2.GaussianBlur(diff, (5, 5), 1.0)
    return np.exp(-((diff / residual) ** 2))
