"""The studio's state: one film, one keyframes folder, and everything the page does to them,
as plain methods (the HTTP routes in `app` only translate). The shot previews are made in
`previews`, the render runs as a `job`; here they are started from the keyframes' state.

The page names things by number only (a shot, a frame, a preview); every file name is made
here from a number, inside the keyframes folder, so nothing the page sends can point elsewhere.
Each change is written to the folder at once, atomically (a temporary name, then a rename):
the stroke picture `NNNNNN.png`, then `keyframes.json`. Each keyframe has a revision; a
change made on an older revision than the folder's (another tab) is refused (`Conflict`), and
the page reloads the strokes and puts its own on top.

The shots are keyframes.json's list where it holds one (`filmcolor keyframes` wrote it, or the
colourist corrected it here), else the detector's, written there once found. The colourist
merges a shot with the one before (a false cut) or splits one (a missed cut); each correction
is written at once, and `render --keyframes` follows it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import threading
import time
from bisect import bisect_left, bisect_right
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from . import engine
from .cache import Cache
from .errors import Conflict, StudioError
from .job import RENDER_FOLDER, RenderJob, output_path
from .previews import Previews

log = logging.getLogger(__name__)

THUMB_WIDTH = 192  # px, the shots strip's pictures
SWATCHES = 16  # colours kept as swatches, the most recent first
SKETCH_WIDTH = 1024  # px, the widest quick-fill sketch taken (the page sends its strokes at the working size)


@dataclass
class Shot:
    first: int
    end: int | None  # one past its last frame; None while the cut detection has not got there
    thumb: bytes | None  # JPEG; None until asked for, for a shot not met by the detector (listed, or split)


@dataclass
class KeyState:
    revision: int
    kind: str | None  # engine.kind of its strokes; None until read
    path: Path


# a fill on gray: (h, w, 2) chroma at the working size, and (h, w) reach (None: coloured whole)
Filled = tuple[np.ndarray, np.ndarray | None]


@dataclass
class Fill:
    revision: int
    coarse: Filled | None = None  # from the strokes as the page sent them, once asked for
    fine: Filled | None = None  # the render's own fill of the saved file, when done
    # (the rest is put under either as it is shown: a change of the rest fills nothing again)


class Session:
    """One film and its keyframes folder, shared by every tab and request (thread-safe)."""

    def __init__(self, film: engine.Film, folder: Path, output: Path | None = None) -> None:
        self.film, self.folder, self.output = film, Path(folder), output
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.shots: list[Shot] = []
        self.scanned, self.scan_finished = 0, False
        self.scan_error: str | None = None
        listing = engine.listing_of(self.folder)
        listed = engine.listed_cuts(self.folder, film.frames)
        self.transitions: list[engine.Transition] = []  # dissolves and fades, each one cut among the shots
        self.shots_edited = listed is not None and bool(listing.get("shots_edited", False))
        self.shot_edits = 0  # corrections made in this session: the pages reload the strip when it changes
        # the camera setups (found once the shots are, again after a correction) and the colourist's corrections
        self.setups = engine.Setups.listed(listing) or engine.Setups()
        if listed is not None:
            self._use_listed(*listed)
        revisions = {
            e["frame"]: int(e.get("revision", 0))
            for e in listing.get("keyframes", [])
            if isinstance(e, dict) and isinstance(e.get("frame"), int)
        }
        self.auto_listing = bool(listing.get("auto", False))
        # what a stroke keyframe's unreached part keeps: gray or the automatic colour (keyframes.json's "rest")
        self.rest = engine.listed_rest(self.folder)
        swatches = listing.get("studio", {}).get("swatches", []) if isinstance(listing.get("studio"), dict) else []
        self.swatches: list[str] = [s for s in swatches if _is_colour(s)][:SWATCHES]
        self.keyframes = {
            f: KeyState(revisions.get(f, 0), None, p) for f, p in engine.keyframe_pictures(self.folder, film).items()
        }
        self.grays = Cache(6)
        self.autos = Cache(6)
        self.bases = Cache(6)  # frame -> (h, w, 2) its automatic colour at the working size, as stored
        self.fills: Cache = Cache(12)
        self.fine_wanted: dict[int, int] = {}  # frame -> revision whose fine fill is to be made
        self.previews = Previews(film)
        self.render: RenderJob | None = None
        self.automatic = engine.Automatic()
        # the render's fill (a second of SciPy holding the GIL) in a process apart from the page's requests
        self.fine_pool = ProcessPoolExecutor(
            1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=engine.worker_start,
            initargs=(os.getpid(),),
        )
        self.closed = False
        for tmp in engine.leftovers(self.folder):  # left by a killed studio
            tmp.unlink(missing_ok=True)
        shutil.rmtree(self.folder / RENDER_FOLDER, ignore_errors=True)  # a killed studio's render's copy

    def _use_listed(self, cuts: list[int], transitions: list[engine.Transition]) -> None:
        """Take the shots keyframes.json lists: the detector is not run, so they can be corrected at once."""
        starts = [0, *cuts]
        ends = [*cuts, self.film.frames]
        self.shots = [Shot(first, end, None) for first, end in zip(starts, ends, strict=True)]
        self.transitions = list(transitions)
        self.scanned, self.scan_finished = self.film.frames, True

    # ---- background work -------------------------------------------------------------------

    def start(self) -> None:
        """Start the cut detection (unless the shots are listed), the reading of existing
        keyframes and the fine fills."""
        scan = () if self.scan_finished else (self._scan,)
        for target in (*scan, self._classify, self._fine_fills, self._find_setups):
            threading.Thread(target=target, daemon=True, name=f"studio{target.__name__}").start()
        with engine.sigint_held():  # the worker starts here (Ctrl-C is the studio's, not its)
            self.fine_pool.submit(engine.ready)  # its start (imports: seconds) before the first stroke, not after

    def close(self) -> None:
        """Stop everything the session started: the render (waited for: it removes its partial
        output, then its copy of the keyframes goes) and the fill worker."""
        with self.lock:
            self.closed = True
            self.changed.notify_all()
            job = self.render
        self.previews.close()
        if job is not None:
            job.stop()
        shutil.rmtree(self.folder / RENDER_FOLDER, ignore_errors=True)
        self.fine_pool.shutdown(wait=False, cancel_futures=True)

    def _scan(self) -> None:
        # at the page's own priority: the shots are what the user waits for first (at nice 5, on a CPU
        # shared with other jobs, the first shot came 2x later)
        transitions: list[engine.Transition] = []
        try:
            for index, starts, y8 in engine.scan(self.film, transitions=transitions):
                if self.closed:
                    return
                with self.lock:
                    if starts:
                        if self.shots:
                            self.shots[-1].end = index
                        self.shots.append(Shot(index, None, _thumbnail(y8)))
                    self.scanned = index + 1
            with self.lock:
                if self.shots:
                    self.shots[-1].end = self.scanned
                self.transitions = transitions
                self.scan_finished = True
                self._write_listing()  # the detector's list, for the render and the next start
        except Exception as exc:  # a damaged film: say so in the page, keep what was found
            log.warning("finding the shots stopped: %s", exc)
            with self.lock:
                self.scan_error, self.scan_finished = str(exc), True
                if self.shots:
                    self.shots[-1].end = self.scanned

    def _classify(self) -> None:
        """Read the keyframes the folder held at the start: what each is (blank, strokes, coloured)."""
        engine.in_background()
        for frame, state in list(self.keyframes.items()):
            if self.closed:
                return
            if state.kind is None:
                try:
                    kind = engine.kind(
                        engine.strokes_layer(state.path, (self.film.shown.width, self.film.shown.height))
                    )
                except engine.InputError:
                    kind = "blank"
                with self.lock:
                    if self.keyframes.get(frame) is state:
                        state.kind = kind

    def _fine_fills(self) -> None:
        """The render's own fill of each saved keyframe, the latest revision of each, one at a time."""
        while True:
            with self.lock:
                while not self.fine_wanted and not self.closed:
                    self.changed.wait()
                if self.closed:
                    return
                frame, revision = self.fine_wanted.popitem()
                state = self.keyframes.get(frame)
            if state is None or state.revision != revision:
                continue
            try:
                filled = self.fine_pool.submit(engine.render_fill, self.film, state.path, frame).result()
            except (engine.InputError, BrokenProcessPool) as exc:
                log.warning("keyframe %d: %s", frame, exc)
                continue
            with self.lock:
                fill = self.fills.get_recent(frame)
                if fill is not None and fill.revision == revision and self.keyframes[frame].revision == revision:
                    fill.fine = filled
                self.changed.notify_all()

    def _find_setups(self) -> None:
        """The camera setups among the shots, once they are all found and again after each
        correction (the colourist's joins and leaves kept); written into keyframes.json."""
        engine.in_background()
        while True:
            with self.lock:
                while not self.closed and (
                    not self.scan_finished or self.scan_error is not None or self.setups.starts == self._starts()
                ):
                    self.changed.wait(timeout=0.5)
                if self.closed:
                    return
                starts = self._starts()
                gradual = {t.cut for t in self.transitions}
            try:
                found = engine.find_setups(self.film, starts, gradual)
            except engine.InputError as exc:
                log.warning("finding the camera setups stopped: %s", exc)
                return
            with self.lock:
                if self._starts() == starts:
                    found.edits = dict(self.setups.edits)
                    self.setups = found
                    self._write_listing()

    def _starts(self) -> list[int]:
        return [s.first for s in self.shots]

    def _setups_state(self, keyed: list[bool]) -> dict:
        """The setups as shot numbers, and the shots with no keyframe that borrow colour from a
        painted shot of their setup (the first painted one), as the render will. Under the lock."""
        starts = self._starts()
        number = {f: n for n, f in enumerate(starts)}
        groups = [[number[f] for f in g] for g in self.setups.groups(starts)] if self.scan_finished else []
        borrowing = {}
        for g in groups:
            painted = [n for n in g if keyed[n]]
            borrowing.update({str(n): painted[0] for n in g if painted and not keyed[n]})
        return {"setups": groups, "borrowing": borrowing}

    # ---- what the page reads ---------------------------------------------------------------

    def state(self, since: int = 0) -> dict:
        """The film, the shots from number `since` on (and the last one before, whose end may
        have moved), the cut detection's progress, the keyframes, the swatches and the render."""
        shown = self.film.shown
        with self.lock:
            first = max(0, min(since, len(self.shots)) - 1)
            shots = [{"n": n, "first": s.first, "end": s.end} for n, s in enumerate(self.shots[first:], first)]
            keyed = self._keyed()
            return {
                "film": {
                    "name": self.film.path.name,
                    "width": shown.width,  # as shown: the shape the page paints at
                    "height": shown.height,
                    "frames": self.film.frames,
                    "rate": self.film.rate,
                    "work": list(self.film.shown_size),
                },
                "folder": self.folder.name,
                "shots": shots,
                "shot_count": len(self.shots),
                # shots with no keyframe the render reads: it gives them the automatic colour
                "unkeyed": [n for n, k in enumerate(keyed) if not k],
                **self._setups_state(keyed),
                "shots_edited": self.shots_edited,
                "shot_edits": self.shot_edits,
                "scan": {
                    "done": self.scanned,
                    "total": self.film.frames,
                    "finished": self.scan_finished,
                    "error": self.scan_error,
                },
                "keyframes": {
                    str(f): {"revision": s.revision, "kind": s.kind} for f, s in sorted(self.keyframes.items())
                },
                "swatches": list(self.swatches),
                "rest": self.rest,
                "render": self._render_state(),
            }

    def _keyed(self) -> list[bool]:
        """Whether each shot has a keyframe the render reads (any but a blank one; one not read yet
        counts). Under the lock."""
        keys = sorted(f for f, s in self.keyframes.items() if s.kind != "blank")
        ends = [s.end if s.end is not None else self.film.frames for s in self.shots]
        return [bisect_left(keys, s.first) < bisect_left(keys, end) for s, end in zip(self.shots, ends, strict=True)]

    def thumb(self, n: int) -> bytes:
        """Shot `n`'s picture in the strip: its first frame (decoded when first asked for, where
        the detector did not pass it: a listed or a split shot)."""
        with self.lock:
            if not 0 <= n < len(self.shots):
                raise StudioError(404, f"no shot {n}")
            shot = self.shots[n]
            if shot.thumb is not None:
                return shot.thumb
        data = _thumbnail(self.gray(shot.first))
        with self.lock:
            shot.thumb = data
        return data

    def gray(self, frame: int) -> np.ndarray:
        """(H, W) uint8 gray frame `frame` (the last few kept)."""
        self._check_frame(frame)
        with self.lock:
            gray = self.grays.get_recent(frame)
        if gray is None:
            gray = engine.gray_frame(self.film, frame)
            with self.lock:
                self.grays.put(frame, gray)
        return gray

    def gray_jpeg(self, frame: int, width: int | None = None) -> bytes:
        return engine.encode_jpeg(_narrow(self.gray(frame), width), 92)

    def auto_jpeg(self, frame: int) -> bytes:
        """Frame `frame` in the automatic colour (the render's predictor), at the frame's size."""
        self._check_frame(frame)
        with self.lock:
            data = self.autos.get_recent(frame)
        if data is None:
            data = engine.encode_jpeg(self.automatic(self.gray(frame)), 92)
            with self.lock:
                self.autos.put(frame, data)
        return data

    def strokes_png(self, frame: int) -> tuple[bytes, int]:
        """(the keyframe's strokes as an RGBA PNG of the frame's size as shown, clear where none; its revision)."""
        self._check_frame(frame)
        with self.lock:
            state = self.keyframes.get(frame)
        size = (self.film.shown.width, self.film.shown.height)
        if state is None:
            return engine.encode_png(np.zeros((size[1], size[0], 4), np.uint8)), 0
        return engine.encode_png(engine.strokes_layer(state.path, size)), state.revision

    def filled_jpeg(
        self, frame: int, fine: bool = False, width: int | None = None, wait: float = 30.0
    ) -> tuple[bytes, int, str]:
        """(the keyframe filled from its strokes, as a JPEG `width` wide; its revision; 'coarse',
        'fine' or 'gray'). `fine`: wait (up to `wait` s) for the render's own fill of the latest
        revision; else the best there is now, at once."""
        self._check_frame(frame)
        gray = self.gray(frame)
        with self.lock:
            state = self.keyframes.get(frame)
        if state is None:
            return engine.encode_jpeg(_narrow(gray, width), 90), 0, "gray"
        fill = self._fill(frame, state)
        if fine:
            deadline = time.monotonic() + wait
            with self.lock:
                while (
                    fill.fine is None
                    and fill.revision == self.keyframes[frame].revision
                    and time.monotonic() < deadline
                    and not self.closed
                ):
                    self.changed.wait(timeout=max(0.0, deadline - time.monotonic()))
        filled = fill.fine
        if filled is None:
            if fill.coarse is None:
                strokes = engine.strokes_layer(state.path, (gray.shape[1], gray.shape[0]))
                fill.coarse = engine.quick_fill(self.film, engine.keyframe_picture(gray, strokes))
            filled = fill.coarse
        quality = "fine" if fill.fine is not None else "coarse"
        chroma = self._on_rest(frame, *filled)
        return engine.encode_jpeg(engine.join_chroma(gray, chroma, width), 90), fill.revision, quality

    def sketch_jpeg(self, frame: int, data: bytes, width: int | None = None) -> bytes:
        """The keyframe filled from `data`, its strokes as the page has them now (an RGBA PNG of
        the film's shape, at most SKETCH_WIDTH wide: the working size is enough, the fill runs
        there), as a JPEG `width` wide: the quick fill shown as a stroke ends, while the
        full-size strokes are being saved. Nothing is written."""
        self._check_frame(frame)
        w, h = _png_size(data)
        shown = self.film.shown
        if (
            not 0 < w <= SKETCH_WIDTH
            or h == 0
            or abs(w / h - shown.width / shown.height) > 0.02 * shown.width / shown.height
        ):
            raise StudioError(
                422,
                f"the sketch is {w}x{h}: send the film's shape as shown ({shown.shape}), at most {SKETCH_WIDTH} wide",
            )
        strokes = _rgba(data)
        gray = self.gray(frame)
        filled = engine.quick_fill(
            self.film, engine.keyframe_picture(cv2.resize(gray, (w, h), interpolation=cv2.INTER_AREA), strokes)
        )
        return engine.encode_jpeg(engine.join_chroma(gray, self._on_rest(frame, *filled), width), 90)

    def _on_rest(self, frame: int, chroma: np.ndarray, reach: np.ndarray | None) -> np.ndarray:
        """A fill of keyframe `frame` made on gray, with the folder's rest where its strokes do
        not reach (the automatic colour of the frame, `base`, or gray), as the render will colour it."""
        if self.rest != engine.REST_AUTOMATIC or reach is None:
            return chroma
        return engine.on_rest(chroma, reach, self.film.shown.turn(self.base(frame)))

    def base(self, frame: int) -> np.ndarray:
        """(h, w, 2) frame `frame`'s automatic colour at the working size, as stored (`engine.Automatic.base`; the last few kept)."""
        self._check_frame(frame)
        with self.lock:
            base = self.bases.get_recent(frame)
        if base is None:
            base = self.automatic.base(self.film, frame)
            with self.lock:
                self.bases.put(frame, base)
        return base

    def _fill(self, frame: int, state: KeyState) -> Fill:
        """The fill of the keyframe's latest revision, its render's own fill asked for if new."""
        with self.lock:
            fill = self.fills.get_recent(frame)
            if fill is None or fill.revision != state.revision:
                fill = Fill(state.revision)
                self.fills.put(frame, fill)
                self.fine_wanted[frame] = state.revision
                self.changed.notify_all()
            return fill

    # ---- what the page changes -------------------------------------------------------------

    def save_strokes(self, frame: int, data: bytes, base_revision: int, swatch: str | None = None) -> int:
        """Save `data` (an RGBA PNG of the frame's size: the keyframe's strokes) as keyframe
        `frame`'s next revision; Conflict when the keyframe is not at `base_revision` any more.
        `swatch`: the colours the new strokes used (#rrggbb, comma-separated), the latest first.
        Returns the new revision; its coarse fill is made before returning."""
        self._check_frame(frame)
        width, height = self.film.shown.width, self.film.shown.height
        declared = _png_size(data)
        if declared != (width, height):
            raise StudioError(422, f"the strokes are {declared[0]}x{declared[1]}, not the keyframe's {width}x{height}")
        strokes = _rgba(data)
        gray = self.gray(frame)
        picture = engine.keyframe_picture(gray, strokes)
        with self.lock:
            state = self.keyframes.get(frame)
            current = state.revision if state else 0
            if base_revision != current:
                raise Conflict(current)
            # a keyframe coloured elsewhere (.jpg, ref_000123.png) is kept aside: its colour is in the strokes now
            if state is not None and state.path.name != engine.keyframe_name(frame):
                state.path.rename(state.path.with_name(state.path.name + ".orig"))
            path = engine.save_keyframe(self.folder, frame, picture)
            revision = current + 1
            self.keyframes[frame] = KeyState(revision, engine.kind(strokes), path)
            used = [c.strip().lower() for c in (swatch or "").split(",") if _is_colour(c.strip())]
            self.swatches = [*dict.fromkeys(used), *[c for c in self.swatches if c not in used]][:SWATCHES]
            self._write_listing()
            self.fills.put(frame, Fill(revision))  # the page shows its own quick fill; the render's is made next
            self.fine_wanted[frame] = revision
            self.changed.notify_all()
        return revision

    def set_rest(self, rest: str) -> dict:
        """What every stroke keyframe's unreached part keeps from now on, in the studio's fills,
        previews and renders: "gray" or "automatic" (its frame's automatic colour). Kept in
        keyframes.json for `render --keyframes`. Returns the page's state."""
        if rest not in engine.RESTS:
            raise StudioError(400, f'the rest is "gray" or "automatic", not {rest!r}')
        with self.lock:
            self.rest = rest
            self._write_listing()
        return self.state()

    def keyframe_kind(self, frame: int) -> str | None:
        """What keyframe `frame`'s strokes are (engine.kind), None for no keyframe or one not read yet."""
        with self.lock:
            state = self.keyframes.get(frame)
            return None if state is None else state.kind

    # ---- correcting the shots -----------------------------------------------------------------

    def merge_shot(self, n: int) -> dict:
        """Shot `n` joins shot `n - 1` (its cut was false); its keyframes are the joined shot's.
        Returns the page's state, every shot in it."""
        with self.lock:
            self._check_shots_editable()
            if not 0 <= n < len(self.shots):
                raise StudioError(404, f"no shot {n}")
            if n == 0:
                raise StudioError(409, "the first shot has no shot before it to merge with")
            gone = self.shots.pop(n)
            self.shots[n - 1].end = gone.end
            self.transitions = [t for t in self.transitions if t.cut != gone.first]
            self._shots_changed()
        return self.state()

    def split_shot(self, frame: int) -> dict:
        """A new shot starts at `frame` (a cut the detector missed). Returns the page's state."""
        self._check_frame(frame)
        with self.lock:
            self._check_shots_editable()
            n = _shot_of([s.first for s in self.shots], frame)
            assert n is not None  # the shots are all found: the first starts at frame 0
            shot = self.shots[n]
            if frame == shot.first:
                raise StudioError(
                    409, f"frame {frame} is the first frame of shot {n + 1} already: show a later frame to split there"
                )
            self.shots.insert(n + 1, Shot(frame, shot.end, None))
            shot.end = frame
            self._shots_changed()
        return self.state()

    def set_setup(self, n: int, other: int | None) -> dict:
        """The colourist joins shot `n` to the setup of shot `other`, or (None) takes it out of its
        setup; kept in keyframes.json, where it wins over the setups found. Returns the page's state."""
        with self.lock:
            self._check_shots_editable()
            for m in (n, other):
                if m is not None and not 0 <= m < len(self.shots):
                    raise StudioError(404, f"no shot {m}")
            if other == n:
                raise StudioError(409, f"shot {n + 1} is in its own setup already")
            self.setups.edit(self.shots[n].first, None if other is None else self.shots[other].first)
            self.shot_edits += 1
            self._write_listing()
        return self.state()

    def _check_shots_editable(self) -> None:
        """Corrections need the whole list: refused while the shots are being found or where finding them stopped."""
        if not self.scan_finished:
            raise StudioError(409, "the shots are still being found: correct them once all are found")
        if self.scan_error is not None:
            raise StudioError(409, f"the shots could not all be found ({self.scan_error}): they cannot be corrected")

    def _shots_changed(self) -> None:
        """A correction made (under the lock): written at once, for the render and the next start."""
        self.shots_edited = True
        self.shot_edits += 1
        self._write_listing()

    def _shot_fields(self) -> dict:
        """The shot list's fields of keyframes.json, once the whole list is known ({} before). Under the lock."""
        if not self.scan_finished or self.scan_error is not None:
            return {}
        cuts = [s.first for s in self.shots[1:]]
        return engine.shot_list_fields(cuts, self.film.frames, self.transitions, self.shots_edited)

    def _write_listing(self) -> None:
        """keyframes.json as `filmcolor keyframes` writes it (frame, time, shot and its frames,
        the film's shots), with each keyframe's revision and kind, whether the colourist
        corrected the shots, and the studio's swatches. Under the lock."""
        tb, entries = self.film.info.time_base, []
        starts = [s.first for s in self.shots]
        for frame, state in sorted(self.keyframes.items()):
            entry = {
                "frame": frame,
                "time": round(float(self.film.times[frame] * tb), 6),
                "revision": state.revision,
                "kind": state.kind,
            }
            n = _shot_of(starts, frame)
            end = None if n is None else self.shots[n].end
            if n is not None and end is not None:
                entry.update(shot=n, shot_first=self.shots[n].first, shot_last=end - 1)
            entries.append(entry)
        listing = {
            "format": engine.LIST_FORMAT,
            "version": 1,
            **engine.film_fields(self.film.path),
            "auto": self.auto_listing,
            "rest": self.rest,
            "keyframes": entries,
            **self._shot_fields(),
            **(self.setups.fields() if self.setups.starts or self.setups.edits else {}),
            "studio": {"swatches": self.swatches},
        }
        engine.write_listing(self.folder, listing)

    # ---- the shot preview --------------------------------------------------------------------

    def start_preview(self, frame: int) -> dict:
        """Carry the keyframes of the shot of `frame` through it (`Previews.start`) in the
        background; returns the preview's id and frames."""
        self._check_frame(frame)
        with self.lock:
            n = _shot_of([s.first for s in self.shots], frame)
            end = None if n is None else self.shots[n].end
            if n is None or end is None or frame >= end:
                raise StudioError(409, "this shot's end is not found yet; wait for the shots to be found")
            first = self.shots[n].first
            files = self._coloured(first, end)
            lender = None
            lent = self._setups_state(self._keyed())["borrowing"].get(str(n))
            if not files and lent is not None:  # the colour it borrows from its setup's painted shot, as the render
                l_first, l_end = self.shots[lent].first, self.shots[lent].end or self.film.frames
                lender = (l_first, l_end, self._coloured(l_first, l_end))
            if not files and lender is None:
                raise StudioError(409, "no keyframe of this shot is coloured yet: paint a stroke first")
            gradual = {t.cut for t in self.transitions}
        base = self.base if self.rest == engine.REST_AUTOMATIC else None
        return self.previews.start(n, first, end, frame, files, lender, base, gradual)

    def _coloured(self, first: int, end: int) -> dict[int, Path]:
        """The coloured keyframes of frames [first, end). Under the lock."""
        return {f: s.path for f, s in self.keyframes.items() if first <= f < end and s.kind in ("strokes", "coloured")}

    def preview_state(self, pid: int) -> dict:
        return self.previews.state(pid)

    def preview_frame(self, pid: int, k: int) -> bytes:
        return self.previews.frame(pid, k)

    # ---- the render --------------------------------------------------------------------------

    def start_render(self) -> dict | None:
        """Start `render --keyframes` on a copy of the folder's keyframes, in a process of its own."""
        with self.lock:
            if self.render is not None and not self.render.finished:
                raise StudioError(409, "a render is running already")
            files = {f: s.path for f, s in self.keyframes.items() if s.kind != "blank"}
            if not files:
                raise StudioError(409, "no keyframe is coloured yet: paint on at least one")
            output = output_path(self.film.path, self.output)
            fields = {**self._shot_fields(), "rest": self.rest}  # the shots as they are now, and the rest
            self.render = RenderJob(self.film, self.folder, files, fields, output)
        return self._render_state()

    def cancel_render(self) -> dict | None:
        with self.lock:
            job = self.render
        if job is not None:
            job.cancel()
        return self._render_state()

    def _render_state(self) -> dict | None:
        """The render's progress for the page; None before the first."""
        job = self.render
        return None if job is None else job.state()

    def _check_frame(self, frame: int) -> None:
        if not 0 <= frame < self.film.frames:
            raise StudioError(404, f"no frame {frame}: the film has {self.film.frames}")


def _png_size(data: bytes) -> tuple[int, int]:
    """(width, height) an uploaded PNG declares, read before it is decoded (`engine.png_size`)."""
    size = engine.png_size(data)
    if size is None:
        raise StudioError(415, "the strokes must be a PNG with transparency (RGBA)")
    return size


def _rgba(data: bytes) -> np.ndarray:
    """(H, W, 4) uint8 RGBA of an uploaded PNG whose size was checked (`_png_size`)."""
    strokes = engine.decode_png(data)
    if strokes is None:
        raise StudioError(415, "the strokes must be a PNG with transparency (RGBA)")
    return strokes


def _shot_of(starts: list[int], frame: int) -> int | None:
    """The number of the shot `frame` is in, among shots starting at `starts` (None before the first)."""
    n = bisect_right(starts, frame) - 1
    return n if n >= 0 else None


def _thumbnail(gray: np.ndarray) -> bytes:
    """A shot's picture in the strip (JPEG, THUMB_WIDTH wide) of its first frame, (h, w) uint8 gray."""
    h, w = gray.shape
    small = cv2.resize(gray, (THUMB_WIDTH, max(1, round(h * THUMB_WIDTH / w))), interpolation=cv2.INTER_AREA)
    return engine.encode_jpeg(small, 85)


def _narrow(gray: np.ndarray, width: int | None) -> np.ndarray:
    if width and width < gray.shape[1]:
        return cv2.resize(
            gray, (width, max(1, round(gray.shape[0] * width / gray.shape[1]))), interpolation=cv2.INTER_AREA
        )
    return gray


def _is_colour(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) == 7
        and value[0] == "#"
        and all(c in "0123456789abcdefABCDEF" for c in value[1:])
    )
