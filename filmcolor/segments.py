"""Segments of a long render and the work folder that keeps them, so no crash costs finished work.

A film is cut at sync frames (the codec's key frames, where decoding can start) into segments
of about a minute. Each segment is rendered to its
own file in a work folder beside the output and renamed into place only when complete, with
the smoothing state at its end; the folder's manifest names the film and the settings. Run
again after an interruption (even `kill -9`), the render skips the complete segments and goes
on from the first missing one; another film or other settings are refused, since mixing
them would give a film of two renders. The finished segments are joined by stream copy
(`filmcolor.media.writer.join`). Segments render here one after another (`render_segments`), or
at once on a Ray cluster (`filmcolor.cluster`).
"""

from __future__ import annotations

import json
import shutil
from bisect import bisect_left
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from . import media
from .configs import SegmentConfig as SegmentConfig  # defined with the CLI's light settings; imported from here too
from .errors import InputError
from .guidance.guide import Guidance
from .outputs import atomic_output, beside
from .progress import Progress
from .renderer import Renderer
from .settings import file_identity

MANIFEST = "manifest.json"
# the form of a segment's saved state (the smoother's and the guide's): a work folder saved in
# another is not gone on with (2: the carrier's plain colour, `guidance.carry.Carrier.plain`)
STATE = 2


@dataclass(frozen=True)
class Segment:
    index: int
    start_pts: int  # a sync frame's pts, in the video stream's time base
    end_pts: int | None  # the next segment's start_pts; None for the last
    first_frame: int  # the film's index of its first frame
    frames: int
    # the pts of the film's frame before its first (None for the first): frames lost at the join are found
    before_pts: int | None = None

    @property
    def name(self) -> str:
        return f"segment-{self.index:05d}"


def divide(times: list[int], sync: list[int], time_base: Fraction, seconds: float) -> list[Segment]:
    """Segments starting at the first sync frame at or after each `seconds` step from the film's
    first frame. `times` are every frame's pts, sorted; `sync` the sync frames' pts (the codec's
    key frames, `media.video_times`). Encoders put a sync frame at most scene cuts, so segment
    joins tend to fall on cuts."""
    if not times:
        return []
    step = max(1, round(seconds / time_base))  # in pts units
    starts = [times[0]]
    for key in sync:
        if key >= starts[-1] + step:
            starts.append(key)
    bounds = [bisect_left(times, t) for t in starts] + [len(times)]
    return [
        Segment(
            index=i,
            start_pts=starts[i],
            end_pts=starts[i + 1] if i + 1 < len(starts) else None,
            first_frame=bounds[i],
            frames=bounds[i + 1] - bounds[i],
            before_pts=times[bounds[i] - 1] if bounds[i] else None,
        )
        for i in range(len(starts))
    ]


def work_folder(output: Path) -> Path:
    """The work folder for `output`: named after the output, never after the input, so it can
    only ever hold this render's pieces."""
    return beside(output, ".filmcolor-work")


# no codec headers apart: segments coded for MP4 or Matroska cannot be copied in
ONE_PASS_ONLY = (".avi", ".ts", ".m2ts", ".mts", ".mpg", ".mpeg", ".mxf", ".vob")


def segment_suffix(output: Path) -> str | None:
    """The container of the segment files for `output`: MP4 for MP4 and QuickTime outputs (its
    timescale keeps every timestamp exact, as the output will), Matroska for any other (it
    takes whatever the encoder emits, repeated decode timestamps too). None for outputs whose
    video must carry its codec headers in the stream (AVI, MPEG-TS, MXF): those render in one pass."""
    suffix = output.suffix.lower()
    if suffix in ONE_PASS_ONLY:
        return None
    return output.suffix if suffix in (".mp4", ".mov", ".m4v") else ".mkv"


class WorkFolder:
    """The segments of one render on disk, with the manifest that says which render they are."""

    def __init__(self, output: Path, manifest: dict, restart: bool = False) -> None:
        """Open the work folder of `output` for the render `manifest` describes, creating it, or
        going on with it when it holds the same render; InputError when it holds finished work
        of another (a folder with none, left by a run that failed at its start, is replaced)."""
        self.path = work_folder(output)
        self.suffix = segment_suffix(output)
        self.manifest = json.loads(json.dumps(manifest))  # as it reads back from JSON
        manifest_file = self.path / MANIFEST
        if self.path.exists():
            if not manifest_file.is_file():
                raise InputError(f"{self.path} exists but is not a filmcolor work folder; move it away")
            try:
                stored = json.loads(manifest_file.read_text())
            except (OSError, json.JSONDecodeError):
                stored = None
            finished = any(self.path.glob("segment-*.npz"))
            if stored != self.manifest and finished and not restart:
                raise InputError(f"{self.path} holds an unfinished render {_what_differs(stored, self.manifest)}")
            if stored != self.manifest or restart:
                shutil.rmtree(self.path)
            else:
                for leftover in self.path.glob(".*.part*"):  # a segment being written when the run was killed
                    leftover.unlink()
        if not self.path.exists():
            self.path.mkdir()
            with atomic_output(manifest_file) as tmp:
                tmp.write_text(json.dumps(self.manifest, indent=1))

    @classmethod
    def attach(cls, path: Path, suffix: str) -> WorkFolder:
        """A work folder the driver has already checked, as a worker sees it (a Ray task)."""
        folder = cls.__new__(cls)
        folder.path, folder.suffix = Path(path), suffix
        folder.manifest = json.loads((folder.path / MANIFEST).read_text())
        return folder

    def part(self, segment: Segment) -> Path:
        return self.path / f"{segment.name}{self.suffix}"

    def _state(self, segment: Segment) -> Path:
        return self.path / f"{segment.name}.npz"

    def done(self, segment: Segment) -> bool:
        return self.part(segment).is_file() and self._state(segment).is_file()

    def save(
        self,
        segment: Segment,
        smoother_state: dict[str, np.ndarray],
        cuts: list[int],
        frames: int,
        damage: list[media.Damage] | None = None,
    ) -> None:
        """Record a finished segment's end: the smoothing state, the cuts found in it, the frames
        written and the damage skipped. Written after the segment's file, so a segment counts as
        done only with both."""
        notes = json.dumps([asdict(d) for d in damage or []])
        with atomic_output(self._state(segment)) as tmp:
            with open(tmp, "wb") as f:
                arrays = {
                    "cuts": np.asarray(cuts, np.int64),
                    "frames": np.int64(frames),
                    "damage": np.array(notes),
                    **smoother_state,
                }
                # mypy matches **arrays against savez's `allow_pickle: bool` (numpy >= 2.1); no array is named so
                np.savez(f, **arrays)  # type: ignore[arg-type]

    def load(self, segment: Segment) -> tuple[dict[str, np.ndarray], list[int], int, list[media.Damage]]:
        """(smoothing state, cuts, frames, damage skipped) of a finished segment."""
        with np.load(self._state(segment)) as data:
            state = {k: data[k] for k in data.files if k not in ("cuts", "frames", "damage")}
            return (
                state,
                data["cuts"].tolist(),
                int(data["frames"]),
                [media.Damage(**d) for d in json.loads(str(data["damage"]))],
            )

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _changes(old: object, new: object, name: str = "") -> list[str]:
    """The settings (dotted names) whose values differ between two manifests' settings."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [
            c
            for key in sorted(set(old) | set(new))
            for c in _changes(old.get(key), new.get(key), f"{name}.{key}" if name else key)
        ]
    return [name] if old != new else []


def _what_differs(stored: dict | None, now: dict) -> str:
    """Why a work folder's render is not this one, and what to do, in the user's words."""
    if not stored or stored.get("film") != now["film"]:
        return "of another film (or the film has changed); run that command again to finish it, or pass --restart to discard it"
    if stored.get("state") != now["state"]:
        return (
            "saved by another version of filmcolor, which this one cannot go on with; pass --restart to render it again"
        )
    changed = _changes(stored.get("settings"), now["settings"])
    if changed and all(c.endswith("keyframes") for c in changed):
        return "whose keyframes have changed since (a picture edited, added or removed); pass --restart to render again with them"
    if not changed:
        return "of another segment plan; pass --restart to discard it"
    names = ", ".join(f"--{c.split('.')[-1].replace('_', '-')}" for c in changed)
    return f"of other settings ({names} {'differs' if len(changed) == 1 else 'differ'}); run that command again to finish it, or pass --restart to discard it"


def manifest(film: Path, settings: dict, segments: list[Segment]) -> dict:
    """What a work folder holds the pieces of: the film, the settings that shape the output,
    and the segments it is divided into, and the form their saved state takes (`STATE`)."""
    return {
        "film": file_identity(film),
        "state": STATE,
        "settings": settings,
        "segments": [asdict(s) for s in segments],
    }


def render_segment(
    source: Path,
    work: WorkFolder,
    segment: Segment,
    renderer: Renderer,
    state: dict | None,
    damaged: str = "stop",
    progress: Callable[[int], None] | None = None,
    guide: Guidance | None = None,
    cuts: Collection[int] = (),
) -> dict:
    """Render one segment into its file in `work` (video only), starting the smoothing (and a
    guided render's carried colour) from `state` (the previous segment's end) or afresh (the
    carried colour then followed from its keyframe: `Guidance.preroll`); records and returns the
    state at its end. `damaged`: what to do where the film is damaged (`media.read`). `cuts`:
    the frames where a shot starts, found over the whole film before (a guided render's are its guide's)."""
    smoother = renderer.smoother(guide, segment.first_frame, state)
    written, damage = 0, list[media.Damage]()

    def count(n: int) -> None:
        nonlocal written
        written += n
        if progress:
            progress(n)

    with media.open_film(source) as container:
        # a worker process: read the stream the render chose
        if media.video_stream(container).index != renderer.info.stream:
            media.choose_stream(source, renderer.info.stream)
        with atomic_output(work.part(segment)) as tmp:
            with renderer.writer(tmp, container, copy_streams=False) as writer:
                frames = media.read(
                    container,
                    segment.start_pts,
                    segment.end_pts,
                    first_index=segment.first_frame,
                    damaged=damaged,
                    notes=damage,
                    before=segment.before_pts,
                )
                found = renderer.run(frames, writer, smoother, count, guide, None if guide else set(cuts))
            if not written:  # all of it lost and skipped (`damaged="skip"`): an empty file, which the join leaves out
                tmp.write_bytes(b"")
    state = {**smoother.state(), **(guide.state() if guide is not None else {})}
    work.save(segment, state, found, written, damage)
    return state


def render_segments(
    source: Path,
    work: WorkFolder,
    parts: list[Segment],
    make_renderer: Callable[[], Renderer],
    damaged: str,
    progress: Progress | None,
    make_guide: Callable[[], Guidance] | None = None,
    cuts: Collection[int] = (),
) -> dict[str, float]:
    """Render the missing segments in order, the smoothing (and carried colour) from each into
    the next; returns the stages' busy seconds. `make_renderer` and `make_guide` (a guided
    render) are called once, if anything is left to do. `cuts`: as `render_segment`."""
    total = sum(s.frames for s in parts)
    done = sum(s.frames for s in parts if work.done(s))
    renderer: Renderer | None = None
    guide: Guidance | None = None
    state = None
    if progress and done:
        progress(done, total)

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    for prev, segment in zip([None, *parts[:-1]], parts, strict=True):
        if work.done(segment):
            continue
        if state is None and prev is not None:  # going on after an earlier run: where it left the smoothing
            state = work.load(prev)[0]
        if renderer is None:
            renderer, guide = make_renderer(), make_guide() if make_guide else None
        state = render_segment(source, work, segment, renderer, state, damaged, advance, guide, cuts)
    return renderer.busy if renderer else {}
