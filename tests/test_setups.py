"""Camera setups (`filmcolor.guidance.setups`) and colour borrowed across a cut within one
(`filmcolor.guidance.borrow`): shots of one place from about the same camera found together,
unlike ones never; a shot with no keyframe coloured from its setup's painted shot."""

import av
import cv2
import numpy as np
import pytest
from configs import render_config
from testfilms import camera_view, make_film, scene

from filmcolor.guidance.borrow import representatives
from filmcolor.guidance.setups import Setups, find_setups, look, match, representative
from filmcolor.metrics import psnr
from filmcolor.render import render


def _place(seed: int) -> np.ndarray:
    """(H, W, 3) uint8 RGB: a textured scene in colours of its own (smooth tints over its luma)."""
    luma = scene(seed, 400, 700).astype(np.float32)
    rng = np.random.default_rng(seed + 100)
    tint = cv2.GaussianBlur(rng.random((400, 700, 3)).astype(np.float32), (0, 0), 25)
    tint = 0.6 + 0.8 * (tint - tint.min((0, 1))) / (np.ptp(tint, (0, 1)) + 1e-6)
    return np.clip(luma[..., None] * tint, 0, 255).astype(np.uint8)


def _shot(place: np.ndarray, cx: float, zoom: float, frames: int = 8) -> list[np.ndarray]:
    """A slow pan over `place` from (cx, its middle), magnified `zoom`."""
    return [camera_view(place, cx + 2 * i, place.shape[0] / 2, zoom) for i in range(frames)]


def _film() -> list[np.ndarray]:
    """Four shots of 8 frames, two setups cut back and forth: A, B, A framed wider, B closer."""
    a, b = _place(1), _place(2)
    return _shot(a, 330, 1.0) + _shot(b, 350, 1.0) + _shot(a, 345, 0.85) + _shot(b, 340, 1.15)


def _gray(rgb: np.ndarray) -> np.ndarray:
    return np.repeat(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)


def _looks(frames: list[np.ndarray], starts: list[int]) -> dict:
    ends = [*starts[1:], len(frames)]
    return {
        s: [look(f, cv2.resize(cv2.cvtColor(frames[f], cv2.COLOR_RGB2GRAY), (469, 256))) for f in representative(s, e)]
        for s, e in zip(starts, ends, strict=True)
    }


def test_shots_of_one_place_are_one_setup_and_unlike_ones_are_not():
    frames = _film()
    found = find_setups(_looks(frames, [0, 8, 16, 24]))
    assert found.groups([0, 8, 16, 24]) == [[0, 16], [8, 24]]


def test_two_places_joined_by_a_dissolve_are_not_one_setup():
    """Frames either side of a dissolve's cut are mixes of both shots, and alike: looked at
    there, two unlike places are one setup. Told the cut is a dissolve's, each shot is looked
    at clear of it (every frame a sync frame here, so any frame decodes alone)."""
    a, b = _place(1), _place(2)
    shot_a = [camera_view(a, 330 + 2 * i, 200, 1.0) for i in range(48)]
    shot_b = [camera_view(b, 350 + 2 * i, 200, 1.0) for i in range(48)]
    mixed = [((1 - (k + 1) / 25) * shot_a[24 + k] + (k + 1) / 25 * shot_b[k]).astype(np.uint8) for k in range(24)]
    frames = shot_a[:24] + mixed + shot_b[24:]  # a dissolve over frames 24-47, its cut at 36

    def groups(gradual: set[int]) -> list[list[int]]:
        reps = representatives([0, 36], len(frames), list(range(len(frames))), gradual)
        gray = {
            f: cv2.resize(cv2.cvtColor(frames[f], cv2.COLOR_RGB2GRAY), (469, 256)) for fs in reps.values() for f in fs
        }
        return find_setups({s: [look(f, gray[f]) for f in fs] for s, fs in reps.items()}).groups([0, 36])

    assert groups(set()) == [[0, 36]]  # frames 35 and 36, halfway through the dissolve
    assert groups({36}) == []


def test_a_framing_nearly_twice_as_wide_is_the_same_setup_and_another_place_is_not():
    """A wide framing shares few corners at any one scale with a closer one of the same place
    (13 inliers here, under INLIERS), but aligned, the two agree closely: one setup."""
    gray = lambda rgb: cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), (469, 256))  # noqa: E731
    a, b = _place(2), _place(1)
    close = look(0, gray(camera_view(a, 330, 200, 1.0)))
    assert match(look(1, gray(camera_view(a, 335, 200, 0.55))), close) is not None
    assert match(look(1, gray(camera_view(b, 335, 200, 0.55))), close) is None


def test_the_colourists_corrections_win_and_are_kept():
    setups = Setups([[0, 16], [8, 24]], {}, [0, 8, 16, 24])
    setups.edit(16, None)  # taken out of its setup
    setups.edit(32, 8)  # a shot joined to another's setup
    assert setups.groups([0, 8, 16, 24, 32]) == [[8, 24, 32]]
    again = Setups.listed(setups.fields())
    assert again == setups and again is not None and again.groups([0, 8, 16, 24, 32]) == [[8, 24, 32]]


def _rgb(path):
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


@pytest.mark.slow
def test_a_shot_with_no_keyframe_borrows_its_setups_colour(tmp_path, tiny_weights):
    frames = _film()
    truth = make_film(tmp_path / "truth.mp4", pictures=frames, keyint=8)
    bw = make_film(tmp_path / "bw.mp4", pictures=[_gray(f) for f in frames], keyint=8)
    keys = tmp_path / "keys"
    keys.mkdir()
    for i in (0, 8):  # the first shot of each setup only
        cv2.imwrite(str(keys / f"{i:06d}.png"), cv2.cvtColor(frames[i], cv2.COLOR_RGB2BGR))
    out, plain, auto = tmp_path / "out.mp4", tmp_path / "plain.mp4", tmp_path / "auto.mp4"
    r = render(bw, out, render_config(weights=tiny_weights, keyframes=keys, segment_seconds=None))
    assert r.cuts == [8, 16, 24] and r.borrowed_shots == [(16, 23, 0), (24, 31, 8)] and r.unkeyed_shots == []
    p = render(bw, plain, render_config(weights=tiny_weights, keyframes=keys, segment_seconds=None, no_setups=True))
    assert p.borrowed_shots == [] and len(p.unkeyed_shots) == 2
    render(bw, auto, render_config(weights=tiny_weights, segment_seconds=None))
    t, g, a = _rgb(truth), _rgb(out), _rgb(auto)
    for first in (16, 24):
        borrowed = np.mean([psnr(t[i], g[i]) for i in range(first, first + 8)])
        automatic = np.mean([psnr(t[i], a[i]) for i in range(first, first + 8)])
        assert borrowed >= automatic + 6, (first, borrowed, automatic)
