"""The keyframes guidance mode (`render --keyframes FOLDER`): the colourist's coloured keyframes,
each carried through its shot (`filmcolor.guidance.carry`).

Before the first frame, the folder is checked (made for this film, unless asked), its
pictures read (those left gray set aside: their shots get the automatic colour), and the shots
taken as its keyframes.json lists them (the colourist's corrections) or found. Where
keyframes.json asks for the automatic colour as the rest ("rest": "automatic"), each stroke
keyframe's unreached part takes the model's colour of its frame instead of gray (`bases`, made
once here: every part of the render carries the same); then each shot
with no keyframe of its own, in a camera setup with a painted shot, borrows that shot's colour
(`filmcolor.guidance.borrow`, unless `--no-setups`). That is the `KeyframePlan`; each part of
the render builds its `carry.KeyframeGuide` from it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import media
from ..colour import CodeRange
from ..inference import InferenceConfig
from ..keyframes import REST_AUTOMATIC, check_film, listed_rest, listed_shots
from ..progress import Progress
from ..temporal import SmoothConfig
from .borrow import Borrowed, automatic_colour, borrowed_shots, representative_lumas
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
    # frame -> (h, w, 2) the model's colour of a stroke keyframe's frame: its rest, where keyframes.json asks for it
    bases: dict[int, np.ndarray] = field(default_factory=dict)

    def keyframes(self) -> dict[int, Keyframe]:
        """The keyframes read at the working size, strokes filled along the film's own frames
        (any still gray left out) on their base (gray, or `bases`), and those borrowed (made
        before, at this size)."""
        own = film_luma(self.source, self.times, self.info)
        read = read_keyframes(self.files, self.info, self.size, self.matrix, own)
        painted = self.on_bases({i: k for i, k in read.items() if not k.blank})
        return painted | {b.keyframe.index: b.keyframe for b in self.borrowed}

    def on_bases(self, painted: dict[int, Keyframe]) -> dict[int, Keyframe]:
        """The `painted` keyframes (as read, on gray) on their bases: gray's, or the automatic colour's."""
        return {i: k.on(self.bases[i]) if i in self.bases else k for i, k in painted.items()}

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
    rest = listed_rest(folder)  # the colourist's choice (any film's), a bad one refused before any work
    t = time.perf_counter()
    painted, uncoloured = coloured_files(
        folder, len(film.times), film.info, film.size, film.matrix, film_luma(film.source, film.times, film.info)
    )
    shot_list = (listed_shots(folder, len(film.times)) if own else None) or film.shots()
    plan = KeyframePlan(
        {i: k.path for i, k in painted.items()},
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
    if rest == REST_AUTOMATIC and film.model is not None:
        t = time.perf_counter()
        strokes = [i for i, k in painted.items() if k.reach is not None]  # a whole one has no rest
        plan.bases = automatic_bases(
            film.source, film.times, film.info.code_range, film.size, strokes, film.model, film.inference
        )
        plan.seconds["automatic colour of the rest"] = time.perf_counter() - t
    if not config.no_setups and film.model is not None and plan.unguided():  # a shot that could borrow
        t = time.perf_counter()
        gradual = {t.cut for t in shot_list.transitions}
        plan.borrowed = borrowed_shots(film, plan.cuts, plan.on_bases(painted), folder, own, gradual)
        plan.seconds["setups"] = time.perf_counter() - t
    return plan


def automatic_bases(
    source: Path,
    times: list[int],
    code_range: CodeRange,
    size: tuple[int, int],
    frames: list[int],
    model,
    inference: InferenceConfig,
) -> dict[int, np.ndarray]:
    """The model's (h, w, 2) colour of each of `frames` of the film at the working `size`, as
    the render predicts it (`borrow.automatic_colour`) from the film's own frame: the base a
    stroke keyframe's fill is blended into where its strokes do not reach, carried through the
    shot with the keyframe's colour. The studio shows the same (`studio.engine.Automatic.base`)."""
    lumas = representative_lumas(source, times, frames, code_range, size)
    return automatic_colour(model, lumas, size, inference)


MODE = register(Mode("keyframes", "--keyframes", lambda config: config.keyframes is not None, prepare))
