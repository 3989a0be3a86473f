"""Guided colour: the user's coloured keyframes, carried through their shots.

A keyframe is a frame of the film coloured by the user (`DIR/000123.png`: the 124th frame),
whole, or as strokes of colour on the gray frame (`filmcolor.hints` fills the rest). Its
colour is carried along the film's motion, frame to frame, forward and backward through its
own shot, never across a cut and at most `reach` seconds away:

- carried as coordinates, not colours: each frame keeps, for every pixel, where in the
  keyframe it came from, and samples the keyframe there, so a long shot's colour does not blur
  from being resampled at every frame;
- anchored to the keyframe: the coordinates the frame-to-frame motion gives are corrected at
  each frame by the flow between the frame and the keyframe seen through them (a small motion,
  the drift alone), so errors of the flow do not add up over a long shot;
- with a confidence that the flow's own trust (`temporal.trust`: consistent both ways, luma
  alike after warping) lowers at each step, that is 0 for what came into view from beyond the
  frame's edge, and that fades with the distance from the keyframe;
- backward, from a keyframe later in the shot, by decoding that stretch of the film ahead of
  the render (`Lookahead`), so memory stays bounded by `reach`.

Where the carried colour is not trusted (content coming into view, a disocclusion) the colour
is the mean of the colour carried there anyway and the trusted colour filled in along the luma
(Levin et al.'s fill, `filmcolor.hints`); beyond the keyframes' reach, the generator
fine-tuned on the keyframes themselves (the training command's paired loss, a few hundred
steps: it knows their palette). Two keyframes in one shot are blended by their confidence.
Shots without a keyframe get the automatic colour.
"""

from __future__ import annotations

import copy
import re
import time
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from . import media
from .color import CodeRange, convert_chroma, rgb_to_ycbcr
from .errors import InputError
from .flow import warp
from .hints import coloured, fill_chroma
from .inference import to_working
from .pictures import SUFFIXES, read_rgba
from .models import Generator
from .settings import setting
from .temporal import Motion, SmoothConfig, cut_score, flow_between, luma8, motion
from .train import FitConfig, fit_supervised

_NAME = re.compile(r"^\d+$")
FILL_SIDE = 112  # px, the long side the carried colour is filled in at where it is not sure: 10-30 ms a frame on a CPU core, and as close to the truth as at twice the size


def carrying(smooth: SmoothConfig) -> SmoothConfig:
    """The motion a guided render follows: DIS's medium preset at the full working size (colour
    carried over hundreds of frames drifts with every error of a faster flow: 4 dB lost over 4 s
    of a pan with the fast one at half size), trusting luma that differs by up to 0.1 after
    warping (the mismatch of one frame must not outweigh a keyframe's colour)."""
    return replace(smooth, flow_preset="medium", flow_scale=1.0, residual=0.1)


@dataclass(frozen=True)
class GuideConfig:
    keyframes: Path | None = setting(None, "Folder of coloured keyframes (NNNNNN.png, the frame's 0-based number; strokes on a gray frame or transparent parts are filled), carried through their shots.")
    reach: float = setting(30.0, "Seconds a keyframe's colour is carried forward and backward in its shot (fading over the last fifth); beyond, the keyframes' palette.")
    finetune_steps: int = setting(300, "Steps fitting the generator to the keyframes: the colour of their shots beyond --reach (0: the automatic colour there).")

    def check(self) -> None:
        if self.reach <= 0 or self.finetune_steps < 0:
            raise InputError("--reach must be more than 0 seconds and --finetune-steps at least 0")
        if self.keyframes is not None and not Path(self.keyframes).is_dir():
            raise InputError(f"--keyframes {self.keyframes} is not a folder; give the folder of keyframe pictures (filmcolor keyframes writes one)")


@dataclass
class Keyframe:
    """A keyframe at the working size: (h, w) luma and (h, w, 2) chroma in the model's matrix
    (filled where the picture gave only strokes); `plane` gives its chroma at the output's size."""

    index: int
    path: Path
    luma: np.ndarray
    chroma: np.ndarray
    filled: bool  # made from strokes (or a transparent picture): the fill at the working size is its colour
    matrix: str  # the matrix `chroma` is in (the model's)
    blank: bool = False  # nothing in it coloured: still the gray frame `filmcolor keyframes` wrote

    def plane(self, size: tuple[int, int], matrix: str) -> np.ndarray:
        """(size[1], size[0], 2) chroma in the film's `matrix` at the chroma planes' size: the
        picture's own, full detail, where it was coloured whole; the strokes' fill, scaled up,
        where not. The last few are kept (those in use: carried forward, carried back)."""
        key = (self.path, size, matrix)
        if key not in _PLANES:
            if self.filled:
                luma, chroma = (cv2.resize(a, size, interpolation=cv2.INTER_LINEAR) for a in (self.luma, self.chroma))
                _PLANES[key] = convert_chroma(luma, chroma, self.matrix, matrix)
            else:
                rgb = cv2.resize(read_rgba(self.path)[0].astype(np.float32) / 255.0, size, interpolation=cv2.INTER_AREA)  # floats: no rounding to 8 bits on the way
                _PLANES[key] = np.ascontiguousarray(rgb_to_ycbcr(rgb, matrix)[..., 1:])
            while len(_PLANES) > 4:
                _PLANES.popitem(last=False)
        _PLANES.move_to_end(key)
        return _PLANES[key]


_PLANES: OrderedDict = OrderedDict()  # (path, size, matrix) -> plane chroma, most recently used last


def keyframe_files(folder: Path, frames: int) -> dict[int, Path]:
    """The keyframe pictures of `folder` (checked to be one: `GuideConfig.check`) by frame
    number; InputError naming the first file that is not one of a film of `frames` frames, and
    for a folder that holds none."""
    folder = Path(folder)
    found: dict[int, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in SUFFIXES:
            continue
        if not _NAME.match(path.stem):
            raise InputError(f"{path}: a keyframe is named by its frame number (000123{path.suffix}: the 124th frame); rename or move it")
        index = int(path.stem)
        if index >= frames:
            raise InputError(f"{path}: frame {index} is beyond the film, whose last frame is {frames - 1}")
        if index in found:
            raise InputError(f"{path} and {found[index]} are the same frame; keep one")
        found[index] = path
    if not found:
        raise InputError(f"--keyframes {folder} holds no keyframe pictures (NNNNNN.png, .jpg or .tif); colour frames from filmcolor keyframes there")
    return found


def read_keyframe(path: Path, index: int, info: media.FilmInfo, size: tuple[int, int], matrix: str) -> Keyframe:
    """One keyframe at the working `size`: whole, or filled from its strokes (`filmcolor.hints`)."""
    try:
        rgb, alpha = read_rgba(path)
    except InputError as exc:
        raise InputError(f"{path}: {exc}; save it as an 8- or 16-bit PNG, JPEG or TIFF") from None
    h, w = rgb.shape[:2]
    film = info.width * float(info.sample_aspect_ratio or 1) / info.height
    if abs(w / h - film) > 0.01 * film:
        raise InputError(f"{path} is {w}x{h}, not the film's shape ({info.width}x{info.height}); colour the frame filmcolor keyframes wrote, at any size of that shape")
    ycc = rgb_to_ycbcr(cv2.resize(rgb.astype(np.float32) / 255.0, size, interpolation=cv2.INTER_AREA), matrix)  # (h, w, 3)
    luma, chroma = ycc[..., 0], np.ascontiguousarray(ycc[..., 1:])
    known = coloured(chroma, None if alpha is None else cv2.resize(alpha, size, interpolation=cv2.INTER_AREA))
    filled = not known.all()
    if filled:
        chroma = fill_chroma(luma, chroma, known)
    return Keyframe(index, Path(path), luma.astype(np.float32), chroma.astype(np.float32), filled, matrix, blank=not known.any())


class _KeyframeCrops(Dataset):
    """Random crops of the keyframes, flipped or not: (luma (1, S, S), chroma (2, S, S)) pairs."""

    def __init__(self, keyframes: list[Keyframe], crop: int = 96) -> None:
        self.keyframes, self.crop = keyframes, crop

    def __len__(self) -> int:
        return 10**9

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        rng = np.random.default_rng(torch.randint(0, 2**31, ()).item())
        k = self.keyframes[rng.integers(len(self.keyframes))]
        h, w = k.luma.shape
        side = min(self.crop, h, w)
        y0, x0 = rng.integers(h - side + 1), rng.integers(w - side + 1)
        ycc = np.concatenate([k.luma[..., None], k.chroma], axis=-1)[y0 : y0 + side, x0 : x0 + side]  # (S, S, 3)
        if rng.random() < 0.5:
            ycc = ycc[:, ::-1]
        t = torch.from_numpy(np.ascontiguousarray(ycc.transpose(2, 0, 1)))
        return t[:1], t[1:]


def finetune(model: Generator, keyframes: list[Keyframe], steps: int) -> Generator:
    """A copy of `model` fitted to the keyframes' colour (the training command's paired loss on
    their crops, seeded): the colour a guided shot gets where no keyframe's colour can be carried."""
    tuned = copy.deepcopy(model).cpu()
    fit_supervised(tuned, _KeyframeCrops(keyframes), FitConfig(steps=steps, batch_size=8, lr=1e-4, seed=0))
    return tuned.to(next(model.parameters()).device).eval()


def find_cuts(container, size: tuple[int, int], threshold: float, progress=None) -> list[int]:
    """The frames where a new shot starts, decoding the whole film once at the working `size`:
    the render's own cut test (`temporal.cut_score`). `progress(done, total, "finding shots")`."""
    info = media.film_info(container)
    cuts, prev = [], None
    for item in media.read(container):
        y8 = luma8(to_working(item.luma(), info.code_range, size))
        if prev is not None and cut_score(prev, y8) > threshold:
            cuts.append(item.index)
        prev = y8
        if progress and item.index % 24 == 0:
            progress(item.index, max(info.frames, item.index + 1), "finding shots")
    return cuts


class Shots:
    """Which shot each frame is in, and the keyframes of each."""

    def __init__(self, cuts: list[int], frames: int, keyframes: list[int]) -> None:
        self.starts = [0, *[c for c in cuts if 0 < c < frames]]
        self.frames = frames
        self.keyframes = sorted(keyframes)

    def shot(self, index: int) -> tuple[int, int]:
        """(first, last + 1) frame of the shot `index` is in."""
        i = bisect_right(self.starts, index) - 1
        return self.starts[i], self.starts[i + 1] if i + 1 < len(self.starts) else self.frames

    def before(self, index: int) -> int | None:
        """The last keyframe at or before `index` in its shot."""
        first, _ = self.shot(index)
        i = bisect_right(self.keyframes, index) - 1
        return self.keyframes[i] if i >= 0 and self.keyframes[i] >= first else None

    def after(self, index: int) -> int | None:
        """The first keyframe after `index` in its shot."""
        _, end = self.shot(index)
        i = bisect_right(self.keyframes, index)
        return self.keyframes[i] if i < len(self.keyframes) and self.keyframes[i] < end else None

    def guided(self, index: int) -> bool:
        return self.before(index) is not None or self.after(index) is not None


@dataclass
class Carried:
    """A keyframe's colour at one frame: for each pixel at the working size, where in the
    keyframe it came from and how much to believe that."""

    keyframe: Keyframe
    coords: np.ndarray  # (h, w, 2) float32, in the keyframe's working-size pixels
    weight: np.ndarray  # (h, w) float32 in [0, 1]

    def chroma(self) -> np.ndarray:
        """(h, w, 2) the keyframe's working-size chroma, where each pixel came from."""
        return cv2.remap(self.keyframe.chroma, self.coords[..., 0], self.coords[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def plane(self, size: tuple[int, int], matrix: str) -> tuple[np.ndarray, np.ndarray]:
        """((H', W', 2) chroma, (H', W') weight) at the chroma planes' `size`: the keyframe's own
        chroma at that size, sampled where the (smooth) coordinates, scaled up, point."""
        h, w = self.weight.shape
        sx, sy = size[0] / w, size[1] / h
        coords = cv2.resize(self.coords, size, interpolation=cv2.INTER_LINEAR)
        map_x, map_y = (coords[..., 0] + 0.5) * sx - 0.5, (coords[..., 1] + 0.5) * sy - 0.5  # pixel centres at the new size
        chroma = cv2.remap(self.keyframe.plane(size, matrix), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        return chroma, cv2.resize(self.weight, size, interpolation=cv2.INTER_LINEAR)


_NEIGHBOURS = np.ones((5, 5), np.uint8)


class Carrier:
    """One keyframe's colour carried frame by frame along the motion `smooth` measures: for each
    pixel, where in the keyframe it came from (`coords`) and how sure that is (`confidence`)."""

    def __init__(self, keyframe: Keyframe, smooth: SmoothConfig) -> None:
        self.keyframe, self.smooth = keyframe, smooth
        self.key8 = luma8(keyframe.luma)  # (h, w) uint8, what each frame is matched against
        h, w = keyframe.luma.shape
        gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        self.grid = np.dstack([gx, gy])  # (h, w, 2): each pixel's own position
        self.coords = self.grid.copy()
        self.confidence = np.ones((h, w), np.float32)
        self.steps = 0

    def follow(self, moved: Motion, luma: np.ndarray) -> None:
        """One frame on, to the frame of (h, w) uint8 `luma`: pixel x came from the previous
        frame's x + flow(x), and so from where that one came; then the drift is taken out by
        matching the frame against the keyframe seen through those coordinates (measured on
        test pans: the carried colour 20x closer to the truth after 11 s). The confidence is the
        least trust met on the way: a pixel that was out of sight once stays unsure, small
        doubts do not add up to one; what came in from beyond the edge is not the keyframe's."""
        h, w = luma.shape
        source = self.grid + moved.to_prev  # (h, w, 2): where in the previous frame each pixel was
        beyond = (source[..., 0] < -0.5) | (source[..., 0] > w - 0.5) | (source[..., 1] < -0.5) | (source[..., 1] > h - 0.5)
        coords = warp(self.coords, moved.to_prev)
        seen = cv2.remap(self.key8, coords[..., 0], coords[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)  # the keyframe as this frame, were the coordinates right
        self.coords = warp(coords, flow_between(luma, seen, self.smooth))  # luma[x] ~ seen[x + drift(x)]
        trusted = cv2.dilate(moved.trust, _NEIGHBOURS)  # a doubt must cover a few pixels (an occlusion) to count, not one (a noisy match)
        self.confidence = np.where(beyond, 0.0, np.minimum(warp(self.confidence, moved.to_prev), trusted)).astype(np.float32)
        self.steps += 1

    def carried(self, reach: int) -> Carried:
        """Where each pixel came from in the keyframe, with its weight: the confidence, whole for
        most of `reach` frames, fading to 0 over its last fifth (the colour a long shot has by
        then is its own, and a segment rendered apart must find the same: `Guide.preroll`)."""
        return Carried(self.keyframe, self.coords, self.confidence * min(1.0, max(0.0, 5.0 * (1.0 - self.steps / reach))))

    def state(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}coords": self.coords, f"{prefix}confidence": self.confidence, f"{prefix}steps": np.int64(self.steps), f"{prefix}key": np.int64(self.keyframe.index)}

    def restore(self, state: dict[str, np.ndarray], prefix: str) -> None:
        self.coords, self.confidence, self.steps = state[f"{prefix}coords"], state[f"{prefix}confidence"], int(state[f"{prefix}steps"])


class Lookahead:
    """The colour carried backward from keyframes later in a shot: the stretch of film before a
    keyframe (within `reach`) is decoded ahead of the render, followed backward from the
    keyframe, and handed out frame by frame. At most one stretch is held at a time."""

    def __init__(self, source: Path, times: list[int], shots: Shots, keyframes: dict[int, Keyframe], size: tuple[int, int], reach: int, smooth: SmoothConfig, code_range: CodeRange) -> None:
        self.source, self.times, self.shots, self.keyframes = source, times, shots, keyframes
        self.size, self.reach, self.smooth, self.code_range = size, reach, smooth, code_range
        self.held: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # frame -> (coords, weight) at half the working size
        self.key: int | None = None  # the keyframe `held` came from

    def carried(self, index: int) -> Carried | None:
        """The colour carried back to `index` from the next keyframe of its shot; None when
        there is none within reach."""
        key = self.shots.after(index)
        if key is None or key - index > self.reach:
            return None
        if key != self.key:
            self._carry_back(key)
        coords, weight = self.held.pop(index)
        return Carried(self.keyframes[key], cv2.resize(coords.astype(np.float32), self.size, interpolation=cv2.INTER_LINEAR) * 2.0 + 0.5, cv2.resize(weight.astype(np.float32), self.size, interpolation=cv2.INTER_LINEAR))

    def lumas(self, first: int, last: int) -> list[np.ndarray]:
        """Frames `first` to `last` of the film as (h, w) uint8 working luma, decoded apart."""
        with media.open_film(self.source) as container:
            return [luma8(to_working(item.luma(), self.code_range, self.size)) for item in media.read(container, self.times[first], self.times[last] + 1, first_index=first)]

    def _carry_back(self, key: int) -> None:
        first = max(self.shots.shot(key)[0], key - self.reach)
        lumas = self.lumas(first, key)
        carrier = Carrier(self.keyframes[key], self.smooth)
        half = (max(1, self.size[0] // 2), max(1, self.size[1] // 2))
        self.held, self.key = {}, key
        for j in range(len(lumas) - 2, -1, -1):  # frame first + j, from the keyframe backward
            carrier.follow(motion(lumas[j + 1], lumas[j], self.smooth), lumas[j])
            c = carrier.carried(self.reach)  # kept at half size (coordinates are smooth) in half-size pixels: memory for `reach` frames
            self.held[first + j] = (((cv2.resize(c.coords, half, interpolation=cv2.INTER_AREA) - 0.5) / 2.0).astype(np.float16), cv2.resize(c.weight, half, interpolation=cv2.INTER_AREA).astype(np.float16))


@dataclass
class Guided:
    """A guided frame's colour before it is written: the carried keyframes' (`sources`), how sure
    they are together (`sure`, (h, w) in [0, 1]), and for the rest `fallback` (2, h, w).
    `renderer.chroma_planes` samples the sources at the output's size and puts them over the
    fallback as far as they are sure."""

    fallback: np.ndarray
    sure: np.ndarray
    sources: list[Carried]


def blend(carried: list[Carried], model: np.ndarray, luma: np.ndarray) -> Guided | None:
    """The frame's `Guided` colour from its carried keyframes (None without any), the model's
    (2, h, w) chroma and the (h, w) working luma: two sure keyframes share a pixel by their
    confidence, and the pixel is as sure as either makes it. Where none is sure the colour is
    the mean of the carried colour (still the keyframe's, from where the motion points: a pan's
    edge continued) and the sure colour filled in along the luma (`hints.fill_chroma`, at
    FILL_SIDE); where nothing at all is sure, the model's (fitted to the keyframes). Measured on
    the evaluation's test films: that mean came within 1.1x of the better of its two parts on
    every shot, where a mean with the fitted model was 3x to 7x further from the truth on short
    pans (the model cannot learn a photograph's colours from a few crops)."""
    if not carried:
        return None
    total = np.zeros_like(carried[0].weight)
    acc = np.zeros((*total.shape, 2), np.float32)
    unsure = np.ones_like(total)
    for c in carried:
        w = c.weight + 1e-3  # where none is sure, the plain mean of what they carry
        total += w
        acc += w[..., None] * c.chroma()
        unsure *= 1.0 - c.weight
    sure = 1.0 - unsure  # (h, w)
    known = sure >= 0.5
    if not known.any():  # the far end of the keyframes' reach
        return Guided(model, sure, carried)
    colour = acc / total[..., None]  # (h, w, 2)
    if known.all():
        return Guided(colour.transpose(2, 0, 1), sure, carried)
    filled = fill_chroma(luma, colour, known, FILL_SIDE)  # (h, w, 2)
    return Guided((0.5 * (colour + filled)).transpose(2, 0, 1), sure, carried)


class Guide:
    """What a guided render knows and carries: the keyframes at the working size, the film's
    shots, the forward carrier and the lookahead. `colour` is called for every frame in order."""

    def __init__(self, source: Path, keyframes: dict[int, Keyframe], cuts: list[int], times: list[int], info: media.FilmInfo, size: tuple[int, int], config: GuideConfig, smooth: SmoothConfig) -> None:
        self.keyframes = keyframes
        self.shots = Shots(cuts, len(times), list(keyframes))
        self.reach = max(1, round(config.reach * float(info.rate)))
        self.cuts = set(cuts)
        self.smooth = carrying(smooth)  # the motion the keyframes' colour follows
        self.forward: Carrier | None = None
        self.lookahead = Lookahead(source, times, self.shots, keyframes, size, self.reach, self.smooth, info.code_range)

    def colour(self, index: int, luma: np.ndarray, model: np.ndarray, moved: Motion | None) -> Guided | None:
        """Frame `index`'s colour (None where nothing is carried: the model's colour is all),
        from its (h, w) working `luma` in [0, 1], the model's (2, h, w) chroma for it, and the
        motion into it (`moved`; None at a shot's first frame)."""
        y8 = luma8(luma)
        if index in self.keyframes:
            self.forward = Carrier(self.keyframes[index], self.smooth)
            return blend([self.forward.carried(self.reach)], model, luma)
        if self.forward is not None and (moved is None or index in self.cuts):
            self.forward = None  # a new shot: nothing carries over
        carried = []
        if self.forward is not None and moved is not None:
            self.forward.follow(moved, y8)
            carried.append(self.forward.carried(self.reach))
        back = self.lookahead.carried(index)
        if back is not None:
            carried.append(back)
        return blend(carried, model, luma)

    def preroll(self, first: int) -> np.ndarray | None:
        """The forward carrier as a render that started at the film's start would have it at
        frame `first` (a segment rendered apart, a preview): followed from the shot's last
        keyframe before it, if within reach. Returns the working luma of frame `first - 1`
        then (the smoother's previous frame, so the motion into `first` is followed too)."""
        key = self.shots.before(first - 1) if first > 0 else None
        if key is None or first - key > self.reach or self.shots.shot(key) != self.shots.shot(first):
            return None
        lumas = self.lookahead.lumas(key, first - 1)
        self.forward = Carrier(self.keyframes[key], self.smooth)
        for prev, cur in zip(lumas, lumas[1:]):
            self.forward.follow(motion(prev, cur, self.smooth), cur)
        return lumas[-1]

    def state(self) -> dict[str, np.ndarray]:
        return {} if self.forward is None else self.forward.state("guide_")

    def restore(self, state: dict[str, np.ndarray]) -> None:
        if "guide_key" in state:
            self.forward = Carrier(self.keyframes[int(state["guide_key"])], self.smooth)
            self.forward.restore(state, "guide_")


@dataclass
class Plan:
    """What a guided render settles before its first frame, and every part of it (a segment, a
    Ray task) rebuilds its `Guide` from: the keyframes' files, the film's cuts and every frame's pts."""

    files: dict[int, Path]
    cuts: list[int]
    times: list[int]
    uncoloured: list[Path] = field(default_factory=list)  # keyframes left gray: not used, their shots get the automatic colour

    def keyframes(self, info: media.FilmInfo, size: tuple[int, int], matrix: str) -> dict[int, Keyframe]:
        return {index: read_keyframe(path, index, info, size, matrix) for index, path in self.files.items()}

    def guide(self, source: Path, info: media.FilmInfo, size: tuple[int, int], matrix: str, config: GuideConfig, smooth: SmoothConfig) -> Guide:
        return Guide(source, self.keyframes(info, size, matrix), self.cuts, self.times, info, size, config, smooth)


def coloured_files(folder: Path, times: list[int], info: media.FilmInfo, size: tuple[int, int], matrix: str) -> tuple[dict[int, Path], list[Path]]:
    """(the keyframe pictures of `folder` with colour in them, by frame number; those still
    gray), every one read and checked first (InputError naming the first at fault). A gray one
    is a keyframe the user has not coloured yet (`filmcolor keyframes` writes them all gray):
    its shot keeps the automatic colour rather than turning gray. InputError when none is coloured."""
    files = keyframe_files(folder, len(times))
    read = Plan(files, [], times).keyframes(info, size, matrix)
    uncoloured = [files[i] for i, k in read.items() if k.blank]
    if len(uncoloured) == len(files):
        raise InputError(f"--keyframes {folder}: none of its {len(files)} keyframes is coloured (each is still the gray frame); colour at least one, whole or with strokes")
    return {i: p for i, p in files.items() if not read[i].blank}, uncoloured


def plan(source: Path, info: media.FilmInfo, times: list[int], size: tuple[int, int], matrix: str, config: GuideConfig, smooth: SmoothConfig, progress=None) -> Plan:
    """Check and read the keyframes (`coloured_files`), before the long pass, then find the
    film's shots with a pass over it (`find_cuts`)."""
    files, uncoloured = coloured_files(config.keyframes, times, info, size, matrix)
    with media.open_film(source) as container:
        cuts = find_cuts(container, size, smooth.scene_threshold, progress)
    return Plan(files, cuts, times, uncoloured)


def tuned_generator(model: Generator, keyframes: dict[int, Keyframe], steps: int) -> tuple[Generator, float]:
    """(the generator fitted to the keyframes, the seconds it took); `model` itself when `steps` is 0."""
    t = time.perf_counter()
    tuned = finetune(model, list(keyframes.values()), steps) if steps > 0 else model
    return tuned, time.perf_counter() - t
