"""The keyframes guidance mode (`render --keyframes FOLDER`): the colourist's coloured keyframes,
each carried through its shot (`filmcolor.guidance.carry`).

Before the first frame, the folder is checked (made for this film, unless asked), its
pictures read (those left gray set aside: their shots get the automatic colour), and the shots
taken as its keyframes.json lists them (the colourist's corrections) or found; then each shot
with no keyframe of its own, in a camera setup with a painted shot, borrows that shot's colour
(`filmcolor.guidance.borrow`, unless `--no-setups`). That is the `KeyframePlan`; each part of
the render builds its `carry.KeyframeGuide` from it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import media
from ..keyframes import check_film, listed_shots
from ..progress import Progress
from ..temporal import SmoothConfig
from .borrow import Borrowed, borrowed_shots
from .carry import KeyframeGuide
from .guide import FilmToGuide, GuideConfig, Mode, register
from .keyframe_files import Keyframe, coloured_files, film_luma, read_keyframes
from .shots import Shots


@dataclass
class KeyframePlan:
    """What a guided render settles before its first frame, and every part of it (a segment, a
    Ray task) rebuilds its guide from (`filmcolor.guidance.guide.Plan`): the keyframes' files,
    the film's cuts and every frame's pts, and what the guide is made at."""

    files: dict[int, Path]
    cuts: list[int]
    times: list[int]
    source: Path
    info: media.FilmInfo
    size: tuple[int, int]  # (w, h) the working size
    matrix: str  # the model's: the keyframes are read in it
    reach: float  # seconds a keyframe's colour is carried backward (`GuideConfig.reach`)
    smooth: SmoothConfig
    # keyframes left gray: not used, their shots get the automatic colour
    unused: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # the preparation: finding the shots, the setups
    # shots coloured from a painted shot of their camera setup (`filmcolor.guidance.borrow`)
    borrowed: list[Borrowed] = field(default_factory=list)

    def keyframes(self) -> dict[int, Keyframe]:
        """The keyframes read at the working size, strokes filled along the film's own frames
        (any still gray left out), and those borrowed (made before, at this size)."""
        own = film_luma(self.source, self.times, self.info)
        read = read_keyframes(self.files, self.info, self.size, self.matrix, own)
        return {i: k for i, k in read.items() if not k.blank} | {b.keyframe.index: b.keyframe for b in self.borrowed}

    def unguided(self) -> list[tuple[int, int]]:
        """(first, last) frame of each shot no keyframe guides, painted or borrowed: it gets the automatic colour."""
        return Shots(self.cuts, len(self.times), [*self.files, *(b.keyframe.index for b in self.borrowed)]).unkeyed()

    def lent(self) -> list[tuple[int, int, int]]:
        """(first, last, the painted keyframe's frame) of each shot coloured from its setup."""
        return [(b.shot[0], b.shot[1], b.source) for b in self.borrowed]

    def guide(self) -> KeyframeGuide:
        return KeyframeGuide(
            self.source, self.keyframes(), self.cuts, self.times, self.info, self.size, self.reach, self.smooth
        )


def prepare(film: FilmToGuide, config: GuideConfig, progress: Progress | None = None) -> KeyframePlan:
    """A guided render's preparation: the keyframes checked (made for this film) and read,
    before the long pass, then the shots: as keyframes.json lists them (the colourist's
    corrections), else found (`film.shots`)."""
    folder = config.keyframes
    assert folder is not None  # asked for only with a folder
    own = check_film(folder, film.source, config.keyframes_of_another_film)
    t = time.perf_counter()
    files, uncoloured = coloured_files(
        folder, len(film.times), film.info, film.size, film.matrix, film_luma(film.source, film.times, film.info)
    )
    shot_list = (listed_shots(folder, len(film.times)) if own else None) or film.shots()
    plan = KeyframePlan(
        files,
        shot_list.cuts,
        film.times,
        film.source,
        film.info,
        film.size,
        film.matrix,
        config.reach,
        film.smooth,
        uncoloured,
        {"shots": time.perf_counter() - t},
    )
    if not config.no_setups and film.model is not None and plan.unguided():  # a shot that could borrow
        t = time.perf_counter()
        plan.borrowed = borrowed_shots(film, plan.cuts, plan.keyframes(), folder, own)
        plan.seconds["setups"] = time.perf_counter() - t
    return plan


MODE = register(Mode("keyframes", "--keyframes", lambda config: config.keyframes is not None, prepare))
