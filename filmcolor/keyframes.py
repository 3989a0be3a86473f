"""`filmcolor keyframes`: one frame of each shot as a picture to colour, the start of guided colour.

    filmcolor keyframes FILM -o DIR          # DIR/000000.png, DIR/000137.png, ... and keyframes.json
    (colour them in any image editor, whole or with a few strokes)
    filmcolor render FILM -o OUT --keyframes DIR

The film is decoded once: the render's own shot finder (`filmcolor.guidance.shots`) finds its shots,
and each shot's first frame (past the dissolve or fade it comes in by, whose frames are mixes of
two shots or dark; and, with `every`, one every so many seconds within it) is written
at the film's full resolution as players show it (stretched by its sample aspect ratio, turned
by its display matrix: `filmcolor.media.display`), gray (its luma), or in the automatic colour
(`auto`) as a start to correct. Each file is named by its 0-based frame number, which
is how the render finds where it belongs. keyframes.json names the film (its path and a hash
of its ends: a folder made for another film is refused, `check_film`), lists the pictures with
their times and shots, and the film's shots themselves (`cuts`, `transitions`): the list the guided render and the
studio follow (`listed_shots`), which the colourist may correct, in the studio or by hand.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from . import media
from .colour import PICTURE
from .configs import KeyframesConfig
from .devices import pick_device
from .errors import InputError, OutputError
from .guidance.cuts import Transition, check_threshold
from .guidance.keyframe_files import keyframe_name
from .guidance.shots import ShotList, finder, scan
from .inference import InferenceConfig, load_model
from .media.display import display
from .outputs import FolderKind, check_folder, folder_output
from .progress import Progress
from .settings import file_identity
from .stills import colour_picture

LIST = "keyframes.json"
LIST_FORMAT = "filmcolor-keyframes"
# in a keyframes folder: the studio's copy of its keyframes for a render running (a killed studio may leave it)
STUDIO_RENDER = ".studio-render"
# keyframes.json's "rest": the colour of what the strokes do not reach (`listed_rest`); absent: gray
REST_GRAY, REST_AUTOMATIC = "gray", "automatic"
RESTS = (REST_GRAY, REST_AUTOMATIC)
# A keyframes folder as `filmcolor keyframes` writes it: keyframes.json names every picture.
FOLDER = FolderKind(
    "keyframes",
    LIST,
    LIST_FORMAT,
    lambda listing: [keyframe_name(k["frame"]) for k in listing["keyframes"]],
    copies=(STUDIO_RENDER,),
)


@dataclass
class KeyframesResult:
    out_dir: Path
    keyframes: list[dict]  # as in keyframes.json
    shots: int
    seconds: float


def write_keyframes(
    film: str | Path,
    out_dir: str | Path,
    config: KeyframesConfig,
    inference: InferenceConfig,
    progress: Progress | None = None,
) -> KeyframesResult:
    """Write the keyframes of `film` into the folder `out_dir` (created; see the module's doc).
    FilmcolorError subclasses for what the user can fix, before any decoding but a damaged film."""
    t0 = time.perf_counter()
    film = media.check_input(film)
    media.choose_stream(film, config.stream)
    out_dir = Path(out_dir)
    check_folder(out_dir, FOLDER, config.overwrite)
    inference.check()
    if config.every is not None and not config.every > 0:
        raise OutputError(f"--every must be more than 0 seconds (got {config.every})")
    check_threshold(config.scene_threshold, "--scene-threshold")
    device = pick_device(inference.device) if config.auto else None
    model = load_model(inference.weights, device) if device is not None else None
    with folder_output(out_dir, FOLDER, config.overwrite) as tmp, media.open_film(film) as container:
        info = media.film_info(container)
        picked: list[dict] = []  # as in keyframes.json

        def write(index: int, t: float, luma: np.ndarray, shot: int) -> None:
            _write(tmp / keyframe_name(index), luma, info, model, device, inference)
            picked.append({"frame": index, "time": round(t, 6), "shot": shot})

        def picked_in(shot: int) -> bool:
            return bool(picked) and picked[-1]["shot"] == shot

        shots: list[list[int]] = []  # [first, last] frame of each
        cut_finder = finder(info.code_range, config.scene_threshold)
        shot_start_time, due = 0.0, 0.0  # both set at the first frame
        clear = 0  # the shot's first keyframe waits for this frame: past the dissolve or fade it comes in by
        last: tuple[media.Decoded, float] | None = None  # the frame before, and its time
        for item, starts in scan(container, cut_finder):
            t = float(item.pts * info.time_base)
            if starts:
                if last is not None and not picked_in(len(shots) - 1):  # it ended inside its dissolve: its last frame
                    write(last[0].index, last[1], last[0].luma(), len(shots) - 1)
                shots.append([item.index, item.index])
                shot_start_time, due = t, t
                clear = next((tr.last + 1 for tr in cut_finder.transitions if tr.cut == item.index), item.index)
            shots[-1][1] = item.index
            if t >= due - 1e-6 and item.index >= clear:
                write(item.index, t, item.luma(), len(shots) - 1)
                due = (
                    shot_start_time + config.every * (1 + int((t - shot_start_time) / config.every + 1e-6))
                    if config.every
                    else float("inf")
                )
            last = item, t
            if progress:
                progress(item.index + 1, max(info.frames, item.index + 2))  # the length is an estimate until the end
        if last is not None and not picked_in(len(shots) - 1):
            write(last[0].index, last[1], last[0].luma(), len(shots) - 1)
        if progress and shots:
            progress(shots[-1][1] + 1, shots[-1][1] + 1)
        for entry in picked:
            entry["shot_first"], entry["shot_last"] = shots[entry["shot"]]
        frames = shots[-1][1] + 1 if shots else 0
        listing = {
            "format": LIST_FORMAT,
            "version": 1,
            **film_fields(film),
            "auto": config.auto,
            "rest": REST_GRAY,
            "keyframes": picked,
            **shot_fields(ShotList([s[0] for s in shots[1:]], frames, cut_finder.transitions)),
        }
        (tmp / LIST).write_text(json.dumps(listing, indent=1) + "\n")
    return KeyframesResult(out_dir, picked, len(shots), time.perf_counter() - t0)


def shot_fields(shots: ShotList, edited: bool = False) -> dict:
    """The film's shots as keyframes.json holds them: `cuts` (the frames where a shot starts,
    after the first), `frames`, `transitions` (dissolves and fades, frames first to last and the
    frame taken as the new shot's start) and `shots_edited` (the colourist corrected them)."""
    return {
        "frames": shots.frames,
        "cuts": list(shots.cuts),
        "transitions": [{"first": t.first, "last": t.last, "cut": t.cut} for t in shots.transitions],
        "shots_edited": edited,
    }


def film_fields(film: Path) -> dict:
    """keyframes.json's record of the film it is made for: its path, and a hash of its first and
    last MiB (`settings.file_identity`), which the film keeps when moved, copied or renamed."""
    identity = file_identity(film)
    return {"film": identity["path"], "film_sha256_ends": identity["sha256_ends"]}


def read_listing(folder: str | Path) -> dict | None:
    """keyframes.json of `folder`; None where there is none (a folder made by hand). InputError
    for one that cannot be read or is no keyframes list: it holds the colourist's work (the
    shots corrected, the studio's revisions), so it is to be fixed, never written over."""
    path = Path(folder) / LIST
    if not path.is_file():
        return None
    try:
        listing = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
        raise InputError(
            f"{path} cannot be read ({reason}); fix it, or move it out of the folder to find the shots again"
        ) from None
    if not isinstance(listing, dict) or listing.get("format") != LIST_FORMAT:
        raise InputError(
            f'{path} is no list of filmcolor keyframes (no "format": "{LIST_FORMAT}"); fix it, or move it out of the folder to find the shots again'
        )
    return listing


def check_film(folder: str | Path, film: Path, another_film: bool = False) -> bool:
    """Whether the keyframes folder `folder` is of `film` (or names no film: made by hand); its
    pictures and shots fit another film's frames, seldom this one's, so InputError for a folder
    made for another film unless `another_film` (then False: its shot list is not this film's).
    The film is known by the hash of its ends (moved, copied or renamed, it is the same), or,
    in a list written before that was kept, by its file name."""
    listing = read_listing(folder) or {}
    named = listing.get("film")
    if not isinstance(named, str):
        return True
    digest = listing.get("film_sha256_ends")
    ours = digest == file_identity(film)["sha256_ends"] if isinstance(digest, str) else Path(named).name == film.name
    if ours or another_film:
        return ours
    raise InputError(
        f"--keyframes {folder} was made for {named} (its keyframes.json says), not {film}; pass --keyframes-of-another-film to use it all the same"
    )


def listed_shots(folder: str | Path, frames: int) -> ShotList | None:
    """The shots keyframes.json in `folder` lists, as `filmcolor keyframes` found them or the
    colourist corrected them (they win over the detector); None where it lists none (a folder
    made by hand). InputError for a list that cannot be read (`read_listing`), is not of this
    film's length or not a list of frames."""
    path = Path(folder) / LIST
    listing = read_listing(folder)
    if listing is None or "cuts" not in listing:
        return None
    cuts = listing["cuts"]
    if not isinstance(cuts, list) or not all(isinstance(c, int) and not isinstance(c, bool) for c in cuts):
        raise InputError(
            f"{path}: 'cuts' must be a list of frame numbers; fix it, or remove 'cuts' to find the shots again"
        )
    if listing.get("frames") != frames or any(not 0 < c < frames for c in cuts):
        raise InputError(
            f"{path} lists the shots of a film of {listing.get('frames')} frames, not of this one ({frames}); "
            "make the keyframes of this film with filmcolor keyframes"
        )
    transitions = [Transition(t["first"], t["last"], t["cut"]) for t in listing.get("transitions", [])]
    return ShotList(sorted(set(cuts)), frames, transitions)


def listed_rest(folder: str | Path) -> str:
    """What keyframes.json in `folder` says a stroke keyframe's unreached part keeps (its
    "rest"): "gray" (the default, and for a folder without one, or a list written before
    there was a choice) or "automatic" (the model's colour of that frame, `keyframe_mode`).
    The colourist's choice for the film, kept with the shots. InputError for another value."""
    listing = read_listing(folder) or {}
    rest = listing.get("rest", REST_GRAY)
    if rest not in RESTS:
        raise InputError(
            f'{Path(folder) / LIST}: "rest" must be "gray" or "automatic", not {json.dumps(rest)}; fix it, or remove it for gray'
        )
    return rest


def _write(path: Path, luma: np.ndarray, info: media.FilmInfo, model, device, inference: InferenceConfig) -> None:
    """One keyframe at the film's full resolution as shown (the colourist paints the frame as it
    plays, not as it is stored): its luma as gray R'G'B', or coloured by `model`."""
    y = np.clip(info.code_range.luma_to_unit(luma), 0.0, 1.0)  # (H, W)
    codes = PICTURE.unit_to_luma(y)  # 8-bit full range
    if model is None:
        rgb = np.repeat(codes[..., None], 3, axis=2)
    else:
        rgb = colour_picture(codes, model, device, inference)  # a gray picture's luma is the same in every matrix
    shown = display(info).show(rgb)
    if not cv2.imwrite(str(path), np.ascontiguousarray(shown[..., ::-1])):
        raise OutputError(f"could not write {path}; is the disk full?")
