"""Guided colour: the one plug-in point of a guidance mode, and how a render uses one.

A guidance mode gives a render colour it could not know from the model: the user's keyframes
carried through their shots (`filmcolor.guidance.keyframe_mode`), and any other. The render
sees a mode in three steps, each a small interface here:

1. `prepare(film, config, progress)`: before the first frame, the mode the settings ask for
   (`Mode.asked`) settles what it needs (reads its inputs, finds the shots) into a `Plan`,
   which is picklable: a segment or a Ray task rebuilds its guide from it;
2. `Plan.guide()`: the per-frame `Guidance` of one stream of frames (a pass, a segment, a task);
3. `follow(...)` then `frame_colour(...)` at each frame: the smoother and the guide brought to the
   stream's first frame, then each frame's colour in order (`GuidedColour`: the sure colour and
   the fallback), the same for the renderer and the studio's preview.

How to add a mode: write one module in `filmcolor/guidance/` that builds a `Mode` (its name, the
option that asks for it, `asked(config)` and `prepare`) and calls `register(mode)` at import;
its `prepare` returns a `Plan` whose `guide()` makes a `Guidance`. Every module of this folder
is imported when the render first looks for a mode (`modes()`), so no other file changes. A
mode needs a setting of its own to be asked for: a field of `GuideConfig` (the command line's
options are made from it). `tests/test_toy_guidance.py` is a whole mode in one file.

The keyframes' parts each have their home: `keyframe_files` (the pictures), `shots` (the shot
finder, each shot's keyframes), `carry` (the carrier, the lookahead and `KeyframeGuide`) and
`keyframe_mode` (the mode: its preparation and its `Plan`). Shots without guidance get the
automatic colour.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from .. import media
from ..colour import fit_chroma_to_gamut
from ..configs import (
    GuideConfig as GuideConfig,  # defined with the CLI's light settings; imported from here too
    InferenceConfig,
)
from ..errors import InputError
from ..progress import Progress
from ..temporal import Motion, SmoothConfig, Smoother
from .keyframe_files import Keyframe
from .shots import ShotList


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
        chroma at twice that size (a 4:2:0 film's luma size), as a conversion to 4:2:0 would
        average it, sampled where the (smooth) coordinates, scaled up, point (`Keyframe.paired`:
        the mean of the four samples a block's fine pixels take, where the map moves the block
        whole). Sampled from the chroma at the planes' own size, the bilinear sampling blurred
        a textured keyframe by up to 1.2 dB (chroma PSNR) against a plain carrier one frame after it."""
        h, w = self.weight.shape
        scale = np.array([2 * size[0] / w, 2 * size[1] / h], np.float32)  # fine pixels a working pixel
        # each plane pixel's centre in the fine chroma, less the half pixel `paired` is shifted by
        coords = cv2.resize((self.coords + 0.5) * scale - 1.0, size, interpolation=cv2.INTER_LINEAR)  # (H', W', 2)
        chroma = cv2.remap(
            self.keyframe.paired(size, matrix), coords, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        return chroma, cv2.resize(self.weight, size, interpolation=cv2.INTER_LINEAR)


@dataclass
class GuidedColour:
    """A guided frame's colour before it is written: the sure colour's `sources` (each a
    `Carried`: where in its picture each pixel's colour is, and how much to believe it), how
    sure they are together (`sure`, (h, w) in [0, 1]), and for the rest `fallback` (2, h, w).
    `renderer.chroma_planes` samples the sources at the output's size and puts them over the
    fallback as far as they are sure (`over`)."""

    fallback: np.ndarray
    sure: np.ndarray
    sources: list[Carried]
    saturate: bool = False  # whether --saturation scales the fallback: not the user's colour, even where extended

    def over(self, cbcr: np.ndarray, luma: np.ndarray, size: tuple[int, int], matrix: str) -> np.ndarray:
        """(H', W', 2) chroma at (W', H') = `size`: the sources sampled at that size, shared by
        their weights, kept inside the gamut against (H', W') `luma` in [0, 1] (each sample's
        mean: the user's colour is held to no more than that), and put over `cbcr` (H', W', 2)
        as far as they are sure."""
        if not self.sources:
            return cbcr
        if len(self.sources) == 1:  # shared with no other: its own colour
            carried = self.sources[0].plane(size, matrix)[0]
        else:
            total, acc = np.zeros(cbcr.shape[:2], np.float32), np.zeros_like(cbcr)
            for source in self.sources:
                sample, weight = source.plane(size, matrix)
                total += weight
                acc += weight[..., None] * sample
            carried = acc / np.maximum(total, 1e-6)[..., None]
        carried = fit_chroma_to_gamut(luma, carried, matrix)
        sure = cv2.resize(self.sure, size, interpolation=cv2.INTER_LINEAR)[..., None]
        return sure * carried + (1.0 - sure) * cbcr


class Guidance(Protocol):
    """A mode's guide of one stream of frames (`Plan.guide`), asked frame by frame in order."""

    cuts: set[int]  # frames where a shot starts, known before the render

    def colour(self, index: int, luma: np.ndarray, model: np.ndarray, moved: Motion | None) -> GuidedColour | None:
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


class Plan(Protocol):
    """What a mode settles before a render's first frame (`Mode.prepare`). Picklable: each part
    of the render (a pass, a segment, a Ray task) makes its own guide from it."""

    cuts: list[int]  # frames where a shot starts, as the guidance sees the film
    unused: list[Path]  # inputs the mode was given and does not use (keyframes left gray)
    seconds: dict[str, float]  # time each step of the preparation took (`RenderResult.guide_seconds`)

    def guide(self) -> Guidance:
        """The per-frame guide of one stream of frames, from the film's start (`follow` brings it on)."""
        ...

    def unguided(self) -> list[tuple[int, int]]:
        """(first, last) frame of each shot the mode leaves to the automatic colour."""
        ...

    def lent(self) -> list[tuple[int, int, int]]:
        """(first, last, lender) of each shot the mode colours from another shot's guidance
        (the keyframes mode's camera setups: `lender` the painted keyframe's frame); [] for none."""
        ...


@dataclass(frozen=True)
class FilmToGuide:
    """What a mode prepares from: the film, as the render reads it."""

    source: Path
    info: media.FilmInfo
    times: list[int]  # every frame's pts: frame i is times[i]
    size: tuple[int, int]  # (w, h) the working size the model colours at
    matrix: str  # the model's colour matrix
    smooth: SmoothConfig  # the render's smoothing (a guide follows the motion by `carrying(smooth)`)
    shots: Callable[[], ShotList]  # the film's shots, found when asked (kept in a segmented render's work folder)
    model: Any = None  # the render's generator, for a mode that needs the automatic colour of a frame (None: none)
    inference: InferenceConfig = field(default_factory=InferenceConfig)  # how the render runs `model`


@dataclass(frozen=True)
class Mode:
    """A guidance mode, as it registers itself (`register`)."""

    name: str
    option: str  # the command-line option that asks for it, named in messages ("--keyframes")
    asked: Callable[[GuideConfig], bool]  # whether a render's settings ask for this mode
    prepare: Callable[[FilmToGuide, GuideConfig, Progress | None], Plan]


MODES: dict[str, Mode] = {}  # by name: filled as the modes' modules are imported (`modes`)


def register(mode: Mode) -> Mode:
    """Make `mode` one a render can be asked for (a mode's module calls this at import)."""
    MODES[mode.name] = mode
    return mode


def modes() -> dict[str, Mode]:
    """Every mode: each module of `filmcolor.guidance` is imported once, so a mode's own module
    registering itself is all it takes to add one."""
    from .. import guidance

    for module in pkgutil.iter_modules(guidance.__path__):
        importlib.import_module(f"{guidance.__name__}.{module.name}")
    return MODES


def asked(config: GuideConfig) -> Mode | None:
    """The mode `config` asks for (None: the automatic colour); InputError where it asks for two."""
    wanted = [mode for mode in modes().values() if mode.asked(config)]
    if len(wanted) > 1:
        raise InputError(f"{' and '.join(m.option for m in wanted)} cannot be used together: choose one")
    return wanted[0] if wanted else None


def prepare(film: FilmToGuide, config: GuideConfig, progress: Progress | None = None) -> Plan | None:
    """The guidance of a render, settled before its first frame: the plan of the mode `config`
    asks for (None: no mode, the automatic colour). The one entry point of every render."""
    mode = asked(config)
    return None if mode is None else mode.prepare(film, config, progress)


def follow(smooth: SmoothConfig, guide: Guidance | None, first: int = 0, state: dict | None = None) -> Smoother:
    """The smoother of one stream of frames from frame `first`, with `guide` brought there too:
    from `state` (the previous segment's end), else as a render from the film's start would have
    them (the guide's `preroll`, and the smoother's previous frame, so the motion into `first`
    is followed too). A guided stream's smoother follows the guide's motion (`carrying`)."""
    smoother = Smoother(smooth) if guide is None else Smoother(carrying(smooth), follow=True)
    if state:
        smoother.restore(state)
    if guide is not None and state:
        guide.restore(state)
    elif guide is not None:
        before = guide.preroll(first)
        if before is not None:
            smoother.restore({"luma": before})
    return smoother


def frame_colour(
    smoother: Smoother, guide: Guidance | None, index: int, luma: np.ndarray, model: np.ndarray, cut: bool
) -> tuple[np.ndarray, GuidedColour | None]:
    """Frame `index`'s (2, h, w) chroma after smoothing, and its guided colour (None: unguided),
    from its (h, w) working `luma` in [0, 1] and the model's (2, h, w) chroma; in order (the
    smoother's state is the previous frame). A guided frame's: the motion into it, the guide's
    colour along it, and its fallback blended with the last frame's along the motion."""
    if guide is None:
        return smoother(luma, model, cut), None
    moved = smoother.step(luma, cut)
    guided = guide.colour(index, luma, model, moved)
    return smoother.blend(model if guided is None else guided.fallback, moved), guided
