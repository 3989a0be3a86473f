"""Shots: where a film's cuts are, and which keyframes each shot has.

One shot finder for everything that needs the cuts: the render's smoothing, the guided
render (a keyframe's colour stays in its shot), `filmcolor keyframes`, `filmcolor eval` and
the studio. Each walks the film's decoded frames through the one cut test
(`filmcolor.guidance.cuts.CutFinder`, on the frames' own luma codes), so all of them agree on where
a shot starts; the test decides each frame `cuts.LOOKAHEAD` frames late.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import media
from ..colour import CodeRange
from .cuts import CutConfig, CutFinder, Transition, with_cuts


def finder(code_range: CodeRange, threshold: float = CutConfig.threshold) -> CutFinder:
    """The cut test for a film whose luma codes are in `code_range`."""
    black, white = code_range.luma_black_white
    return CutFinder(1.0 / (white - black), CutConfig(threshold=threshold))


def scan(container, cut_finder: CutFinder, damaged: str | None = None) -> Iterator[tuple[media.Decoded, bool]]:
    """Each decoded frame of the film, in order, with whether a shot starts at it (the film's
    first frame included), `cuts.LOOKAHEAD` frames after it was decoded. `damaged`: as
    `media.read` (a render's own choice, so its frames are numbered as the render's)."""
    read = media.read(container, damaged=damaged)
    frames = (item for item in read if isinstance(item, media.Decoded))  # no packets were asked for
    for item, cut in with_cuts(frames, lambda d: d.luma(), cut_finder):
        yield item, cut or item.index == 0


@dataclass
class ShotList:
    """A film's shots as the cut test finds them."""

    cuts: list[int]  # frames where a shot starts, after the first
    frames: int
    transitions: list[Transition] = field(default_factory=list)  # dissolves and fades: each one cut in `cuts`


def find_shots(
    film: str | Path, threshold: float = CutConfig.threshold, progress=None, damaged: str | None = None
) -> ShotList:
    """The shots of `film`, decoding it once. `progress(done, total, "finding shots")`;
    `damaged`: as `media.read`."""
    with media.open_film(film) as container:
        return find_cuts(container, threshold, progress, damaged)


def find_cuts(container, threshold: float = CutConfig.threshold, progress=None, damaged: str | None = None) -> ShotList:
    """The shots of the film open in `container`, decoding it once."""
    info = media.film_info(container)
    cut_finder = finder(info.code_range, threshold)
    cuts, frames = [], 0
    for item, cut in scan(container, cut_finder, damaged):
        frames = item.index + 1
        if cut and item.index > 0:
            cuts.append(item.index)
        if progress and item.index % 24 == 0:
            progress(item.index, max(info.frames, item.index + 1), "finding shots")
    return ShotList(cuts, frames, cut_finder.transitions)


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

    def unkeyed(self) -> list[tuple[int, int]]:
        """(first, last) frame of each shot with no keyframe: it gets the automatic colour."""
        ends = [*self.starts[1:], self.frames]
        return [(a, b - 1) for a, b in zip(self.starts, ends, strict=True) if not self.keyed(a)]

    def keyed(self, index: int) -> bool:
        """Whether the shot of frame `index` has a keyframe."""
        return self.before(index) is not None or self.after(index) is not None
