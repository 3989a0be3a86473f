"""The cut test on tiny films made of generated scenes, one kind of footage each: hard
cuts (between unlike pictures and between two framings of one), pans up to 1/6 of the frame
a frame, zooms and shake, something passing close, flashes, fades, dissolves and old-film
damage. Every hard cut found within a frame, no cut where there is none, a transition once."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import skimage.data
from testfilms import SHOT_H as H, SHOT_W as W, camera_pan as pan, camera_view as view, scene

from filmcolor.degrade import DegradeConfig, FilmDamage, degrade_frame
from filmcolor.guidance import cuts
from filmcolor.guidance.cuts import CutFinder, with_cuts

PHOTOS = [scene(seed) for seed in range(12)]


def noisy(frames: list[np.ndarray], seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.clip(f + rng.normal(0, 2.0, f.shape), 0, 255).astype(np.uint8) for f in frames]


def find(frames: list[np.ndarray]) -> tuple[list[int], list[cuts.Transition]]:
    finder = CutFinder(1 / 255)
    found = [i for f in frames for i, cut in finder.push(f) if cut]
    found += [i for i, cut in finder.finish() if cut]
    return found, finder.transitions


def near(found: list[int], truth: list[int]) -> bool:
    return len(found) == len(truth) and all(abs(f - t) <= 1 for f, t in zip(found, truth, strict=False))


@pytest.mark.parametrize("speed", [1 / 40, 1 / 20, 1 / 10, 1 / 6])
def test_a_pan_is_no_cut_and_the_cut_between_two_pans_is_found(speed):
    frames = pan(PHOTOS[0], 16, speed) + pan(PHOTOS[5], 16, speed)
    found, _ = find(noisy(frames))
    assert found == [16]


def test_cuts_between_two_framings_of_one_place_are_found():
    picture = PHOTOS[3]
    cy, cx = picture.shape[0] / 2, picture.shape[1] / 2
    frames = []
    for shot in range(4):
        zoom = 1.0 if shot % 2 == 0 else 1.8
        frames += [view(picture, cx + 20 * (shot % 2) + i, cy, zoom) for i in range(12)]
    found, _ = find(noisy(frames))
    assert near(found, [12, 24, 36])


def test_fast_zooms_and_shake_are_no_cut():
    picture = PHOTOS[2]
    cy, cx = picture.shape[0] / 2, picture.shape[1] / 2
    rng = np.random.default_rng(1)
    frames = [view(picture, cx, cy, 1.04**i) for i in range(16)] + [
        view(picture, cx, cy, 1.8 / 1.04**i) for i in range(16)
    ]
    frames += [view(picture, cx + rng.normal(0, 4), cy + rng.normal(0, 4), 1.0, rng.normal(0, 1), 3) for _ in range(24)]
    found, _ = find(noisy(frames))
    assert found == []


@pytest.mark.parametrize("frames_across", [3, 5, 8, 10])
def test_something_passing_close_to_the_camera_is_no_cut(frames_across):
    frames = pan(PHOTOS[4], 40, 1 / 60, blur=False)
    near_thing = PHOTOS[7][:H, :W]  # as wide as the frame: at its widest it covers all of it
    step = 2 * W / (frames_across + 1)
    for i in range(frames_across):
        x = int(-W + (i + 1) * step)
        smeared = cv2.blur(near_thing, (int(step), 1))
        x0, x1 = max(0, x), min(W, x + W)
        frames[14 + i][:, x0:x1] = smeared[:, x0 - x : x1 - x]
    found, _ = find(noisy(frames))
    assert found == []


def test_a_flash_is_no_cut():
    frames = pan(PHOTOS[6], 30, 1 / 60, blur=False)
    for i in (10, 11):
        frames[i] = np.clip(frames[i] + 0.7 * (255.0 - frames[i]), 0, 255).astype(np.uint8)
    found, _ = find(noisy(frames))
    assert found == []


def test_a_fade_through_black_is_one_transition():
    a, b = pan(PHOTOS[0], 20, 1 / 60, blur=False), pan(PHOTOS[1], 20, 1 / 60, blur=False)
    out = [(f * (1 - (i + 1) / 10)).astype(np.uint8) for i, f in enumerate(a[10:20])]
    into = [(f * ((i + 1) / 10)).astype(np.uint8) for i, f in enumerate(b[:10])]
    frames = a[:10] + out + [np.zeros_like(a[0])] * 2 + into + b[10:]  # frames 10-31 are the fade
    found, transitions = find(noisy(frames))
    assert len(found) == 1 and 10 <= found[0] <= 31
    assert len(transitions) == 1 and transitions[0].cut == found[0]


def dissolved(a: np.ndarray, b: np.ndarray, length: int) -> list[np.ndarray]:
    """20 frames of a slow pan over picture `a`, a dissolve of `length` frames into one over `b`, 20 more."""
    a_shot, b_shot = pan(a, 20 + length, 1 / 60, blur=False), pan(b, 20 + length, 1 / 60, blur=False)
    mix = [
        ((1 - (i + 1) / (length + 1)) * a_shot[20 + i] + (i + 1) / (length + 1) * b_shot[i]).astype(np.uint8)
        for i in range(length)
    ]
    return noisy(a_shot[:20] + mix + b_shot[length : length + 20])


def assert_one_dissolve(frames: list[np.ndarray], length: int) -> None:
    found, transitions = find(frames)
    assert len(found) == 1 and 19 <= found[0] <= 20 + length
    assert len(transitions) == 1 and transitions[0].cut == found[0]


@pytest.mark.parametrize("length", [6, 12, 24])
def test_a_dissolve_is_one_cut_within_it(length):
    assert_one_dissolve(dissolved(PHOTOS[2], PHOTOS[8], length), length)


@pytest.mark.parametrize("length", [36, 48])
@pytest.mark.parametrize("order", [1, -1])
def test_a_long_dissolve_between_two_photographs_is_one_cut_within_it(length, order):
    """A dissolve of 1.5 and 2 s, as studio films of the 1930s-50s dissolved: the frames 12
    either side of one in its middle are mixes themselves."""
    coffee = cv2.cvtColor(skimage.data.coffee(), cv2.COLOR_RGB2GRAY)
    a, b = [cv2.resize(p, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC) for p in (coffee, skimage.data.camera())][
        ::order
    ]
    assert_one_dissolve(dissolved(a, b, length), length)


def old_film(frames: list[np.ndarray]) -> list[np.ndarray]:
    """`frames` through `filmcolor degrade`'s damage: strong flicker, dust, scratches and weave."""
    config = DegradeConfig(flicker=0.08, dust=6.0, scratches=0.5, weave=1.5, seed=3)
    damage, rng = FilmDamage(config, H, W), np.random.default_rng(3)
    return [
        np.clip(degrade_frame(f.astype(np.float32) / 255.0, config, damage, rng) * 255 + 0.5, 0, 255).astype(np.uint8)
        for f in frames
    ]


def test_old_film_damage_is_no_cut_and_cuts_are_still_found():
    found, _ = find(old_film(pan(PHOTOS[9], 30, 1 / 40) + pan(PHOTOS[10], 20, 1 / 40)))
    assert near(found, [30])


def test_a_splice_jump_within_a_shot_is_no_cut():
    shot = pan(PHOTOS[9], 30, 1 / 40)
    found, _ = find(old_film(shot[:15] + shot[19:]))
    assert found == []


@pytest.mark.parametrize(("speed", "missing"), [(1 / 20, 5), (1 / 15, 3)])
@pytest.mark.parametrize("age", [noisy, old_film])
def test_a_splice_jump_in_a_moving_shot_is_no_cut(speed, missing, age):
    """The pan goes on at its speed on both sides of the jump, which skips 0.27-0.3 of the
    frame: the pan carried over the missing frames matches the frame after the jump."""
    shot = pan(PHOTOS[9], 40, speed)
    found, _ = find(age(shot[:15] + shot[15 + missing :]))
    assert found == []


def test_decisions_come_in_order_a_lookahead_late_and_packets_keep_their_place():
    frames = noisy(pan(PHOTOS[0], 30, 1 / 40) + pan(PHOTOS[1], 30, 1 / 40))
    items = []
    for i, f in enumerate(frames):
        items += [("frame", i, f)] + ([("packet", i, None)] if i % 7 == 0 else [])
    out = list(with_cuts(items, lambda item: item[2], CutFinder(1 / 255)))
    assert [item for item, _ in out] == items
    assert [item[1] for item, cut in out if cut] == [30]
    assert not any(cut for item, cut in out if item[0] == "packet")


@pytest.mark.parametrize("black, cuts", [(2, []), (14, [14])])
def test_a_film_opening_in_black_has_its_first_picture_start_a_shot_after_half_a_second(black, cuts):
    frames = [np.zeros((H, W), np.uint8)] * black + pan(PHOTOS[1], 20, 1 / 40)
    found, _ = find(noisy(frames))
    assert found == cuts  # keyframes: the first picture, not a black frame, once the black lasts
