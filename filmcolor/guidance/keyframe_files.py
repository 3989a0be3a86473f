"""Keyframe files: the user's coloured frames of a film, one picture each, named by frame number.

A keyframe is a frame of the film coloured by the user, whole or as strokes of colour on the
gray frame (`filmcolor.guidance.hints` fills the rest). Its file is named by the frame's 0-based number:
`000123.png` is the 124th frame; `ref_000123.png`, the name a VapourSynth colouriser gives its
reference frames, is read the same, so a folder moves between the two tools. Any size of the
film's shape as shown (stretched by its sample aspect ratio, turned by its display matrix:
`filmcolor.media.display`); PNG, JPEG or TIFF, 8 or 16 bits, transparency marking what is not coloured.

Here: naming, finding and checking a folder's keyframes (InputError naming the first file at
fault, before any render work), reading one at the working size, writing one (atomically), and
a keyframe's chroma at the output's size, kept for the few in use (re-read when the file changes).
"""

from __future__ import annotations

import os
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from .. import media
from ..colour import convert_chroma, rgb_to_ycbcr
from ..errors import DecodeError, InputError, OutputError
from ..inference import to_working
from ..media.display import Display, display
from ..pictures import SUFFIXES, picture_size, read_rgba
from .hints import coloured, shrunk_hints, stroke_fill

_NAME = re.compile(r"^(?:ref_)?(\d+)$")
EXACT_GRAY = 1  # 8-bit codes: a pixel whose R', G' and B' differ by at most this is the gray frame's, not coloured
# (frame number, working (w, h)) -> the film's own frame as (h, w) luma in [0, 1] (`film_luma`)
FrameLuma = Callable[[int, tuple[int, int]], np.ndarray]


def frame_number(path: Path) -> int | None:
    """The frame a keyframe file is of (`000123.png` or `ref_000123.png`: 123); None for another name."""
    m = _NAME.match(Path(path).stem)
    return int(m.group(1)) if m else None


def keyframe_name(index: int, suffix: str = ".png") -> str:
    """The file name of frame `index`'s keyframe: 000123.png."""
    return f"{index:06d}{suffix}"


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
    shown: Display | None = None  # how the film is shown, the picture's orientation: turned back when read again
    # (h, w) in [0, 1]: how far the strokes reach each pixel (`hints.stroke_fill`); None: coloured whole
    reach: np.ndarray | None = None
    based: bool = False  # `chroma` holds a base colour where the strokes do not reach (`on`)

    def on(self, base: np.ndarray) -> Keyframe:
        """This keyframe with (h, w, 2) `base` (the automatic colour of its frame) where its
        strokes do not reach, in gray's place (`on_base`). A keyframe coloured whole has no
        such part: itself."""
        if self.reach is None:
            return self
        return replace(self, chroma=on_base(self.chroma, self.reach, base), based=True)

    def plane(self, size: tuple[int, int], matrix: str) -> np.ndarray:
        """(size[1], size[0], 2) chroma in the film's `matrix` at the chroma planes' size: the
        picture's own, full detail, where it was coloured whole; the strokes' fill, scaled up,
        where not. The last few are kept (those in use: carried forward, carried back), each
        under the file's identity (path, size, change time), so an edited file is read again."""
        return _kept((_identity(self.path), size, matrix, self.filled, self.based), lambda: self._plane(size, matrix))

    def paired(self, size: tuple[int, int], matrix: str) -> np.ndarray:
        """(2 * size[1] - 1, 2 * size[0] - 1, 2): the chroma at twice `size` (`plane`'s), each
        2x2 block of it averaged, at every step (element [j, i] is the block whose centre is
        fine pixel (i + 0.5, j + 0.5)). A bilinear sample of this is exactly the mean of four
        bilinear samples of the fine chroma half a pixel around it: what sampling the fine
        chroma and averaging it down to `size` (a 4:2:0 conversion) gives, at a quarter of the
        cost (`filmcolor.guidance.guide.Carried.plane`). Kept like `plane`."""
        fine = (2 * size[0], 2 * size[1])

        def make() -> np.ndarray:
            c = self._plane(fine, matrix)
            return cv2.blur(c, (2, 2), anchor=(0, 0))[:-1, :-1]  # [j, i]: the mean of c[j:j+2, i:i+2]

        return _kept((_identity(self.path), fine, matrix, self.filled, self.based, "paired"), make)

    def _plane(self, size: tuple[int, int], matrix: str) -> np.ndarray:
        if (
            self.filled or not self.path.is_file()
        ):  # re-expressed, then scaled up: both linear, the same either way round
            return cv2.resize(
                convert_chroma(self.luma, self.chroma, self.matrix, matrix), size, interpolation=cv2.INTER_LINEAR
            )
        picture = read_rgba(self.path)[0]
        stored = self.shown.stored(picture) if self.shown else picture
        # floats: no rounding to 8 bits on the way
        rgb = cv2.resize(stored.astype(np.float32) / 255.0, size, interpolation=cv2.INTER_AREA)
        return np.ascontiguousarray(rgb_to_ycbcr(rgb, matrix)[..., 1:])


def _kept(key: tuple, make: Callable[[], np.ndarray]) -> np.ndarray:
    """`make()`, kept under `key` among the last few planes used."""
    if key not in _PLANES:
        _PLANES[key] = make()
        while len(_PLANES) > 4:
            _PLANES.popitem(last=False)
    _PLANES.move_to_end(key)
    return _PLANES[key]


def on_base(chroma: np.ndarray, reach: np.ndarray, base: np.ndarray) -> np.ndarray:
    """(h, w, 2) a stroke fill made on gray (its chroma and (h, w) reach) with (h, w, 2) `base`
    where the strokes do not reach: exactly what `stroke_fill(..., base=base)` makes (out =
    base + reach * (fill - base), and the fill on gray is reach * fill), so the strokes are
    filled once whatever the rest, and the rest can change without filling them again."""
    return (chroma + (1.0 - reach)[..., None] * base).astype(np.float32)


# (file identity, size, matrix, filled, based[, "paired"]) -> plane chroma, most recently used last
_PLANES: OrderedDict = OrderedDict()


def _identity(path: Path) -> tuple:
    """(path, size, modification time) of a file: another value once it is written again."""
    try:
        st = os.stat(path)
    except OSError:
        return (str(path), None, None)
    return (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


def keyframe_files(folder: Path, frames: int, info: media.FilmInfo) -> dict[int, Path]:
    """The keyframe pictures of `folder` by frame number; InputError naming the first file that
    is not one of a film of `frames` frames shown as `info` says (its shape read from its
    header: a picture of another film is refused where it is found, not minutes into a render),
    and for a folder that holds none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(
            f"--keyframes {folder} is not a folder; give the folder of keyframe pictures (filmcolor keyframes writes one)"
        )
    found: dict[int, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in SUFFIXES or path.name.startswith("."):
            continue  # hidden: a picture being written (`write_keyframe`'s temporary name) or an editor's own
        index = frame_number(path)
        if index is None:
            raise InputError(
                f"{path}: a keyframe is named by its frame number (000123{path.suffix} or ref_000123{path.suffix}: the 124th frame); rename or move it"
            )
        if index >= frames:
            raise InputError(f"{path}: frame {index} is beyond the film, whose last frame is {frames - 1}")
        if index in found:
            raise InputError(f"{path} and {found[index]} are the same frame; keep one")
        size = picture_size(path)
        if size is not None:
            check_shape(path, *size, display(info))
        found[index] = path
    if not found:
        raise InputError(
            f"--keyframes {folder} holds no keyframe pictures (NNNNNN.png, .jpg or .tif); colour frames from filmcolor keyframes there"
        )
    return found


def check_shape(path: Path, width: int, height: int, shown: Display) -> None:
    """InputError naming the picture `path` of `width` x `height` when it is not of the film's
    shape as shown (the shape `filmcolor keyframes` writes, which the colourist sees)."""
    if not shown.fits(width, height):
        raise InputError(
            f"{path} is {width}x{height}, not of the film's shape as shown ({shown.shape}); colour the frame filmcolor keyframes wrote, at any size of that shape"
        )


def keyframe_from_picture(
    rgb: np.ndarray,
    alpha: np.ndarray | None,
    size: tuple[int, int],
    matrix: str,
    index: int = 0,
    path: Path = Path(),
    frame: Callable[[], np.ndarray] | None = None,
) -> Keyframe:
    """A keyframe at the working `size` from (H, W, 3) uint8 R'G'B' (and (H, W) uint8 alpha, or
    None): coloured whole, or strokes on the gray frame filled along the luma (`hints`). A
    picture is strokes where most of it is exactly gray (R' = G' = B' to a code, as the frame
    `filmcolor keyframes` wrote): a photograph's own grays are seldom exact, and must keep
    their full detail, not be filled. A picture with transparent parts is filled along
    `frame()`, the film's own frame as (h, w) luma in [0, 1]: an image editor exports a
    transparent layer with anything under its clear pixels (black, often), and a fill along
    that would leave the strokes as patches on gray."""
    # (h, w, 3)
    small, small_alpha = shrunk_hints(rgb, alpha, size)
    ycc = rgb_to_ycbcr(small, matrix)
    luma, chroma = ycc[..., 0], np.ascontiguousarray(ycc[..., 1:])
    if alpha is None:
        spread = rgb.max(axis=2).astype(np.int16) - rgb.min(axis=2)  # (H, W)
        if (spread <= EXACT_GRAY).mean() < 0.5:
            return Keyframe(index, Path(path), luma.astype(np.float32), chroma.astype(np.float32), False, matrix)
    known = coloured(chroma, small_alpha)
    filled = not known.all()
    if filled and known.any() and frame is not None and alpha is not None and alpha.min() < 255:
        luma = frame()  # not the picture's: what is under its clear pixels is anything
    reach = None
    if filled:
        chroma, reach = stroke_fill(luma, chroma, known)
    return Keyframe(
        index,
        Path(path),
        luma.astype(np.float32),
        chroma.astype(np.float32),
        filled,
        matrix,
        blank=not known.any(),
        reach=reach,
    )


def read_keyframe(
    path: Path,
    index: int,
    info: media.FilmInfo,
    size: tuple[int, int],
    matrix: str,
    film_frames: FrameLuma | None = None,
) -> Keyframe:
    """One keyframe file at the working `size` (`keyframe_from_picture`), checked to be of the
    film's shape as shown and turned back as the film stores its frames. `film_frames`: the
    film's own frames (`film_luma`), for a picture with transparent parts; None: its own luma throughout."""
    try:
        rgb, alpha = read_rgba(path)
    except InputError as exc:
        raise InputError(f"{exc}; save it as an 8- or 16-bit PNG, JPEG or TIFF") from None  # it names the file
    shown = display(info)
    check_shape(path, rgb.shape[1], rgb.shape[0], shown)
    rgb, alpha = shown.stored(rgb), None if alpha is None else shown.stored(alpha)
    frame = None if film_frames is None else (lambda: film_frames(index, size))
    return replace(keyframe_from_picture(rgb, alpha, size, matrix, index, Path(path), frame), shown=shown)


def film_luma(source: Path, times: list[int], info: media.FilmInfo) -> FrameLuma:
    """The film's own frames by number (frame i at pts `times[i]`), each decoded when asked
    for, as (h, w) working luma in [0, 1]: what a keyframe's strokes are filled along."""

    def luma(index: int, size: tuple[int, int]) -> np.ndarray:
        with media.open_film(source) as container:
            for item in media.read(container, times[index], times[index] + 1, first_index=index):
                assert isinstance(item, media.Decoded)  # frames only: no packets asked for
                return to_working(item.luma(), info.code_range, size)
        raise DecodeError(f"{source}: frame {index}, a keyframe's, could not be decoded")

    return luma


def read_keyframes(
    files: dict[int, Path],
    info: media.FilmInfo,
    size: tuple[int, int],
    matrix: str,
    film_frames: FrameLuma | None = None,
) -> dict[int, Keyframe]:
    """Every file of `files` (by frame number) read at the working size (`read_keyframe`)."""
    return {index: read_keyframe(path, index, info, size, matrix, film_frames) for index, path in files.items()}


def coloured_files(
    folder: Path,
    frames: int,
    info: media.FilmInfo,
    size: tuple[int, int],
    matrix: str,
    film_frames: FrameLuma | None = None,
) -> tuple[dict[int, Keyframe], list[Path]]:
    """(the keyframes of `folder` with colour in them, by frame number, read at the working
    size; the pictures still gray), every one read and checked first (InputError naming the
    first at fault). A gray one is a keyframe the user has not coloured yet (`filmcolor
    keyframes` writes them all gray): its shot keeps the automatic colour rather than turning
    gray. InputError when none is coloured. `film_frames`: the film's own frames, as
    `read_keyframe` takes them."""
    files = keyframe_files(folder, frames, info)
    read = read_keyframes(files, info, size, matrix, film_frames)
    uncoloured = [files[i] for i, k in read.items() if k.blank]
    if len(uncoloured) == len(files):
        raise InputError(
            f"--keyframes {folder}: none of its {len(files)} keyframes is coloured (each is still the gray frame); colour at least one, whole or with strokes"
        )
    return {i: k for i, k in read.items() if not k.blank}, uncoloured


def write_keyframe(folder: Path, index: int, rgb: np.ndarray, alpha: np.ndarray | None = None) -> Path:
    """Write frame `index`'s keyframe, (H, W, 3) uint8 R'G'B' (with (H, W) uint8 alpha: its
    transparent parts not coloured), as `folder/000123.png`, replacing it whole or not at all."""
    path = Path(folder) / keyframe_name(index)
    bgr = np.ascontiguousarray(rgb[..., ::-1]) if alpha is None else np.dstack([rgb[..., ::-1], alpha])
    tmp = path.with_name(f".{path.name}.part.png")
    if not cv2.imwrite(str(tmp), bgr):
        raise OutputError(f"could not write {path}; is the disk full?")
    os.replace(tmp, path)
    return path
