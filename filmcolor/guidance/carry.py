"""Carrying a keyframe's colour through its shot: candidates, their confidence, and their fusion.

A keyframe's colour moves with the film's motion, frame to frame, through its own shot (never
across a cut): forward to the shot's end, backward at most `reach` frames (the stretch decoded
ahead, fading in over its far fifth). For every pixel of every frame at the working size
there are four coordinate candidates and two colours for when none is sure:

- **anchored**: where in the keyframe the pixel came from, the coordinates of the previous frame
  moved along the motion and then corrected by the flow between the frame and the keyframe seen
  through them (the drift alone), so the flow's errors do not add up over a long shot;
- **chained**: the same coordinates moved along the motion and not corrected (the plain
  frame-to-frame carrier, which holds where the correction goes wrong: dense texture);
- **registered**: the keyframe found again in the frame as a whole (the global shift between
  them, where phase correlation is sure of one), for what something passing close covered and
  then uncovered, and only where the candidates above are unsure: they follow the passing thing
  and lose what was behind it (on a shot-set pass-by, the uncovered third of the frame stayed at
  30 dB chroma PSNR against 43 before it, for the rest of the shot). Taken where it beat them
  anywhere, it moved sure maps to wrong matches over repeated texture in pans (a guided warping
  error of 2.19x the truth's on one); where they are unsure, the tune pass-bys' guided chroma
  PSNR rose by 2.1-3.2 dB on four of five (docs/shots.md);
- **mended**: the coordinates the sure neighbours' motion gives, where the map was torn (a
  figure walked across a still background, a wrong match): sure again once the picture matches;
- **extended**: for what none explains (content coming into view, coming out from behind
  something), the colour of the nearest trusted pixels spread along the luma edges
  (`hints.fill_chroma`; at the frame's edge, the edge's colour carried in, as a plain carrier
  does), carried along the motion from frame to frame like the rest (so it does not shimmer),
  and only where no trusted pixel is near at all, gently (a share growing by a
  step a frame, at most a half), the model's colour over it;
- **plain**: the keyframe's colour carried along the motion from frame to frame and nothing
  else (a plain optical-flow carrier's), which takes over from the extended colour with the
  distance from the trusted pixels (half of it at 0.04 of the frame's diagonal, NEAR). The
  extension is right where content comes into view beside what is trusted (a slow pan), and
  wrong where what is trusted is a false match (late in a fast pan, flat ground matched to
  the keyframe's somewhere else) or far away: its guess there was a committed colour, often
  louder than the truth. On the shot set's tune pans and pass-bys the worst frames against
  plain flow went from -2.14 to -1.43 dB on average, the mean the same (docs/shots.md).

Each coordinate candidate's confidence is measured afresh at every frame, so it recovers: how
well the keyframe seen through the coordinates matches the frame's luma over a patch around
the pixel (the anchoring residual, after the frame's overall change of brightness), and
whether the coordinates agree with their neighbours' (a fold or a tear of the map is not a
motion). The sure candidate wins each pixel; the keyframe's palette wins the frame while any of
it is visible. Coordinates, not colours, are carried, so a long shot's colour does not blur,
and the renderer samples the keyframe at the output's own chroma size through them.

`Carrier` is one keyframe's colour followed frame by frame (also on its own: a preview, a
painting tool); `Lookahead` carries a later keyframe's colour backward; `KeyframeGuide` is the
render's guide (`filmcolor.guidance.guide.Guidance`): the keyframes of each shot, forward and
backward, made from the keyframes mode's plan (`filmcolor.guidance.keyframe_mode`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from .. import media
from ..colour import CodeRange
from ..flow import warp
from ..inference import to_working
from ..temporal import Motion, SmoothConfig, flow_between, global_shift, luma8, motion
from .guide import Carried, GuidedColour, carrying
from .hints import fill_chroma
from .keyframe_files import Keyframe
from .shots import Shots

PATCH = 7  # px at the working size: the window of the anchoring residual (a patch, not a pixel's grain)
RESIDUAL = 0.05  # luma (0-1) mean absolute difference over the patch at which a candidate's confidence falls to 1/e
SPREAD = 0.75  # px: how far a pixel's coordinates may stray from their neighbours' mean before confidence falls to 1/e
HEAL = 12.0  # px at the working size: the reach of the sure neighbours' motion that mends torn coordinates
SURE = 0.5  # confidence from which a pixel's carried colour is trusted to extend to its neighbours
FILL_SIDE = 112  # px, the long side the trusted colour is extended at: 10-30 ms a frame on a CPU core
KEEP = 0.9  # share of an unsure pixel's colour carried from the previous frame, where the motion is trusted, each frame
MODEL_SHARE = 0.5  # most of the model's colour a pixel takes, where no trusted pixel is within 2 FAR
MODEL_STEP = 0.05  # most the model's share grows in a frame: never a whole frame at once
FAR = 0.15  # of the frame's diagonal: beyond this from every trusted pixel, a pixel has no trusted neighbour
NEAR = 0.05  # of the frame's diagonal: the reach of the extension, beyond which the plain colour takes over


class Carrier:
    """One keyframe's colour followed frame by frame. After each `follow`: `coords` (h, w, 2),
    where in the keyframe each pixel came from; `confidence` (h, w) in [0, 1], how sure that
    is; `colour` (h, w, 2), the frame's chroma (the keyframe's where sure, extended where not);
    `plain` (h, w, 2), the keyframe's colour carried along the motion alone; `shown` (h, w, 2),
    the colour given out: `colour`, its unsure part going to `plain` away from the trusted pixels.

    On its own (a preview): `Carrier.start(luma, chroma)` from a keyframe's working-size (h, w)
    luma in [0, 1] and (h, w, 2) chroma, then `follow(luma)` with each next frame's luma."""

    def __init__(self, keyframe: Keyframe, smooth: SmoothConfig | None = None) -> None:
        self.keyframe = keyframe
        self.smooth = carrying(smooth or SmoothConfig())
        self.key = keyframe.luma.astype(np.float32)  # (h, w) in [0, 1]
        self.key8 = luma8(keyframe.luma)  # (h, w) uint8: what the drift is measured against
        h, w = self.key.shape
        gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        self.grid = np.dstack([gx, gy])  # (h, w, 2): each pixel's own position
        self.coords = self.grid.copy()
        self.confidence = np.ones((h, w), np.float32)
        self.colour = keyframe.chroma.astype(np.float32).copy()  # (h, w, 2)
        self.plain, self.shown = self.colour.copy(), self.colour.copy()  # (h, w, 2) each
        self.prev8 = self.key8  # the last frame followed, for `follow` without a motion
        # how much of the model's colour each pixel takes: far from anything trusted
        self.model_share = np.zeros((h, w), np.float32)
        # the model's (h, w, 2) chroma of the last frame followed (not state: a preroll has none)
        self.model: np.ndarray | None = None
        self.steps = 0

    @classmethod
    def start(
        cls, luma: np.ndarray, chroma: np.ndarray, smooth: SmoothConfig | None = None, matrix: str = "bt601"
    ) -> Carrier:
        """A carrier from a keyframe's (h, w) working luma in [0, 1] and (h, w, 2) chroma in `matrix`."""
        return cls(
            Keyframe(0, Path(), luma.astype(np.float32), np.ascontiguousarray(chroma, dtype=np.float32), False, matrix),
            smooth,
        )

    def follow(self, luma: np.ndarray, moved: Motion | None = None, model: np.ndarray | None = None) -> None:
        """One frame on, to the frame of (h, w) `luma` (uint8, or float in [0, 1]); `moved`: the
        motion into it from the last frame followed (measured here when not given); `model`: the
        model's (h, w, 2) chroma for it (the colour of what no trusted pixel is near; without
        it, the colour there is the extended one alone)."""
        y8 = luma if luma.dtype == np.uint8 else luma8(luma)
        if moved is None:
            moved = motion(self.prev8, y8, self.smooth)
        self.prev8 = y8
        y = y8.astype(np.float32) / 255.0
        chained = warp(self.coords, moved.to_prev)  # (h, w, 2): the previous frame's coordinates, moved along
        seen = self._seen(chained)
        anchored = warp(chained, flow_between(y8, luma8(seen), self.smooth))  # y[x] ~ seen[x + drift(x)]
        c_chained, c_anchored = self._confidence(chained, y, seen), self._confidence(anchored, y)
        better = c_anchored >= c_chained
        coords = np.where(better[..., None], anchored, chained)
        confidence = np.maximum(c_anchored, c_chained)
        registered = self._registered(y8)
        if registered is not None:  # only where the others are unsure: a sure map is not moved by a guess
            c_registered = self._confidence(registered, y)
            better = (c_registered > confidence) & (confidence < SURE)
            coords = np.where(better[..., None], registered, coords)
            confidence = np.where(better, c_registered, confidence)
        healed = self._healed(coords, confidence)  # where something passed and tore the map, the neighbours' motion
        c_healed = self._confidence(healed, y)
        better = c_healed > confidence
        self.coords = np.where(better[..., None], healed, coords)
        confidence = np.maximum(confidence, c_healed)
        self.confidence = (
            0.5 * confidence + 0.5 * np.minimum(confidence, warp(self.confidence, moved.to_prev))
        ).astype(np.float32)  # a doubt lasts two frames, not a shot
        self.plain = warp(self.plain, moved.to_prev)  # moved along, edges repeated
        self.colour, self.shown, target = self._fuse(y, moved)
        # grows a step a frame, falls at once
        self.model_share = np.minimum(target, warp(self.model_share, moved.to_prev) + MODEL_STEP)
        self.model = model
        self.steps += 1

    def chroma(self) -> np.ndarray:
        """(h, w, 2) the keyframe's working-size chroma where each pixel came from."""
        return cv2.remap(
            self.keyframe.chroma,
            self.coords[..., 0],
            self.coords[..., 1],
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )

    def carried(self, reach: int | None = None) -> Carried:
        """This frame's colour for the renderer, its weight the confidence; with `reach`, fading
        to 0 over the last fifth of that many frames (the lookahead's, so that the colour carried
        back comes in gently). Forward there is no such limit: the confidence alone says where
        the keyframe's colour stops (measured on a 30 s street shot, a fade over its last 6 s
        lost the keyframe's palette: the last frame's a*b* JS 0.027 against the plain carrier's 0.005)."""
        fade = 1.0 if reach is None else min(1.0, max(0.0, 5.0 * (1.0 - self.steps / reach)))
        colour = (
            self.shown if self.model is None else self.shown + self.model_share[..., None] * (self.model - self.shown)
        )
        return Carried(self.keyframe, self.coords, self.confidence * fade, colour, self.steps)

    def _registered(self, y8: np.ndarray) -> np.ndarray | None:
        """(h, w, 2) the coordinates of the keyframe found again in the frame of (h, w) uint8 luma
        `y8` as a whole: the global shift between them where phase correlation is sure of one
        (y[x] ~ key[x + shift]), else None."""
        shift = global_shift(y8, self.key8, least=-1.0)  # a still camera's too
        return None if shift is None else self.grid + np.array(shift, np.float32)

    def _seen(self, coords: np.ndarray) -> np.ndarray:
        """(h, w) the keyframe's luma as this frame, were `coords` right."""
        return cv2.remap(self.key, coords[..., 0], coords[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def _healed(self, coords: np.ndarray, confidence: np.ndarray) -> np.ndarray:
        """(h, w, 2) coordinates extended from the sure pixels': each pixel's offset into the
        keyframe is the mean of its sure neighbours' (a Gaussian of HEAL px, normalised by their
        confidence; at a quarter of the size, it is smooth), so what a passing figure or a wrong
        match tore is mended by the motion around it, as soon as the picture there matches again."""
        h, w = confidence.shape
        small = (max(1, w // 4), max(1, h // 4))
        sure = np.where(confidence >= SURE, confidence, 0.0).astype(np.float32)
        # (h/4, w/4, 2)
        offset = cv2.resize((coords - self.grid) * sure[..., None], small, interpolation=cv2.INTER_AREA)
        weight = cv2.resize(sure, small, interpolation=cv2.INTER_AREA)
        offset, weight = cv2.GaussianBlur(offset, (0, 0), HEAL / 4), cv2.GaussianBlur(weight, (0, 0), HEAL / 4)
        mean = offset / np.maximum(weight, 1e-6)[..., None]
        return self.grid + cv2.resize(mean, (w, h), interpolation=cv2.INTER_LINEAR)

    def _confidence(self, coords: np.ndarray, y: np.ndarray, seen: np.ndarray | None = None) -> np.ndarray:
        """(h, w) in [0, 1]: how well the keyframe seen through `coords` matches the frame's luma
        `y` over a patch (after the frame's overall change of brightness: a fade is no
        mismatch), times how well the coordinates agree with their neighbours'; 0 for
        coordinates outside the keyframe."""
        seen = self._seen(coords) if seen is None else seen
        diff = y - seen
        diff -= float(np.median(diff[::4, ::4]))
        residual = cv2.blur(np.abs(diff), (PATCH, PATCH))
        # 0 for any locally affine map (a pan, a zoom)
        stray = coords - cv2.blur(coords, (5, 5), borderType=cv2.BORDER_REPLICATE)
        spread = cv2.blur(np.sqrt(stray[..., 0] ** 2 + stray[..., 1] ** 2), (3, 3))
        h, w = y.shape
        inside = (
            (coords[..., 0] >= -0.5)
            & (coords[..., 0] <= w - 0.5)
            & (coords[..., 1] >= -0.5)
            & (coords[..., 1] <= h - 0.5)
        )
        return (np.exp(-((residual / RESIDUAL) ** 2) - (spread / SPREAD) ** 2) * inside).astype(np.float32)

    def _fuse(self, y: np.ndarray, moved: Motion) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """((h, w, 2) the frame's chroma, (h, w, 2) the chroma given out, (h, w) the model's
        share it should have): the keyframe's through `coords` as far as it is sure; elsewhere
        the last frame's colour carried along the motion, pulled toward the trusted colour
        extended along the luma
        (what comes in at the frame's edge takes the edge's colour carried in, as a plain
        carrier gives it: the extension at FILL_SIDE blurred an object entering at the edge to
        2.4x the plain carrier's squared error there). The
        model's colour is kept out of this (carried) colour, so a segment rendered apart, which
        follows its shot without the model, carries the same; it is put over it by `carried`,
        up to MODEL_SHARE where no trusted pixel is within FAR, growing by MODEL_STEP a frame.
        The chroma given out takes `plain` for the unsure colour as far from the trusted
        pixels as NEAR and beyond; not carried on itself, so the extension follows its own way."""
        carried = self.chroma()
        prior = warp(self.colour, moved.to_prev)  # (h, w, 2): the last frame's colour, moved along (edges repeated)
        known = self.confidence >= SURE
        if known.any() and not known.all():
            extended = fill_chroma(y, np.where(known[..., None], carried, prior), known, FILL_SIDE)
        else:
            extended = prior
        h, w = y.shape
        source = self.grid + moved.to_prev  # where in the last frame each pixel was
        beyond = (
            (source[..., 0] < -0.5) | (source[..., 0] > w - 0.5) | (source[..., 1] < -0.5) | (source[..., 1] > h - 0.5)
        )
        keep = np.where(beyond, 1.0, KEEP * moved.trust)[..., None]  # (h, w, 1)
        unsure = keep * prior + (1.0 - keep) * extended
        far = FAR * float(np.hypot(h, w))
        distance = (
            cv2.distanceTransform((~known).astype(np.uint8), cv2.DIST_L2, 3)
            if known.any()
            else np.full((h, w), 2 * far, np.float32)
        )
        c = self.confidence[..., None]
        colour = c * carried + (1.0 - c) * unsure
        away = 1.0 - np.exp(-((distance / (NEAR * float(np.hypot(h, w)))) ** 2))  # (h, w): 0 at a trusted pixel
        shown = colour + (1.0 - c) * away[..., None] * (self.plain - unsure)
        return (
            colour.astype(np.float32),
            shown.astype(np.float32),
            (MODEL_SHARE * np.clip(distance / far - 1.0, 0.0, 1.0)).astype(np.float32),
        )

    def state(self, prefix: str) -> dict[str, np.ndarray]:
        return {
            f"{prefix}coords": self.coords,
            f"{prefix}confidence": self.confidence,
            f"{prefix}colour": self.colour,
            f"{prefix}model_share": self.model_share,
            f"{prefix}plain": self.plain,
            f"{prefix}shown": self.shown,
            f"{prefix}prev": self.prev8,
            f"{prefix}steps": np.int64(self.steps),
            f"{prefix}key": np.int64(self.keyframe.index),
        }

    def restore(self, state: dict[str, np.ndarray], prefix: str) -> None:
        self.coords, self.confidence, self.colour = (
            state[f"{prefix}coords"],
            state[f"{prefix}confidence"],
            state[f"{prefix}colour"],
        )
        self.model_share = state[f"{prefix}model_share"]
        self.plain, self.shown = state[f"{prefix}plain"], state[f"{prefix}shown"]
        self.prev8, self.steps = state[f"{prefix}prev"], int(state[f"{prefix}steps"])


class Lookahead:
    """The colour carried backward from keyframes later in a shot: the stretch of film before a
    keyframe (within `reach`) is decoded ahead of the render, followed backward from the
    keyframe, and handed out frame by frame. At most one stretch is held at a time, at half the
    working size (the coordinates and the confidence are smooth) and a quarter for the unsure colour."""

    def __init__(
        self,
        source: Path,
        times: list[int],
        shots: Shots,
        keyframes: dict[int, Keyframe],
        size: tuple[int, int],
        reach: int,
        smooth: SmoothConfig,
        code_range: CodeRange,
    ) -> None:
        self.source, self.times, self.shots, self.keyframes = source, times, shots, keyframes
        self.size, self.reach, self.smooth, self.code_range = size, reach, smooth, code_range
        # frame -> (coords, weight, colour), float16
        self.held: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.key: int | None = None  # the keyframe `held` came from

    def carried(self, index: int) -> Carried | None:
        """The colour carried back to `index` from the next keyframe of its shot; None when
        there is none within reach."""
        key = self.shots.after(index)
        if key is None or key - index > self.reach:
            return None
        if key != self.key:
            self._carry_back(key)
        coords, weight, colour = (
            cv2.resize(a.astype(np.float32), self.size, interpolation=cv2.INTER_LINEAR) for a in self.held.pop(index)
        )
        return Carried(self.keyframes[key], coords * 2.0 + 0.5, weight, colour, key - index)

    def lumas(self, first: int, last: int) -> Iterator[np.ndarray]:
        """Frames `first` to `last` of the film as (h, w) uint8 working luma, decoded apart, one at a time."""
        with media.open_film(self.source) as container:
            for item in media.read(container, self.times[first], self.times[last] + 1, first_index=first):
                if isinstance(item, media.Decoded):
                    yield luma8(to_working(item.luma(), self.code_range, self.size))

    def _carry_back(self, key: int) -> None:
        first = max(self.shots.shot(key)[0], key - self.reach)
        lumas = list(self.lumas(first, key))  # at most `reach` frames
        carrier = Carrier(self.keyframes[key], self.smooth)
        w, h = self.size
        half, quarter = (max(1, w // 2), max(1, h // 2)), (max(1, w // 4), max(1, h // 4))
        self.held, self.key = {}, key
        for j in range(len(lumas) - 2, -1, -1):  # frame first + j, from the keyframe backward
            carrier.follow(lumas[j], motion(lumas[j + 1], lumas[j], self.smooth))
            c = carrier.carried(self.reach)
            coords = (cv2.resize(c.coords, half, interpolation=cv2.INTER_AREA) - 0.5) / 2.0  # in half-size pixels
            weight = cv2.resize(c.weight, half, interpolation=cv2.INTER_AREA)
            self.held[first + j] = (
                coords.astype(np.float16),
                weight.astype(np.float16),
                cv2.resize(c.colour, quarter, interpolation=cv2.INTER_AREA).astype(np.float16),
            )


def combine(carried: list[Carried]) -> GuidedColour | None:
    """The frame's `GuidedColour` from its carried keyframes (None without any): together as
    sure as either makes them; where both are sure, the surer and nearer wins (its sources
    weighted by confidence^4 over the frames from their keyframe: measured on the
    dense-texture film, a mean by confidence alone of the keyframe one frame back and of one
    119 frames on lost 7.9 dB of chroma PSNR on the frames just after a keyframe); their unsure
    colours share the rest by how unsure each is not."""
    if not carried:
        return None
    unsure = np.ones_like(carried[0].weight)
    total = np.zeros_like(unsure)
    acc = np.zeros((*unsure.shape, 2), np.float32)
    for c in carried:
        w = c.weight + 1e-3
        total += w
        acc += w[..., None] * c.colour
        unsure *= 1.0 - c.weight
    if len(carried) > 1:  # the renderer shares the sure part by the sources' weights
        carried = [replace(c, weight=(c.weight**4 / (1.0 + c.distance)).astype(np.float32) + 1e-9) for c in carried]
    return GuidedColour((acc / total[..., None]).transpose(2, 0, 1), 1.0 - unsure, carried)


class KeyframeGuide:
    """The render's guide by keyframes (`filmcolor.guidance.guide.Guidance`): the keyframes at the working
    size, the film's shots, the forward carrier and the lookahead. `colour` is called for every
    frame in order."""

    def __init__(
        self,
        source: Path,
        keyframes: dict[int, Keyframe],
        cuts: list[int],
        times: list[int],
        info: media.FilmInfo,
        size: tuple[int, int],
        reach_seconds: float,
        smooth: SmoothConfig,
    ) -> None:
        self.keyframes = keyframes
        self.shots = Shots(cuts, len(times), list(keyframes))
        self.reach = max(1, round(reach_seconds * float(info.rate)))
        self.cuts = set(cuts)
        self.smooth = carrying(smooth)  # the motion the keyframes' colour follows
        self.forward: Carrier | None = None
        self.lookahead = Lookahead(source, times, self.shots, keyframes, size, self.reach, self.smooth, info.code_range)

    def colour(self, index: int, luma: np.ndarray, model: np.ndarray, moved: Motion | None) -> GuidedColour | None:
        """Frame `index`'s colour (None where nothing is carried: the model's colour is all),
        from its (h, w) working `luma` in [0, 1], the model's (2, h, w) chroma for it, and the
        motion into it (`moved`; None at a shot's first frame). On a keyframe's own frame, that
        keyframe's colour alone: the user gave the answer there."""
        if index in self.keyframes:
            self.forward = Carrier(self.keyframes[index], self.smooth)
            return combine([self.forward.carried()])
        if self.forward is not None and (moved is None or index in self.cuts):
            self.forward = None  # a new shot: nothing carries over
        carried = []
        if self.forward is not None and moved is not None:
            self.forward.follow(luma8(luma), moved, model.transpose(1, 2, 0))
            carried.append(self.forward.carried())
        back = self.lookahead.carried(index)
        if back is not None:
            carried.append(back)
        return combine(carried)

    def preroll(self, first: int) -> np.ndarray | None:
        """The forward carrier as a render that started at the film's start would have it at
        frame `first` (a segment rendered apart, a preview): followed from the shot's last
        keyframe before it, its whole way (the carried state holds no model colour, so none is
        needed). Returns the working luma of frame `first - 1` then (the smoother's previous
        frame, so the motion into `first` is followed too)."""
        key = self.shots.before(first - 1) if first > 0 else None
        if key is None or self.shots.shot(key) != self.shots.shot(first):
            return None
        self.forward = Carrier(self.keyframes[key], self.smooth)
        prev = None
        for cur in self.lookahead.lumas(key, first - 1):
            if prev is not None:
                self.forward.follow(cur, motion(prev, cur, self.smooth))
            prev = cur
        return prev

    def state(self) -> dict[str, np.ndarray]:
        return {} if self.forward is None else self.forward.state("guide_")

    def restore(self, state: dict[str, np.ndarray]) -> None:
        if "guide_key" in state:
            self.forward = Carrier(self.keyframes[int(state["guide_key"])], self.smooth)
            self.forward.restore(state, "guide_")
