"""Colour borrowed across a cut: a shot with no keyframe of its own, in a camera setup
(`filmcolor.guidance.setups`) with a painted shot, is coloured from that shot's keyframe.

The painted keyframe is matched onto one of the shot's representative frames (the one it
covers best) by a correspondence that can bridge a cut: the homography the setup test found
(the global alignment), then dense flow (DIS) between the frame and the keyframe seen through
it, as the carrier corrects its drift. Each pixel's confidence is the carrier's own
(`carry.Carrier`: the luma matching over a patch, the map agreeing with its neighbours), for
the homography's coordinates, the flow's and the mended ones, the best of them winning. The
keyframe's colour is taken as far as it is sure; elsewhere the frame keeps its automatic colour
(the model's, as the render would give it), never a colour guessed from elsewhere. The result
is one more keyframe on that frame (`Borrowed.keyframe`), carried through the shot as a painted
one is (`carry.KeyframeGuide`), forward and backward. A shot's own keyframes always win: a shot
with one borrows nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .. import media
from ..colour import PICTURE
from ..flow import warp
from ..inference import InferenceConfig, Predictor, to_working
from ..keyframes import read_listing
from ..temporal import flow_between, luma8
from . import setups as setups_
from .carry import SURE, Carrier
from .guide import FilmToGuide
from .keyframe_files import Keyframe
from .setups import Look, Setups
from .shots import Shots

CHEAP = 4  # frames: a representative frame is decoded where it is at most this far past a sync frame
COVERAGE = 0.05  # least share of the frame the painted keyframe must colour surely for the shot to borrow
TRUST = 0.25  # confidence from which the painted colour is taken whole (below it, mixed with the automatic colour
# in proportion): measured on the street film's later shots, the painted colour was nearer the truth
# than the automatic one in every confidence bin from 0.05 up (0.027 against 0.064 at 0.1-0.2)


@dataclass
class Borrowed:
    """A shot with no keyframe of its own coloured from a painted shot of its camera setup."""

    shot: tuple[int, int]  # (first, last) frame
    source: int  # the painted keyframe's frame
    keyframe: Keyframe  # the colour made for the shot, on one of its frames (`keyframe.index`)
    coverage: float  # share of that frame coloured surely from the painted keyframe (the rest: automatic)


def transfer(key: Keyframe, luma: np.ndarray, homography: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """((h, w, 2) chroma, (h, w) confidence in [0, 1]): keyframe `key`'s colour on a frame of
    (h, w) working `luma` in [0, 1] of the same setup, `homography` mapping the frame's pixels
    onto the keyframe's. The homography's coordinates, corrected by the flow between the frame
    and the keyframe seen through them, mended where torn; each pixel's best."""
    h, w = luma.shape
    carrier = Carrier(key)  # the carrier's confidence and mending, on this keyframe
    points = cv2.perspectiveTransform(carrier.grid.reshape(-1, 1, 2), homography)
    aligned = points.reshape(h, w, 2).astype(np.float32)  # (h, w, 2) in the keyframe's pixels
    y8 = luma8(luma)
    smooth = carrier.smooth
    seen = cv2.remap(carrier.key, aligned[..., 0], aligned[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    flowed = warp(aligned, flow_between(y8, luma8(seen), smooth))  # luma[x] ~ seen[x + drift(x)]
    y = y8.astype(np.float32) / 255.0
    c_aligned, c_flowed = carrier._confidence(aligned, y), carrier._confidence(flowed, y)
    coords = np.where((c_flowed >= c_aligned)[..., None], flowed, aligned)
    confidence = np.maximum(c_aligned, c_flowed)
    healed = carrier._healed(coords, confidence)
    c_healed = carrier._confidence(healed, y)
    coords = np.where((c_healed > confidence)[..., None], healed, coords)
    confidence = np.maximum(confidence, c_healed)
    chroma = cv2.remap(key.chroma, coords[..., 0], coords[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return chroma, confidence.astype(np.float32)


def representative_lumas(
    source: Path, times: list[int], frames: list[int], code_range, size: tuple[int, int]
) -> dict[int, np.ndarray]:
    """Frames `frames` of the film as (h, w) uint8 working luma, each decoded from the sync
    frame at or before it (`representatives` picks frames that are one, or a few frames past
    one), through one reader with slice threads: a frame-threaded decoder takes several
    packets in before it gives the first frame out, and setting up a reader for each frame
    cost more than the frame (0.28 s against 0.12 s a frame at 1080p, measured on a loaded CPU)."""
    got = dict[int, np.ndarray]()
    with media.open_film(source) as container:
        video = media.video_stream(container)
        video.thread_type = "SLICE"
        for f in sorted(set(frames)):
            container.seek(times[f], stream=video, backward=True, any_frame=False)
            for frame in container.decode(video):
                if frame.pts is not None and frame.pts >= times[f]:
                    got[f] = luma8(to_working(media.luma_plane(frame), code_range, size))
                    break
    return got


def sync_frames(source: Path, times: list[int]) -> list[int]:
    """The numbers of the film's sync frames (where decoding can start), from demuxing alone."""
    with media.open_film(source) as container:
        _, sync = media.video_times(container)
    number = {t: i for i, t in enumerate(times)}
    return sorted(number[t] for t in sync if t in number)


def representatives(
    starts: list[int], frames: int, sync: list[int], gradual: Collection[int] = ()
) -> dict[int, list[int]]:
    """Each shot's representative frames (shot's first frame -> them): a few frames in from
    its start, and its last sync frame past its first few (a shot that pans ends elsewhere),
    which decodes alone. Decoding every frame of a 1080p film costs 4.6 s in 240 frames;
    these, a few frames a shot. On a side where the shot comes in or goes out gradually
    (`gradual`: the cuts of the film's dissolves and fades), its frame is the shot's middle
    instead: a dissolve's frames are mixes of the two shots (the cut is its middle, and one of
    2 s is still a mix 24 frames on), so a frame near the cut matches the shot on the other side."""
    ends = [*starts[1:], frames]
    out, synced = {}, set(sync)
    for a, b in zip(starts, ends, strict=True):
        first, last = setups_.representative(a, b)[0], setups_.representative(a, b)[-1]
        middle = (a + b) // 2
        if a in gradual:
            first = middle
        elif a in synced:
            first = a  # a cut the encoder made a sync frame: it decodes alone (a few frames in: 4 frames)
        if b in gradual:
            last = middle
        late = [s for s in sync if first + setups_.FEW <= s < (middle + 1 if b in gradual else b)]
        before = max([s for s in sync if s <= last], default=0)
        if late:
            out[a] = [first, late[-1]]
        elif last - first >= setups_.FEW // 2 and last - before <= CHEAP:
            out[a] = [first, last]  # a short shot: its last frames decode from its first
        else:
            out[a] = [first]
    return out


def film_looks(lumas: dict[int, np.ndarray], frames: dict[int, list[int]]) -> dict[int, list[Look]]:
    """Each shot's `Look`s (shot's first frame -> them), from its representative `frames` and their `lumas`."""
    return {a: [setups_.look(f, lumas[f]) for f in fs if f in lumas] for a, fs in frames.items()}


def alignment(target: Look, key: Look, painted: list[Look]) -> np.ndarray | None:
    """(3, 3) the map of `target`'s pixels onto keyframe `key`'s: matched directly, else through
    one of its own shot's representative frames `painted` (the setup test's own match, then the
    keyframe's within its shot, both surer than one across the cut); None where neither holds."""
    direct = setups_.match(target, key)
    if direct is not None:
        return direct.homography
    for between in painted:
        there, back = setups_.match(target, between), setups_.match(between, key)
        if there is not None and back is not None:
            return back.homography @ there.homography
    return None


def borrow(
    setups: list[list[int]],
    shots: Shots,
    keyframes: dict[int, Keyframe],
    looks: dict[int, list[Look]],
    automatic: dict[int, np.ndarray],
) -> list[Borrowed]:
    """The shots of `setups` (lists of shot first frames) with no keyframe of their own, each
    coloured from the painted keyframe of its setup that covers its best frame best.
    `keyframes`: the painted ones by frame, at the working size; `looks`: each shot's
    representative frames; `automatic`: the model's (h, w, 2) chroma on each representative frame."""
    borrowed = []
    for members in setups:
        keys = [k for s in members for k in keyframes if shots.shot(k)[0] == s]
        if not keys:
            continue
        key_looks = {k: setups_.look(k, luma8(keyframes[k].luma)) for k in keys}
        for s in members:
            first, end = shots.shot(s)
            if shots.keyed(first):
                continue  # its own keyframe wins
            best: Borrowed | None = None
            for target in looks.get(s, []):
                for k, key_look in key_looks.items():
                    homography = alignment(target, key_look, looks.get(shots.shot(k)[0], []))
                    if homography is None:
                        continue
                    luma = target.luma.astype(np.float32) / 255.0
                    chroma, confidence = transfer(keyframes[k], luma, homography)
                    coverage = float((confidence >= SURE).mean())
                    if coverage < COVERAGE or (best is not None and coverage <= best.coverage):
                        continue
                    base = automatic[target.frame]
                    c = np.clip(confidence / TRUST, 0.0, 1.0)[..., None]
                    made = Keyframe(
                        target.frame,
                        Path(f"<colour of frame {k} borrowed by frame {target.frame}>"),  # no file: its own plane
                        luma,
                        (c * chroma + (1.0 - c) * base).astype(np.float32),
                        True,
                        keyframes[k].matrix,
                    )
                    best = Borrowed((first, end - 1), k, made, coverage)
            if best is not None:
                borrowed.append(best)
    return borrowed


def automatic_colour(
    model, lumas: dict[int, np.ndarray], size: tuple[int, int], inference: InferenceConfig
) -> dict[int, np.ndarray]:
    """The model's (h, w, 2) chroma on each of `lumas` ((h, w) uint8 working luma), as the
    render predicts it (its edge filter and saturation): a borrowed keyframe's colour where unsure."""
    if not lumas:
        return {}
    device = next(model.parameters()).device
    predictor = Predictor(
        model, device, PICTURE, size, inference.amp, edge_radius=inference.edge_radius, engine="torch"
    )
    out = {}
    frames = sorted(lumas)
    for i in range(0, len(frames), 8):
        batch = frames[i : i + 8]
        _, chroma = predictor.submit([lumas[f] for f in batch]).result()  # (B, 2, h, w)
        for k, f in enumerate(batch):
            out[f] = np.ascontiguousarray(chroma[k].transpose(1, 2, 0)) * np.float32(inference.saturation)
    return out


def plan_borrowing(
    source: Path,
    info: media.FilmInfo,
    times: list[int],
    cuts: list[int],
    keyframes: dict[int, Keyframe],
    saved: Setups | None,
    model,
    inference: InferenceConfig,
    size: tuple[int, int],
    gradual: Collection[int] = (),
) -> tuple[list[Borrowed], Setups]:
    """What a guided render borrows (`borrow`), and the film's setups: `saved` (keyframes.json's,
    with the colourist's corrections) where it was found among these very shots, else found
    here (the corrections kept). Nothing is decoded where no shot could borrow (every shot
    painted, or none). `gradual`: the cuts made by a dissolve or fade (`representatives`)."""
    shots = Shots(cuts, len(times), list(keyframes))
    starts = shots.starts
    unkeyed = [a for a, _ in shots.unkeyed()]
    if not keyframes or not unkeyed:
        return [], saved or Setups()
    frames = representatives(starts, len(times), sync_frames(source, times), gradual)
    lumas = representative_lumas(source, times, [f for fs in frames.values() for f in fs], info.code_range, size)
    looks = film_looks(lumas, frames)
    if saved is not None and saved.starts == starts:
        setups = saved
    else:
        setups = setups_.find_setups(looks)
        setups.edits = dict(saved.edits) if saved else {}
    groups = setups.groups(starts)
    lent = {s for g in groups if any(shots.shot(k)[0] in g for k in keyframes) for s in g if s in unkeyed}
    targets = {look.frame: look.luma for s in lent for look in looks[s]}
    automatic = automatic_colour(model, targets, size, inference)
    return borrow(groups, shots, keyframes, looks, automatic), setups


def borrowed_shots(
    film: FilmToGuide,
    cuts: list[int],
    keyframes: dict[int, Keyframe],
    folder: Path,
    own: bool,
    gradual: Collection[int] = (),
) -> list[Borrowed]:
    """The shots of `film` (cut at `cuts`, `gradual` of them by a dissolve or fade) that a
    guided render colours from a painted shot of their setup, given the painted `keyframes` at
    the working size, the setups as the keyframes folder's keyframes.json keeps them (when it is
    this film's: `own`)."""
    saved = Setups.listed(read_listing(folder)) if own else None
    return plan_borrowing(
        film.source, film.info, film.times, cuts, keyframes, saved, film.model, film.inference, film.size, gradual
    )[0]
