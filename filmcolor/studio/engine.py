"""The studio's one door into filmcolor's engine: the film's frames and shots, the keyframe
files, the fill of strokes, the carrier, the automatic colour and the render.

Every call the studio makes into the rest of filmcolor goes through this module, so when the
engine's modules move (the keyframe files, the shots and the carrying out of `guide`, one safe
way of writing into a folder in `outputs`) only this file follows them. It holds no state of
its own but the loaded generator.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import struct
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from .. import media
from ..assets import weights_path
from ..colour import PICTURE, fit_chroma_to_gamut, rgb_to_ycbcr, ycbcr_to_rgb
from ..errors import InputError, OutputError
from ..guidance import borrow, setups, shots
from ..guidance.cuts import Transition
from ..guidance.guide import GuideConfig, follow, frame_colour
from ..guidance.hints import STROKE_SIDE, coloured, shrunk_hints, stroke_fill
from ..guidance.keyframe_files import (
    EXACT_GRAY,
    film_luma,
    frame_number,
    keyframe_files,
    keyframe_name,
    on_base,
    read_keyframe,
    read_keyframes,
    write_keyframe,
)
from ..guidance.keyframe_mode import automatic_bases
from ..guidance.setups import Setups
from ..inference import InferenceConfig, to_working, working_size
from ..keyframes import (
    LIST,
    LIST_FORMAT,
    REST_AUTOMATIC,
    RESTS,
    STUDIO_RENDER,
    film_fields,
    listed_rest,
    listed_shots,
    read_listing,
    shot_fields,
)
from ..media.display import Display, display
from ..outputs import atomic_output, locked
from ..pictures import SUFFIXES, read_rgba
from ..progress import Progress
from ..temporal import SmoothConfig, luma8

if TYPE_CHECKING:
    from ..models import Generator
    from ..render import RenderResult


__all__ = [
    "LIST",
    "LIST_FORMAT",
    "REST_AUTOMATIC",
    "RESTS",
    "STUDIO_RENDER",
    "InputError",
    "OutputError",
    "Transition",
    "film_fields",
    "keyframe_name",
    "listed_rest",
    "locked",
]  # passed on to the studio as they are


@functools.cache
def matrix() -> str:
    """The Y'CbCr matrix of the weights the studio's render uses (`render_guided`: the command
    line's default): strokes, fills and keyframes are read in it, as `render` reads them."""
    from ..models import load_weights

    return load_weights(weights_path(InferenceConfig().weights))[0].config.matrix


@dataclass(frozen=True)
class Film:
    """A film the studio works on: its facts, every frame's pts (frame i is `times[i]`), the
    working size the render colours it at, and how it is shown. The page sees the frames as
    shown (stretched by the sample aspect ratio, turned by the display matrix), and paints
    keyframes there, as `filmcolor keyframes` writes them and `render --keyframes` reads them."""

    path: Path
    info: media.FilmInfo
    times: list[int]
    size: tuple[int, int]  # (w, h) the render's working size, of the stored frames
    shown: Display

    @property
    def shown_size(self) -> tuple[int, int]:
        """(w, h) the working size of the frames as shown: where the page's fills run."""
        return working_size(self.shown.width, self.shown.height, InferenceConfig.model_size)

    @property
    def frames(self) -> int:
        return len(self.times)

    @property
    def rate(self) -> float:
        return float(self.info.rate)


def open_film(path: Path) -> Film:
    """The film at `path`, checked readable (InputError with one line when not): its facts and
    frame times from demuxing alone, so this takes well under a second even for a feature."""
    with media.open_film(path) as container:
        info = media.film_info(container)
        times, _ = media.video_times(container)
    if not times:
        raise InputError(f"{path} has no video frames")
    size = working_size(info.width, info.height, InferenceConfig.model_size)
    return Film(Path(path), info, times, size, display(info))


def scan(
    film: Film, threshold: float = SmoothConfig.scene_threshold, transitions: list[Transition] | None = None
) -> Iterator[tuple[int, bool, np.ndarray]]:
    """Every frame of the film, in order, as (index, whether a shot starts there, (h, w) uint8
    luma at the working size): the render's own shot finder (`shots.scan`), frame by frame
    (a few frames behind the decoder), so shots can be shown as they are found. `transitions`
    gets the dissolves and fades found, at the end (keyframes.json lists them with the cuts).
    The luma is as shown, at the working size of that shape."""
    cut_finder = shots.finder(film.info.code_range, threshold)
    with media.open_film(film.path) as container:
        for item, starts in shots.scan(container, cut_finder):
            y8 = luma8(to_working(item.luma(), film.info.code_range, film.size))
            yield item.index, starts, film.shown.show(y8, film.shown_size)
    if transitions is not None:
        transitions.extend(cut_finder.transitions)


def find_setups(film: Film, starts: list[int], gradual: Collection[int] = ()) -> Setups:
    """The camera setups among the shots starting at `starts` (`gradual` of them by a dissolve
    or fade; `guidance.setups`), each shot looked at in its representative frames as a guided
    render looks at it (`guidance.borrow`)."""
    frames = borrow.representatives(starts, film.frames, borrow.sync_frames(film.path, film.times), gradual)
    wanted = [f for fs in frames.values() for f in fs]
    lumas = borrow.representative_lumas(film.path, film.times, wanted, film.info.code_range, film.size)
    return setups.find_setups(borrow.film_looks(lumas, frames))


def listed_cuts(folder: Path, frames: int) -> tuple[list[int], list[Transition]] | None:
    """(cuts, transitions) of the shot list keyframes.json in `folder` holds (`keyframes.listed_shots`:
    the colourist's corrections win over the detector); None where it holds none. InputError for
    a list that is not this film's."""
    listed = listed_shots(folder, frames)
    return None if listed is None else (listed.cuts, listed.transitions)


def shot_list_fields(cuts: list[int], frames: int, transitions: list[Transition], edited: bool) -> dict:
    """The shot list's fields of keyframes.json (`keyframes.shot_fields`), as the render reads them."""
    return shot_fields(shots.ShotList(cuts, frames, transitions), edited)


def gray_frame(film: Film, index: int) -> np.ndarray:
    """(H, W) uint8: frame `index`'s luma as a full-range picture's codes, as shown (what
    `filmcolor keyframes` writes)."""
    with media.open_film(film.path) as container:
        for item in media.read(container, film.times[index], film.times[index] + 1, first_index=index):
            assert isinstance(item, media.Decoded)  # frames only: no packets asked for
            y = np.clip(film.info.code_range.luma_to_unit(item.luma()), 0.0, 1.0)
            return film.shown.show(PICTURE.unit_to_luma(y).astype(np.uint8))
    raise InputError(f"{film.path}: frame {index} could not be decoded")


def keyframe_pictures(folder: Path, film: Film) -> dict[int, Path]:
    """The keyframe pictures already in `folder` by frame number ({} for an empty folder);
    InputError naming a file that is not one of `film` (`keyframe_files.keyframe_files`: a
    name that is no frame of it, a picture not of its shape)."""
    if not any(p.suffix.lower() in SUFFIXES for p in folder.iterdir()):
        return {}
    return keyframe_files(folder, film.frames, film.info)


def strokes_layer(path: Path, size: tuple[int, int]) -> np.ndarray:
    """(H, W, 4) uint8 RGBA, (W, H) = `size`, of a keyframe picture as strokes: its coloured
    pixels opaque, the rest clear, as the render reads them (`keyframe_files.keyframe_from_picture`:
    the opaque ones; in a picture without transparency, all of it when most of it is not the
    exact gray of the frame, else those that are not gray)."""
    rgb, alpha = read_rgba(path)
    if alpha is None and ((rgb.max(axis=2).astype(np.int16) - rgb.min(axis=2)) <= EXACT_GRAY).mean() < 0.5:
        alpha = np.full(rgb.shape[:2], 255, np.uint8)  # coloured whole
    rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    alpha = None if alpha is None else cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
    known = coloured(rgb_to_ycbcr(rgb.astype(np.float32) / 255.0, matrix())[..., 1:], alpha)
    return np.dstack([rgb, np.where(known, 255, 0).astype(np.uint8)])


def keyframe_picture(gray: np.ndarray, strokes: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8 RGBA to save as a keyframe: under the clear parts the gray frame, which
    `render --keyframes` fills; under the strokes their colour's own chroma, whole, at the luma
    nearest the frame's that can carry it (the render reads a stroke's chroma from its R'G'B',
    so a dark stroke on a dark coat must not lose its colour to the gamut; and the carrier
    matches the film against the keyframe's luma, so that stays the frame's where it can)."""
    out = np.dstack([np.repeat(gray[..., None], 3, axis=2), strokes[..., 3]])
    painted = strokes[..., 3] > 0
    if painted.any():
        y = gray[painted].astype(np.float32) / 255.0  # (n,)
        cbcr = rgb_to_ycbcr(strokes[painted][:, :3].astype(np.float32) / 255.0, matrix())[:, 1:]  # (n, 2)
        zero = np.zeros_like(y)[:, None]
        offsets = ycbcr_to_rgb(np.concatenate([zero, cbcr], axis=1), matrix())  # (n, 3): R'G'B' at luma 0
        y = np.clip(y, (-offsets).max(axis=1), (1.0 - offsets).min(axis=1))  # every channel within [0, 1]
        rgb = ycbcr_to_rgb(np.concatenate([y[:, None], cbcr], axis=1), matrix())
        out[painted, :3] = np.clip(rgb * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return out


def kind(strokes: np.ndarray) -> str:
    """What a keyframe's (H, W, 4) strokes make of it, as the render reads them (`hints.coloured`):
    'blank' (nothing coloured; the render skips it), 'strokes' (the rest filled), or 'coloured'
    (coloured whole)."""
    alpha = strokes[..., 3]
    opaque = alpha.min() == 255  # read as a picture without transparency: its gray pixels are not hints
    chroma = (
        rgb_to_ycbcr(strokes[..., :3].astype(np.float32) / 255.0, matrix())[..., 1:]
        if opaque
        else np.zeros((*alpha.shape, 2), np.float32)
    )
    known = coloured(chroma, alpha)
    return "coloured" if known.all() else "strokes" if known.any() else "blank"


def quick_fill(film: Film, picture: np.ndarray, max_side: int = STROKE_SIDE) -> tuple[np.ndarray, np.ndarray | None]:
    """((h, w, 2) chroma, (h, w) reach or None where coloured whole) at the working size of a
    keyframe picture (H, W, 4), as shown, as `keyframe_files.read_keyframe` reads it (the
    stroke fill at the render's own size, 0.35 s at 1080p, on gray: `on_rest` puts another rest under
    it), from the strokes the page sends at once: the fill shown as a stroke ends."""
    size = film.shown_size
    rgb, alpha = shrunk_hints(picture[..., :3], picture[..., 3], size)
    ycc = rgb_to_ycbcr(rgb, matrix())
    chroma = np.ascontiguousarray(ycc[..., 1:])
    known = coloured(chroma, alpha)
    return (chroma, None) if known.all() else stroke_fill(ycc[..., 0], chroma, known, max_side=max_side)


def render_fill(film: Film, path: Path, index: int) -> tuple[np.ndarray, np.ndarray | None]:
    """((h, w, 2) chroma, (h, w) reach or None where coloured whole) at the working size of the
    keyframe file at `path`: exactly what `render --keyframes` reads and fills
    (`keyframe_files.read_keyframe`, on gray), turned as shown (`join_chroma` stretches it to
    the frame it colours)."""
    own = film_luma(film.path, film.times, film.info)
    key = read_keyframe(path, index, film.info, film.size, matrix(), own)
    return film.shown.turn(key.chroma), None if key.reach is None else film.shown.turn(key.reach)


def on_rest(chroma: np.ndarray, reach: np.ndarray, base: np.ndarray) -> np.ndarray:
    """(h, w, 2) a stroke fill on gray (its chroma and (h, w) reach) with (h, w, 2) `base` (the
    automatic colour, any size: scaled to the fill's) where the strokes do not reach, as the
    render puts it (`keyframe_files.on_base`)."""
    return on_base(chroma, reach, cv2.resize(base, (chroma.shape[1], chroma.shape[0]), interpolation=cv2.INTER_AREA))


def join_chroma(gray: np.ndarray, chroma: np.ndarray, width: int | None = None) -> np.ndarray:
    """(H', W', 3) uint8 RGB: the (H, W) gray frame with (h, w, 2) chroma beside it; `width` W'
    (the height kept in proportion), the frame's own by default. The chroma is kept inside the
    gamut at its own size (against the darkest and brightest luma each of its pixels covers, as
    the render does), then scaled up and joined to the luma by OpenCV's full-range BT.601
    conversion (BT.601, as OpenCV has it): a few milliseconds at 1080p, not a hundred."""
    h, w = gray.shape
    if width and width < w:
        gray = cv2.resize(gray, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)
    ch, cw = chroma.shape[:2]
    block = np.ones((max(1, -(-gray.shape[0] // ch)), max(1, -(-gray.shape[1] // cw))), np.uint8)
    low = cv2.resize(cv2.erode(gray, block), (cw, ch), interpolation=cv2.INTER_NEAREST).astype(np.float32) / 255.0
    high = cv2.resize(cv2.dilate(gray, block), (cw, ch), interpolation=cv2.INTER_NEAREST).astype(np.float32) / 255.0
    fitted = fit_chroma_to_gamut(low, chroma.astype(np.float32), matrix(), y_high=high)  # (h, w, 2)
    codes = np.clip(fitted * 255.0 + 128.0, 0, 255).astype(np.uint8)  # Cb, Cr as 8-bit codes
    big = cv2.resize(codes, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)  # (H', W', 2)
    return cv2.cvtColor(np.dstack([gray, big[..., 1], big[..., 0]]), cv2.COLOR_YCrCb2RGB)


class Automatic:
    """The automatic colour of single frames (`stills.colour_picture`, the render's predictor),
    the generator loaded once, on first use."""

    def __init__(self) -> None:
        self._model: Generator | None = None
        self._lock = threading.Lock()

    def __call__(self, gray: np.ndarray) -> np.ndarray:
        """(H, W) uint8 gray frame -> (H, W, 3) uint8 RGB in the automatic colour."""
        from ..stills import colour_picture

        with self._lock:
            model = self._loaded()
            return colour_picture(gray, model, next(model.parameters()).device, InferenceConfig())

    def base(self, film: Film, index: int) -> np.ndarray:
        """(h, w, 2) the model's colour of frame `index` at the render's working size, as stored
        (not turned): what a stroke keyframe's unreached part takes in a render whose rest is
        automatic (`keyframe_mode.automatic_bases`, the same call)."""
        with self._lock:
            model = self._loaded()
            return automatic_bases(
                film.path, film.times, film.info.code_range, film.size, [index], model, InferenceConfig()
            )[index]

    def _loaded(self) -> Generator:
        """The generator, loaded on first use (under the lock)."""
        from ..devices import pick_device
        from ..inference import load_model

        if self._model is None:
            self._model = load_model(None, pick_device("auto"))
        return self._model


# px, the short side the shot preview carries colour at (the render carries at 256): 3x fewer pixels to follow
PREVIEW_SHORT = 144


def carry_shot(
    film: Film,
    files: dict[int, Path],
    first: int,
    end: int,
    start: int,
    stop: int,
    emit: Callable[[int, np.ndarray], bool],
    lender: tuple[int, int, dict[int, Path]] | None = None,
    base: Callable[[int], np.ndarray] | None = None,
    gradual: Collection[int] = (),
) -> None:
    """The keyframes' colour carried through frames [start, stop) of the shot [first, end) by
    the render's own guide (the keyframes mode's: forward, backward from later keyframes, the
    unsure extended along the luma) and its smoothing, frame by frame as the renderer colours
    them (`guide.frame_colour`), at a preview size. `emit(index, rgb)` gets each frame as
    (h, w, 3) uint8 RGB, as shown; it returns False to stop. `files`: the shot's keyframes.
    Where the render would blend in the automatic colour (far from any trusted pixel) the
    preview fades to gray instead: the generator is not run. `lender`: for a shot with no
    keyframe of its own, the painted shot of its setup ((first, end) and its keyframes) whose
    colour it borrows as the render will (`guidance.borrow`; gray where unsure). `base`: the
    automatic colour of a keyframe's frame at the working size, as stored (`Automatic.base`),
    where the folder's rest is automatic: the strokes' unreached part takes it, as in the render.
    `gradual`: the film's cuts made by a dissolve or fade (where the borrowed colour is matched)."""
    from ..guidance.keyframe_mode import KeyframePlan

    size = working_size(film.info.width, film.info.height, PREVIEW_SHORT)
    shown = working_size(film.shown.width, film.shown.height, PREVIEW_SHORT)
    m = matrix()
    cuts = [c for c in (first, end) if 0 < c < film.frames]
    plan = KeyframePlan(files, cuts, film.times, film.path, film.info, size, m, GuideConfig.reach, SmoothConfig())
    if base is not None:
        plan.bases = {i: cv2.resize(base(i), size, interpolation=cv2.INTER_AREA) for i in files}
    if lender is not None:
        plan.borrowed = _borrowed(film, size, (first, end), lender, base, gradual)
    guide = plan.guide()
    smoother = follow(SmoothConfig(), guide, start)
    gray = np.zeros((2, size[1], size[0]), np.float32)
    with media.open_film(film.path) as container:
        for item in media.read(container, film.times[start], film.times[stop - 1] + 1, first_index=start):
            assert isinstance(item, media.Decoded)
            y = to_working(item.luma(), film.info.code_range, size)  # (h, w) in [0, 1]
            blended, guided = frame_colour(smoother, guide, item.index, y, gray, item.index == first)  # (2, h, w)
            chroma = blended.transpose(1, 2, 0)
            if guided is not None:  # the keyframes' own colour where sure, as `renderer.chroma_planes` puts it
                chroma = guided.over(chroma, y, size, m)
            ycc = np.concatenate([y[..., None], fit_chroma_to_gamut(y, chroma, m)], axis=-1)
            rgb = np.clip(ycbcr_to_rgb(ycc, m) * 255.0 + 0.5, 0, 255).astype(np.uint8)
            if not emit(item.index, film.shown.show(rgb, shown)):
                return


def _borrowed(
    film: Film,
    size: tuple[int, int],
    shot: tuple[int, int],
    lender: tuple[int, int, dict[int, Path]],
    base: Callable[[int], np.ndarray] | None = None,
    gradual: Collection[int] = (),
) -> list[borrow.Borrowed]:
    """The keyframe a shot with none borrows from the painted shot `lender` of its setup, at
    `size` ([] where the match fails), gray where unsure: matched at the render's working size
    (the preview's is too small for the features of a small film), then scaled to `size`.
    `base`: the automatic rest of the painted keyframes, `gradual` the cuts made by a dissolve
    or fade (`carry_shot`)."""
    l_first, l_end, files = lender
    work = film.size
    own = film_luma(film.path, film.times, film.info)
    read = read_keyframes(files, film.info, work, matrix(), own)
    painted = {i: k if base is None else k.on(base(i)) for i, k in read.items() if not k.blank}
    ends = {shot[0]: shot[1], l_first: l_end}
    cuts = sorted({c for a, b in ends.items() for c in (a, b) if 0 < c < film.frames})
    sync = borrow.sync_frames(film.path, film.times)
    frames = {a: f for a, f in borrow.representatives([0, *cuts], film.frames, sync, gradual).items() if a in ends}
    wanted = [f for fs in frames.values() for f in fs]
    lumas = borrow.representative_lumas(film.path, film.times, wanted, film.info.code_range, work)
    gray = {f: np.zeros((work[1], work[0], 2), np.float32) for f in frames[shot[0]]}
    looks = borrow.film_looks(lumas, frames)
    made = borrow.borrow([sorted(ends)], shots.Shots(cuts, film.frames, list(painted)), painted, looks, gray)
    return [
        replace(
            b,
            keyframe=replace(
                b.keyframe,
                luma=cv2.resize(b.keyframe.luma, size, interpolation=cv2.INTER_AREA),
                chroma=cv2.resize(b.keyframe.chroma, size, interpolation=cv2.INTER_AREA),
            ),
        )
        for b in made
    ]


def save_keyframe(folder: Path, index: int, picture: np.ndarray) -> Path:
    """Write frame `index`'s keyframe (H, W, 4) RGBA as `folder/000123.png`, whole or not at all
    (`keyframe_files.write_keyframe`)."""
    return write_keyframe(folder, index, picture[..., :3], picture[..., 3])


def leftovers(folder: Path) -> list[Path]:
    """Temporary files a killed studio may have left in `folder` (a keyframe or the listing half
    written: `.000123.png.part.png`, `.keyframes.json.part.json`)."""
    found = []
    for path in folder.glob(".*.part.*"):
        name = path.name[1:]
        written = name[: name.rindex(".part.")]
        if path.is_file() and (
            written == LIST or (written.endswith(".png") and frame_number(Path(written)) is not None)
        ):
            found.append(path)
    return found


def in_background() -> None:
    """Lower the calling thread's CPU priority (nice 5: a third of an equal share; on Linux per
    thread, and the decoder threads it starts inherit it), so the page's requests come first."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 5)
    except (AttributeError, OSError):  # not Linux, or not allowed: the work only competes evenly
        pass


def ready() -> bool:
    """Nothing: a worker process that runs it has imported this module (and the engine)."""
    return True


# s between two looks at whether the studio is still there: a worker ends at most this late after it
PARENT_POLL = 0.2
# s a render stopped by the studio's end has to unwind (remove its partial output) before it is killed
RENDER_UNWIND = 30.0


def watch_parent(parent: int, gone: Callable[[], None]) -> None:
    """Call `gone()` (in a thread of its own) once process `parent` has ended, however it ended:
    `kill -9` or a closed terminal runs no cleanup in the studio, and a worker waiting on its
    queue, or a render, would go on for ever, holding its memory. A process whose parent ends
    is handed to another (init), so its parent's id changes; unlike PR_SET_PDEATHSIG this does
    not take the end of the thread that started the process for the end of the studio."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        gone()

    threading.Thread(target=watch, daemon=True, name="filmcolor-parent-watch").start()


def worker_start(parent: int) -> None:
    """The start of the studio's fill worker (process `parent`'s): Ctrl-C is the studio's (it
    shuts the worker down; the worker's own KeyboardInterrupt printed a 20-line traceback), so
    the worker ignores it (`sigint_held` kept it from arriving before this); it ends when the
    studio ends, even by `kill -9`; and it works at the background priority."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    watch_parent(parent, lambda: os._exit(0))
    in_background()


@contextmanager
def sigint_held() -> Iterator[None]:
    """Hold SIGINT back from the calling thread while the block starts a worker process: the
    worker starts with it held (a signal mask is inherited) until `worker_start` ignores it, so a
    Ctrl-C while it imports (seconds) is not its traceback either. The studio still gets it (a
    signal held in one thread goes to another, whose handler tells the main thread)."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def write_listing(folder: Path, listing: dict) -> None:
    """Write `folder/keyframes.json` whole or not at all (`outputs.atomic_output`)."""
    with atomic_output(folder / LIST) as tmp:
        tmp.write_text(json.dumps(listing, indent=1) + "\n")


def encode_png(rgba: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", np.ascontiguousarray(rgba[..., [2, 1, 0, 3]]), [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise OutputError("could not encode a PNG")
    return data.tobytes()


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) as a PNG's header (IHDR, its first chunk) declares them, read without
    decoding anything; None when `data` is not a PNG. An upload's size is checked on this before
    it is decoded: 1.5 MB of PNG can declare 20000x20000, 1.6 GB once decoded."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def decode_png(data: bytes) -> np.ndarray | None:
    """(H, W, 4) uint8 RGBA of PNG bytes; None when they are not a PNG with an alpha channel.
    Their size is the caller's to check first (`png_size`)."""
    if not data.startswith(PNG_SIGNATURE):
        return None
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None or img.ndim != 3 or img.shape[2] != 4 or img.dtype != np.uint8:
        return None
    return np.ascontiguousarray(img[..., [2, 1, 0, 3]])


def encode_jpeg(rgb: np.ndarray, quality: int = 90) -> bytes:
    img = rgb if rgb.ndim == 2 else np.ascontiguousarray(rgb[..., ::-1])
    ok, data = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise OutputError("could not encode a JPEG")
    return data.tobytes()


def listing_of(folder: Path) -> dict:
    """The folder's keyframes.json ({} when there is none); InputError for one that cannot be
    read or is no keyframes list (`keyframes.read_listing`): the studio never writes over it."""
    return read_listing(folder) or {}


def render_command(film: Film, folder: Path, output: Path) -> list[str]:
    """The render the page starts: `filmcolor render FILM -o OUTPUT --keyframes FOLDER` with the
    command line's defaults, in a process of its own that reports progress as JSON lines and
    ends when this process (the studio) ends."""
    import sys

    return [sys.executable, "-m", "filmcolor.studio.job", str(film.path), str(output), str(folder), str(os.getpid())]


def render_guided(film: Path, output: Path, folder: Path, progress: Progress) -> RenderResult:
    """`filmcolor render FILM -o OUTPUT --keyframes FOLDER` as the command line runs it (its defaults)."""
    from ..render import RenderConfig, render

    config = RenderConfig()
    config = replace(config, guide=replace(config.guide, keyframes=Path(folder)))
    return render(film, output, config, progress)
