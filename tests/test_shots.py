"""One cut test for everything: the render (in one pass and in segments), `filmcolor keyframes`,
the guided render, `filmcolor eval` and the studio find the same shots in a film made of a fast
pan, a shot that something passes close to the camera in, and a fast pan again."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from configs import render_config
from testfilms import SHOT_H, SHOT_W, camera_pan, camera_view, make_film, scene

from filmcolor.evaluate import evaluate
from filmcolor.guidance.shots import find_shots
from filmcolor.inference import InferenceConfig
from filmcolor.keyframes import KeyframesConfig, write_keyframes
from filmcolor.render import render
from filmcolor.studio import engine

CUTS = [20, 44]  # a pan at 1/10 of the frame a frame; a slow pan something passes across; a pan at 1/6


def pictures() -> list[np.ndarray]:
    first = camera_pan(scene(20), 20, 1 / 10)
    background = scene(21)
    second = [camera_view(background, SHOT_W + i, background.shape[0] / 2) for i in range(24)]
    near = cv2.blur(scene(23)[:SHOT_H, :SHOT_W], (40, 1))  # as wide as the frame, smeared by its speed
    for i in range(5):  # frames 8-12 of the shot: across the whole frame in 5 frames
        x = int(-SHOT_W + (i + 1) * 2 * SHOT_W / 6)
        x0, x1 = max(0, x), min(SHOT_W, x + SHOT_W)
        second[8 + i][:, x0:x1] = near[:, x0 - x : x1 - x]
    third = camera_pan(scene(22), 16, 1 / 6)
    return [np.repeat(f[..., None], 3, axis=2) for f in first + second + third]


@pytest.fixture(scope="module")
def film(tmp_path_factory):
    return make_film(tmp_path_factory.mktemp("shots") / "film.mp4", pictures=pictures(), keyint=6)


@pytest.mark.slow
def test_every_command_finds_the_same_shots(tmp_path, film, tiny_weights):
    assert find_shots(film).cuts == CUTS
    one_pass = render(film, tmp_path / "a.mp4", render_config(weights=tiny_weights, segment_seconds=None))
    segmented = render(film, tmp_path / "b.mp4", render_config(weights=tiny_weights, segment_seconds=0.5))
    assert one_pass.cuts == segmented.cuts == CUTS
    keys = tmp_path / "keys"
    write_keyframes(film, keys, KeyframesConfig(), InferenceConfig(weights=tiny_weights))
    listing = json.loads((keys / "keyframes.json").read_text())
    assert listing["cuts"] == CUTS and [k["frame"] for k in listing["keyframes"]] == [0, *CUTS]
    studio = [index for index, starts, _ in engine.scan(engine.open_film(film)) if starts]
    assert studio == [0, *CUTS]
    assert evaluate(film, tmp_path / "a.mp4").cuts == len(CUTS)


def test_the_sample_films_six_cuts_and_no_other():
    """samples/band.mp4: a concert, camera video; its cuts as labelled by eye (pipelines/shot_truth.json)."""
    sample = Path(__file__).parent.parent / "samples" / "band.mp4"
    assert find_shots(sample).cuts == [34, 69, 192, 251, 287, 352]
