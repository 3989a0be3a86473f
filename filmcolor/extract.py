"""Sampling a film's frames as a training domain: the pictures CycleGAN learns the film's look from.

The film is decoded from start to end (a damaged one fails as the render would) and the first
frame at or after every `every` seconds is picked. A picked frame loses its letterbox and
pillarbox bars, which would otherwise teach the model that films have black edges; it is
skipped when it teaches nothing (black, flat: title cards, blanks, fades) or repeats the
frame kept before it (a still shot would weigh many times in the domain). What is kept is
written as PNGs at the training size, with a manifest saying where each frame came from.

Output is all or nothing: frames go into a temporary folder beside the target, swapped into
place only once complete (`outputs.folder_output`), and an existing folder is replaced only
when it holds an earlier extract and nothing else, and the user said --overwrite.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

from . import media
from .errors import InputError, OutputError
from .outputs import FolderKind, check_folder, folder_output
from .pictures import resize_short_side
from .progress import Progress
from .settings import COUNT, POSITIVE, STREAM, Bounds, setting

# Thresholds on luma in [0, 1], whatever the film's bit depth and range.
BLACK_LEVEL = 0.06  # mean luma below this: a black frame; a row or column this dark (and flat) is a bar
FLAT_SPREAD = 0.03  # luma standard deviation below this: flat (title card, blank, deep fade); also for bars
DUPLICATE_DIFF = 0.02  # mean absolute difference of thumbnails below this: the same shot, not moved on
THUMB = 32  # thumbnail side for the duplicate test: blind to grain and compression noise
SKIP_REASONS = ("black", "uniform", "duplicate")
MANIFEST = "manifest.json"
MANIFEST_FORMAT = "filmcolor-extract"
FOLDER = FolderKind("extract", MANIFEST, MANIFEST_FORMAT, lambda manifest: [f["file"] for f in manifest["frames"]])


@dataclass(frozen=True)
class ExtractConfig:
    every: float = setting(2.0, "Seconds between sampled frames.", bounds=POSITIVE)
    max_frames: int | None = setting(None, "Stop after keeping this many frames.", bounds=COUNT)
    size: int = setting(
        286, "Short side of the written pictures, in px (CycleGAN loads 286 and crops 256).", bounds=Bounds(16)
    )
    keep_color: bool = setting(False, "Keep colour (to build a colour domain B from colour films).")
    stream: int | None = setting(None, media.STREAM_HELP, bounds=STREAM)
    overwrite: bool = setting(
        False,
        "Replace an earlier extract in OUTPUT (only the files its manifest.json lists; a folder holding anything else is refused).",
    )


@dataclass
class ExtractResult:
    out_dir: Path
    kept: int
    skipped: dict[str, int]  # reason -> count, for each of SKIP_REASONS
    seconds: float


def crop_box(luma: np.ndarray) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1) such that `luma[y0:y1, x0:x1]` is the picture without bars.

    `luma` is (H, W) in [0, 1]. A bar is a run of dark, flat rows (columns) from an edge; no
    bar is taken wider than a third of the picture's height (width), so a night scene or a
    fade keeps at least its middle third and is judged on that.
    """
    h, w = luma.shape
    dark_rows = (luma.mean(axis=1) < BLACK_LEVEL) & (luma.std(axis=1) < FLAT_SPREAD)  # (H,)
    dark_cols = (luma.mean(axis=0) < BLACK_LEVEL) & (luma.std(axis=0) < FLAT_SPREAD)  # (W,)
    top, bottom = _leading(dark_rows, h // 3), _leading(dark_rows[::-1], h // 3)
    left, right = _leading(dark_cols, w // 3), _leading(dark_cols[::-1], w // 3)
    return top, h - bottom, left, w - right


def _leading(flags: np.ndarray, limit: int) -> int:
    """How many of the first `limit` flags are True before the first False."""
    head = flags[:limit]
    return len(head) if head.all() else int(head.argmin())


def thumbnail(picture: np.ndarray) -> np.ndarray:
    """(THUMB, THUMB) float32 area average of an (H, W) luma picture: what the duplicate test compares."""
    return cv2.resize(picture.astype(np.float32), (THUMB, THUMB), interpolation=cv2.INTER_AREA)


def is_black(picture: np.ndarray) -> bool:
    return float(picture.mean()) < BLACK_LEVEL


def is_uniform(picture: np.ndarray) -> bool:
    return float(picture.std()) < FLAT_SPREAD


def is_duplicate(thumb: np.ndarray, previous: np.ndarray | None) -> bool:
    """Whether `thumb` repeats `previous` (the last kept frame's thumbnail; None before the first)."""
    return previous is not None and float(np.abs(thumb - previous).mean()) < DUPLICATE_DIFF


def skip_reason(picture: np.ndarray, thumb: np.ndarray, previous: np.ndarray | None) -> str | None:
    """Why a picked frame is left out (one of SKIP_REASONS), or None to keep it.

    `picture` is the (H, W) luma in [0, 1] without its bars, `thumb` its thumbnail and
    `previous` the last kept frame's. Black is tested first: a black frame is flat too, and
    the counts should tell a user which it was.
    """
    if is_black(picture):
        return "black"
    if is_uniform(picture):
        return "uniform"
    if is_duplicate(thumb, previous):
        return "duplicate"
    return None


def extract(
    source: str | Path, out_dir: str | Path, config: ExtractConfig, progress: Progress | None = None
) -> ExtractResult:
    """Write the kept frames of `source` and their manifest.json into the folder `out_dir`.

    Raises FilmcolorError subclasses for what the user can fix, all before decoding but a
    damaged film (DecodeError) and a film with no usable frame (InputError); `out_dir` is
    untouched unless the extract completed.
    """
    t0 = time.perf_counter()
    source = media.check_input(source)
    media.choose_stream(source, config.stream)
    out_dir = Path(out_dir)
    check_folder(out_dir, FOLDER, config.overwrite)
    _check_config(config)
    with folder_output(out_dir, FOLDER, config.overwrite) as tmp, media.open_film(source) as container:
        info = media.film_info(container)
        frames, skipped = _write_frames(container, info, tmp, config, progress)
        if not frames:
            counts = ", ".join(f"{skipped[r]} {r}" for r in SKIP_REASONS)
            raise InputError(f"no usable frames in {source}: {counts}; try a smaller --every")
        manifest = {
            "format": MANIFEST_FORMAT,
            "version": 1,
            "source": str(source.resolve()),
            "config": {
                "every": config.every,
                "max_frames": config.max_frames,
                "size": config.size,
                "keep_color": config.keep_color,
            },
            "rate": f"{info.rate.numerator}/{info.rate.denominator}",
            "frames": frames,
            "skipped": skipped,
            "kept": len(frames),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return ExtractResult(out_dir=out_dir, kept=len(frames), skipped=skipped, seconds=time.perf_counter() - t0)


def _check_config(config: ExtractConfig) -> None:
    if not config.every > 0:  # NaN too
        raise InputError(f"--every must be more than 0 seconds (got {config.every})")
    if config.size < 16:
        raise InputError(f"--size must be at least 16 px (got {config.size})")
    if config.max_frames is not None and config.max_frames < 1:
        raise InputError(f"--max-frames must be at least 1 (got {config.max_frames})")


def _picked_frames(
    container: av.container.InputContainer, info: media.FilmInfo, every: float, progress: Progress | None
) -> Iterator[tuple[int, float, av.VideoFrame]]:
    """Decode the whole film in order and yield (index, seconds, frame) for the first frame at
    or after each multiple of `every` seconds from its start.

    Every frame is decoded (compressed frames depend on each other) but only picked ones are
    converted. Running to the end checks the film was whole, as the render does.
    """
    tb = info.time_base  # of the stream the film is read from
    decoded, due = 0, info.start
    for item in media.read(container):
        t = float(item.pts * tb)
        if t >= due - 1e-6:
            if progress:
                progress(item.index + 1, max(info.frames, item.index + 1))
            yield item.index, t, item.frame
            due = info.start + (math.floor((t - info.start) / every + 1e-6) + 1) * every  # the next multiple after t
        decoded = item.index + 1
    if progress:
        progress(decoded, decoded)


def _write_frames(
    container: av.container.InputContainer,
    info: media.FilmInfo,
    folder: Path,
    config: ExtractConfig,
    progress: Progress | None,
) -> tuple[list[dict], dict[str, int]]:
    """Write the kept frames as frame-000001.png... into `folder`; their manifest entries and the skip counts."""
    frames: list[dict] = []
    skipped = dict.fromkeys(SKIP_REASONS, 0)
    previous = None  # thumbnail of the last kept frame
    for index, t, frame in _picked_frames(container, info, config.every, progress):
        luma = info.code_range.luma_to_unit(media.luma_plane(frame))  # (H, W) float32
        y0, y1, x0, x1 = crop_box(luma)
        picture = luma[y0:y1, x0:x1]  # (h, w)
        thumb = thumbnail(picture)
        reason = skip_reason(picture, thumb, previous)
        if reason:
            skipped[reason] += 1
            continue
        previous = thumb
        if config.keep_color:
            rgb = frame.to_ndarray(format="rgb24")[y0:y1, x0:x1]  # (h, w, 3)
            image = np.ascontiguousarray(resize_short_side(rgb, config.size)[..., ::-1])  # BGR for OpenCV
        else:
            # (h', w')
            image = np.rint(np.clip(resize_short_side(picture, config.size), 0.0, 1.0) * 255).astype(np.uint8)
        name = f"frame-{len(frames) + 1:06d}.png"
        if not cv2.imwrite(str(folder / name), image):
            raise OutputError(f"could not write {folder / name}; is the disk full?")
        frames.append({"file": name, "time": t, "index": index})
        if len(frames) == config.max_frames:
            break
    return frames, skipped
