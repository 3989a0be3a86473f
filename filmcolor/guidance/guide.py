"""Guided colour: what the renderer sees of a guidance mode, and how a guided render is planned.

The user's coloured keyframes, carried through their shots, are the guidance mode there is now;
its parts each have their home:

- `filmcolor.guidance.keyframe_files`: the keyframe pictures (naming, finding, checking, reading, writing);
- `filmcolor.guidance.shots`: the shot finder, shared with `filmcolor keyframes`, and each shot's keyframes;
- `filmcolor.guidance.carry`: the carrier (candidates, confidence, fusion), the backward lookahead and
  `KeyframeGuide`, the guide a render uses.

The renderer sees only `Guidance` (a frame's colour, the state a segment hands on, going on from
it) and the `Guided` colour of a frame, so another guidance mode is one more module with a guide
of that shape (the keyframes' is `carry.KeyframeGuide`, built from a `carry.Plan`: what a guided
render settles before its first frame). Shots without a keyframe get the automatic colour.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import cv2
import numpy as np

from ..configs import GuideConfig as GuideConfig  # defined with the CLI's light settings; imported from here too
from ..temporal import Motion, SmoothConfig
from .keyframe_files import Keyframe


def carrying(smooth: SmoothConfig) -> SmoothConfig:
    """The motion a guided render follows: DIS's medium preset at the full working size (colour
    carried over hundreds of frames drifts with every error of a faster flow: 4 dB lost over 4 s
    of a pan with the fast one at half size), trusting luma that differs by up to 0.1 after
    warping (the mismatch of one frame must not outweigh a keyframe's colour). Not started from
    the global shift: the medium preset at full size follows pans alone, and on the shot set's
    tune pans and pass-bys the start cost the guided render 0.1 dB of chroma on average."""
    return replace(smooth, flow_preset="medium", flow_scale=1.0, residual=0.1, global_start=False)


@dataclass
class Carried:
    """A keyframe's colour at one frame: for each pixel at the working size, where in the
    keyframe it came from, how much to believe that, and the colour where it is not believed."""

    keyframe: Keyframe
    coords: np.ndarray  # (h, w, 2) float32, in the keyframe's working-size pixels
    weight: np.ndarray  # (h, w) float32 in [0, 1]
    colour: np.ndarray  # (h, w, 2) float32: the frame's chroma where the coordinates are not sure (carried, extended)
    distance: int = 0  # frames from the keyframe

    def plane(self, size: tuple[int, int], matrix: str) -> tuple[np.ndarray, np.ndarray]:
        """((H', W', 2) chroma, (H', W') weight) at the chroma planes' `size`: the keyframe's own
        chroma, sampled where the (smooth) coordinates, scaled up, point, at twice that size
        (a 4:2:0 film's luma size) and averaged down, as a conversion to 4:2:0 averages: sampled
        at the planes' own size, the bilinear sampling blurred a textured keyframe by up to
        1.2 dB (chroma PSNR) against a plain carrier one frame after it."""
        h, w = self.weight.shape
        fine = (2 * size[0], 2 * size[1])
        sx, sy = fine[0] / w, fine[1] / h
        coords = cv2.resize(self.coords, fine, interpolation=cv2.INTER_LINEAR)
        map_x, map_y = (
            (coords[..., 0] + 0.5) * sx - 0.5,
            (coords[..., 1] + 0.5) * sy - 0.5,
        )  # pixel centres at the new size
        chroma = cv2.remap(
            self.keyframe.plane(fine, matrix), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        return cv2.resize(chroma, size, interpolation=cv2.INTER_AREA), cv2.resize(
            self.weight, size, interpolation=cv2.INTER_LINEAR
        )


@dataclass
class Borrowed:
    """A shot with no keyframe of its own coloured from a painted shot of its camera setup
    (`filmcolor.guidance.borrow`)."""

    shot: tuple[int, int]  # (first, last) frame
    source: int  # the painted keyframe's frame
    keyframe: Keyframe  # the colour made for the shot, on one of its frames (`keyframe.index`)
    coverage: float  # share of that frame coloured surely from the painted keyframe (the rest: automatic)


@dataclass
class Guided:
    """A guided frame's colour before it is written: the carried keyframes (`sources`), how sure
    they are together (`sure`, (h, w) in [0, 1]), and for the rest `fallback` (2, h, w).
    `renderer.chroma_planes` samples the sources at the output's size and puts them over the
    fallback as far as they are sure."""

    fallback: np.ndarray
    sure: np.ndarray
    sources: list[Carried]


class Guidance(Protocol):
    """What the renderer asks of a guidance mode, frame by frame in order."""

    cuts: set[int]  # frames where a shot starts, known before the render

    def colour(self, index: int, luma: np.ndarray, model: np.ndarray, moved: Motion | None) -> Guided | None:
        """Frame `index`'s colour from its (h, w) working luma in [0, 1], the model's (2, h, w)
        chroma and the motion into it (None at a shot's first frame); None: the model's colour."""
        ...

    def preroll(self, first: int) -> np.ndarray | None:
        """Be as a render from the film's start would be at frame `first`; the working luma of
        frame `first - 1` when anything was followed into it (the smoother's previous frame)."""
        ...

    def state(self) -> dict[str, np.ndarray]:
        """What the next segment needs to go on."""
        ...

    def restore(self, state: dict[str, np.ndarray]) -> None: ...
