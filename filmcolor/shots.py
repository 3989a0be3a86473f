"""Shots: where a film's cuts are, and which keyframes each shot has.

One shot finder for everything that needs the cuts before a render starts: `filmcolor
keyframes` (one picture per shot) and the guided render (a keyframe's colour stays in its
shot). Each frame's luma at the working size is compared with the previous frame's by the
render's own cut test (`temporal.cut_score`), so all of them agree on where a shot starts.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator

import numpy as np

from . import media
from .inference import to_working
from .temporal import cut_score, luma8


class ShotFinder:
    """Feed it each frame's (h, w) uint8 working luma in order: `starts(y8)` is True where a new
    shot starts (the film's first frame included)."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.prev: np.ndarray | None = None

    def starts(self, y8: np.ndarray) -> bool:
        prev, self.prev = self.prev, y8
        return prev is None or cut_score(prev, y8) > self.threshold


def working_lumas(container, size: tuple[int, int]) -> Iterator[tuple[media.Decoded, np.ndarray]]:
    """Each decoded frame of the film with its (h, w) uint8 luma at the working `size`."""
    info = media.film_info(container)
    for item in media.read(container):
        if isinstance(item, media.Decoded):  # frames only: no packets were asked for
            yield item, luma8(to_working(item.luma(), info.code_range, size))


def find_cuts(container, size: tuple[int, int], threshold: float, progress=None) -> list[int]:
    """The frames where a new shot starts after the first, decoding the whole film once at the
    working `size`. `progress(done, total, "finding shots")`."""
    frames = media.film_info(container).frames
    finder, cuts = ShotFinder(threshold), []
    for item, y8 in working_lumas(container, size):
        if finder.starts(y8) and item.index > 0:
            cuts.append(item.index)
        if progress and item.index % 24 == 0:
            progress(item.index, max(frames, item.index + 1), "finding shots")
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
