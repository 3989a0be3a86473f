"""The studio's shot previews: the keyframes of one shot carried through it (`engine.carry_shot`,
as the render carries them) in a thread of its own, each frame kept as a JPEG as it comes, so
the page plays the shot while the rest is still being made.

The page shows one preview at a time: a new one cancels those before it, and the last two are
kept (the page may still be fetching the frames of the one before)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import engine
from .cache import Cache
from .errors import StudioError

log = logging.getLogger(__name__)

PREVIEW_SECONDS = 20.0  # the longest stretch of a shot one preview carries colour through (around the keyframe)


@dataclass
class Preview:
    id: int
    shot: int
    start: int
    stop: int
    frames: list[bytes] = field(default_factory=list)  # JPEG, frame start + k
    finished: bool = False
    error: str | None = None
    cancelled: bool = False
    seconds: float = 0.0


class Previews:
    """The previews the page asked for (thread-safe), numbered from 1."""

    def __init__(self, film: engine.Film) -> None:
        self.film = film
        self.lock = threading.Lock()
        self.kept: Cache = Cache(2)
        self.count = 0
        self.closed = False  # the studio is closing: every preview stops

    def start(
        self,
        shot: int,
        first: int,
        end: int,
        frame: int,
        files: dict[int, Path],
        lender: tuple[int, int, dict[int, Path]] | None = None,
        base: Callable[[int], np.ndarray] | None = None,
        gradual: Collection[int] = (),
    ) -> dict:
        """Carry `files` (the coloured keyframes of shot `shot`, frames [first, end)) through the
        shot, at most PREVIEW_SECONDS around `frame`, in the background; returns the preview's
        id and frames. `lender`: the shot of its camera setup it borrows colour from (first,
        end, its coloured keyframes), for a shot with none of its own; `base`: a keyframe frame's
        automatic colour, where the rest is automatic; `gradual`: the film's cuts made by a
        dissolve or fade (all as `engine.carry_shot` takes them)."""
        span = max(1, round(PREVIEW_SECONDS * self.film.rate))
        start = first if end - first <= span else min(max(first, frame - span // 2), end - span)
        with self.lock:
            self.count += 1
            preview = Preview(self.count, shot, start, min(end, start + span))
            for old in self.kept.values():
                old.cancelled = True
            self.kept.put(preview.id, preview)
        threading.Thread(
            target=self._carry,
            args=(preview, first, end, files, lender, base, frozenset(gradual)),
            daemon=True,
            name="studio-preview",
        ).start()
        return {"id": preview.id, "shot": shot, "start": preview.start, "stop": preview.stop}

    def _carry(
        self,
        preview: Preview,
        first: int,
        end: int,
        files: dict[int, Path],
        lender: tuple[int, int, dict[int, Path]] | None,
        base: Callable[[int], np.ndarray] | None,
        gradual: Collection[int],
    ) -> None:
        t = time.perf_counter()

        def emit(index: int, rgb: np.ndarray) -> bool:
            data = engine.encode_jpeg(rgb, 88)
            with self.lock:
                preview.frames.append(data)
            return not (preview.cancelled or self.closed)

        try:
            engine.carry_shot(self.film, files, first, end, preview.start, preview.stop, emit, lender, base, gradual)
        except Exception as exc:  # shown in the page
            log.warning("preview: %s", exc)
            preview.error = str(exc)
        preview.seconds = time.perf_counter() - t
        preview.finished = True

    def state(self, pid: int) -> dict:
        preview = self._of(pid)
        return {
            "id": pid,
            "start": preview.start,
            "stop": preview.stop,
            "ready": len(preview.frames),
            "finished": preview.finished,
            "error": preview.error,
            "seconds": round(preview.seconds, 2),
        }

    def frame(self, pid: int, k: int) -> bytes:
        preview = self._of(pid)
        with self.lock:
            if not 0 <= k < len(preview.frames):
                raise StudioError(404, f"preview frame {k} is not ready")
            return preview.frames[k]

    def _of(self, pid: int) -> Preview:
        with self.lock:
            preview = self.kept.get_recent(pid)
        if preview is None:
            raise StudioError(404, f"no preview {pid}")
        return preview

    def close(self) -> None:
        """Stop the previews being made: the studio is closing."""
        self.closed = True
