"""A guidance mode is one new file (`filmcolor.guidance.guide`): this one, a fixed colour per
shot, is the whole of a mode (its plan, its guide, its registration) and renders a film, one
pass and in segments, with no other file of filmcolor changed."""

from __future__ import annotations

import pickle
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
import pytest
from configs import render_config
from testfilms import make_film

from filmcolor.errors import InputError
from filmcolor.guidance import guide
from filmcolor.guidance.guide import FilmToGuide, GuideConfig, GuidedColour, Mode
from filmcolor.render import render

COLOURS = [(-0.1, 0.1), (0.12, -0.06)]  # (Cb, Cr) in the model's matrix, shot by shot, in turn


class FixedGuide:
    """Each shot's colour, the same at every frame (`guide.Guidance`)."""

    def __init__(self, cuts: list[int]) -> None:
        self.starts, self.cuts = sorted(cuts), set(cuts)

    def colour(self, index, luma, model, moved) -> GuidedColour:
        cb, cr = COLOURS[bisect_right(self.starts, index) % len(COLOURS)]
        fallback = np.empty_like(model)  # (2, h, w)
        fallback[0], fallback[1] = cb, cr
        return GuidedColour(fallback, np.zeros(luma.shape, np.float32), [])

    def preroll(self, first: int) -> None:
        return None  # nothing carried from frame to frame

    def state(self) -> dict[str, np.ndarray]:
        return {}

    def restore(self, state: dict[str, np.ndarray]) -> None:
        pass


@dataclass
class FixedPlan:
    """The film's cuts: all a fixed colour per shot needs (`guide.Plan`)."""

    cuts: list[int]
    unused: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def guide(self) -> FixedGuide:
        return FixedGuide(self.cuts)

    def unguided(self) -> list[tuple[int, int]]:
        return []

    def lent(self) -> list[tuple[int, int, int]]:
        return []


def prepare(film: FilmToGuide, config: GuideConfig, progress=None) -> FixedPlan:
    return FixedPlan(film.shots().cuts)


FIXED = Mode("fixed", "--fixed", lambda config: config.keyframes is None, prepare)


@pytest.fixture
def fixed_mode(monkeypatch):
    """The mode registered for this test only (a mode's module calls `guide.register` at import)."""
    guide.modes()  # the package's own modes first, as a render finds them
    monkeypatch.setitem(guide.MODES, FIXED.name, FIXED)


def _film(path: Path) -> Path:
    """Two shots of 12 frames, 64x48: a gray gradient drifting right, then one drifting down."""
    y, x = np.mgrid[0:48, 0:64]
    first = [np.repeat((90 + (x + 2 * i) % 64)[..., None], 3, axis=2).astype(np.uint8) for i in range(12)]
    second = [np.repeat((100 + (y + 2 * i) % 48)[..., None], 3, axis=2).astype(np.uint8) for i in range(12)]
    return make_film(path, pictures=first + second, keyint=6)


def _cbcr(path: Path) -> np.ndarray:
    """(frames, 2) each decoded frame's mean Cb and Cr codes."""
    out = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            yuv = frame.to_ndarray()  # (H * 3/2, W): Y, then U and V a quarter each
            h = frame.height
            u, v = yuv[h : h + h // 4].ravel(), yuv[h + h // 4 :].ravel()
            out.append((u.mean(), v.mean()))
    return np.array(out)


@pytest.mark.parametrize("segment_seconds", [None, pytest.param(0.25, marks=pytest.mark.slow)])
def test_a_toy_mode_in_one_file_colours_each_shot_its_fixed_colour(tmp_path, tiny_weights, fixed_mode, segment_seconds):
    film = _film(tmp_path / "film.mp4")
    out = tmp_path / "fixed.mp4"
    result = render(film, out, render_config(weights=tiny_weights, segment_seconds=segment_seconds))
    assert result.frames == 24 and result.cuts == [12]
    cbcr = _cbcr(out)
    for shot, (cb, cr) in zip((cbcr[:12], cbcr[12:]), COLOURS, strict=True):
        expected = np.array([128 + 224 * cb, 128 + 224 * cr])  # limited range, the film's matrix the model's (BT.601)
        assert np.abs(shot - expected).max() <= 1.5, (shot, expected)


def test_a_modes_plan_travels_to_a_worker_and_two_modes_at_once_are_refused(fixed_mode, monkeypatch):
    plan = pickle.loads(pickle.dumps(FixedPlan([12])))  # as a Ray task gets it
    assert plan.guide().cuts == {12}
    assert guide.asked(GuideConfig()) is FIXED and guide.asked(GuideConfig(keyframes=Path("keys"))).name == "keyframes"
    monkeypatch.setitem(guide.MODES, "always", Mode("always", "--always", lambda config: True, prepare))
    with pytest.raises(InputError, match="--keyframes and --always cannot be used together"):
        guide.asked(GuideConfig(keyframes=Path("keys")))
