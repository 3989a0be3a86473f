"""Guided colour (`filmcolor.guidance.guide`): keyframes carried through their shots, strokes filled,
shots without keyframes left to the automatic colour, bad keyframes refused at once."""

import signal
import subprocess
import sys
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from clirun import assert_one_line_error, run_cli
from configs import render_config
from testfilms import make_film, packets, pan_pictures, video_frames

from filmcolor.metrics import psnr
from filmcolor.render import render


def _shots():
    """Two shots of 24 frames, 96x72: pans over two colourful textures, a cut between."""
    return pan_pictures(24, seed=0) + pan_pictures(24, seed=1)


@pytest.fixture
def films(tmp_path):
    truth = make_film(tmp_path / "truth.mp4", pictures=_shots(), keyint=6)
    gray = [np.repeat(cv2.cvtColor(p, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2) for p in _shots()]
    bw = make_film(tmp_path / "bw.mp4", pictures=gray, keyint=6)
    keys = tmp_path / "keys"
    keys.mkdir()
    for i in (0, 24):  # each shot's first frame, in its true colour
        cv2.imwrite(str(keys / f"{i:06d}.png"), cv2.cvtColor(_shots()[i], cv2.COLOR_RGB2BGR))
    return truth, bw, keys


def _rgb(path):
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


@pytest.mark.slow
def test_keyframes_colour_their_shots_and_keep_everything_else(tmp_path, tiny_weights, films):
    truth, bw, keys = films
    out, auto = tmp_path / "guided.mp4", tmp_path / "auto.mp4"
    r = render(bw, out, render_config(weights=tiny_weights, keyframes=keys, segment_seconds=0.5))
    render(bw, auto, render_config(weights=tiny_weights))
    t, g, a = _rgb(truth), _rgb(out), _rgb(auto)
    guided, automatic = (
        np.mean([psnr(x, y) for x, y in zip(t, g, strict=False)]),
        np.mean([psnr(x, y) for x, y in zip(t, a, strict=False)]),
    )
    assert guided >= automatic + 5, (guided, automatic)
    assert min(psnr(t[i], g[i]) for i in (0, 24)) >= 35  # the keyframes themselves, as coloured
    assert r.frames == 48 and r.cuts == [24] and set(r.guide_seconds) == {"shots"}
    src, dst = video_frames(bw), video_frames(out)
    assert [x for x, _ in src] == [x for x, _ in dst] and min(
        psnr(x, y) for (_, x), (_, y) in zip(src, dst, strict=False)
    ) >= 40
    assert packets(out) == packets(bw)


@pytest.mark.slow
def test_strokes_on_a_keyframe_are_filled_and_carried(tmp_path, tiny_weights, films):
    truth, bw, keys = films
    strokes = tmp_path / "strokes"
    strokes.mkdir()
    frame = _gray(0)
    frame[30:34, 44:48] = (60, 40, 230)  # BGR: a red stroke
    cv2.imwrite(str(strokes / "000000.png"), frame)
    out = tmp_path / "out.mp4"
    render(bw, out, render_config(weights=tiny_weights, keyframes=strokes))
    first = _rgb(out)[0]
    assert first[30:34, 44:48, 0].mean() > first[30:34, 44:48, 2].mean() + 40  # red at the stroke
    assert first[..., 0].mean() > first[..., 2].mean() + 10  # and, spread along the luma, reddish about it


def _gray(index: int) -> np.ndarray:
    """Frame `index` as `filmcolor keyframes` writes it: gray, BGR."""
    return np.repeat(cv2.cvtColor(_shots()[index], cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["no keyframe", "keyframe left gray"])
def test_a_shot_without_keyframes_keeps_the_automatic_colour(tmp_path, tiny_weights, films, how):
    truth, bw, keys = films
    if how == "no keyframe":
        (keys / "000024.png").unlink()
    else:
        cv2.imwrite(str(keys / "000024.png"), _gray(24))
    out, auto = tmp_path / "guided.mp4", tmp_path / "auto.mp4"
    r = render(bw, out, render_config(weights=tiny_weights, keyframes=keys))
    render(bw, auto, render_config(weights=tiny_weights))
    g, a = _rgb(out), _rgb(auto)
    # the second shot: the base model's colour (smoothed along finer flow)
    assert min(psnr(x, y) for x, y in zip(g[24:], a[24:], strict=False)) >= 30
    assert r.uncoloured_keyframes == ([] if how == "no keyframe" else [keys / "000024.png"])
    assert [shot[:2] for shot in r.unkeyed_shots] == [(24, 47)]  # named in the summary, with its times
    assert r.unkeyed_shots[0][2] == pytest.approx(24 * 1001 / 24000, abs=1e-3)


@pytest.mark.slow
def test_the_summary_names_the_shots_left_to_the_automatic_colour(tmp_path, tiny_weights, films, capsys):
    truth, bw, keys = films
    (keys / "000024.png").unlink()
    code, err = run_cli(
        ["render", bw, "-o", tmp_path / "out.mp4", "--weights", tiny_weights, "--keyframes", keys], capsys
    )
    assert code == 0, err
    out = capsys.readouterr().out + err
    assert "1 shots have no keyframe and got the automatic colour: frames 24-47 (1.00-1.96 s)" in " ".join(out.split())


def test_keyframes_all_left_gray_are_one_line(tmp_path, tiny_weights, films, capsys):
    truth, bw, keys = films
    for i in (0, 24):
        cv2.imwrite(str(keys / f"{i:06d}.png"), _gray(i))
    out = tmp_path / "out.mp4"
    code, err = run_cli(["render", bw, "-o", out, "--weights", tiny_weights, "--keyframes", keys], capsys)
    assert_one_line_error(code, err, "none of its 2 keyframes is coloured")
    assert not out.exists()


BAD = {
    "not a number": (lambda d: d / "first.png", "is named by its frame number"),
    "beyond the film": (lambda d: d / "000999.png", "frame 999 is beyond the film, whose last frame is 47"),
    "other shape": (lambda d: d / "000010.png", "is 72x72, not of the film's shape as shown (96x72)"),
    "unreadable": (lambda d: d / "000011.png", "not a picture OpenCV can read"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_keyframe_is_one_line_naming_it(tmp_path, tiny_weights, films, capsys, case):
    truth, bw, keys = films
    make, expected = BAD[case]
    bad = make(keys)
    if case == "other shape":
        cv2.imwrite(str(bad), np.zeros((72, 72, 3), np.uint8))
    elif case == "unreadable":
        bad.write_text("not a picture")
    else:
        cv2.imwrite(str(bad), np.zeros((72, 96, 3), np.uint8))
    out = tmp_path / "out.mp4"
    code, err = run_cli(["render", bw, "-o", out, "--weights", tiny_weights, "--keyframes", keys], capsys)
    assert_one_line_error(code, err, expected)
    assert bad.name in err and not out.exists() and not (tmp_path / ".out.mp4.filmcolor-work").exists()


def test_a_keyframes_folder_that_is_not_one(tmp_path, tiny_weights, films, capsys):
    truth, bw, keys = films
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder, expected in (
        (tmp_path / "missing", "is not a folder"),
        (truth, "is not a folder"),
        (empty, "holds no keyframe pictures"),
    ):
        code, err = run_cli(
            ["render", bw, "-o", tmp_path / "out.mp4", "--weights", tiny_weights, "--keyframes", folder], capsys
        )
        assert_one_line_error(code, err, expected)


@pytest.mark.slow
def test_a_guided_render_killed_with_sigkill_goes_on(tmp_path, tiny_weights, films):
    truth, bw, keys = films
    out, whole = tmp_path / "out.mkv", tmp_path / "whole.mkv"
    args = [
        "render",
        bw,
        "-o",
        out,
        "--weights",
        tiny_weights,
        "--keyframes",
        keys,
        "--segment-seconds",
        "0.25",
        "--codec",
        "ffv1",
    ]
    killer = [sys.executable, str(Path(__file__).with_name("signal_self.py")), "KILL", "3"]
    assert subprocess.run(killer + list(map(str, args)), capture_output=True, timeout=300).returncode == -signal.SIGKILL
    again = subprocess.run(
        [sys.executable, "-m", "filmcolor", *map(str, args)], capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0 and "going on after 18 frames" in again.stderr, again.stderr
    render(bw, whole, render_config(weights=tiny_weights, keyframes=keys, segment_seconds=0.25, codec="ffv1"))
    # the carried colour went on where it was
    assert min(psnr(x, y) for x, y in zip(_rgb(out), _rgb(whole), strict=False)) >= 45


def _chroma(rgb: np.ndarray) -> np.ndarray:
    from filmcolor.colour import rgb_to_ycbcr

    return rgb_to_ycbcr(rgb.astype(np.float32) / 255.0)[..., 1:]  # (H, W, 2)


@pytest.mark.slow
def test_a_keyframes_own_frame_keeps_its_colour_as_a_plain_conversion_would(tmp_path, tiny_weights, films):
    """On its own frame a keyframe's chroma is as close to the keyframe as the keyframe simply
    converted to the output's pixel format (yuv420p), within 0.3 dB; a lossless codec, so the
    render's own path is measured, not the encoder's. Both keyframes of the every-5th set too."""
    truth, bw, keys = films
    # the VapourSynth colouriser's name
    cv2.imwrite(str(keys / "ref_000012.png"), cv2.cvtColor(_shots()[12], cv2.COLOR_RGB2BGR))
    out = tmp_path / "out.mkv"
    render(bw, out, render_config(weights=tiny_weights, keyframes=keys, codec="ffv1", segment_seconds=None))
    got = _rgb(out)
    for i in (0, 12, 24):
        key = _shots()[i]
        plain = av.VideoFrame.from_ndarray(key, format="rgb24").reformat(format="yuv420p").to_ndarray(format="rgb24")
        ours, theirs = psnr(_chroma(key), _chroma(got[i]), peak=1.0), psnr(_chroma(key), _chroma(plain), peak=1.0)
        assert ours >= theirs - 0.3, (i, ours, theirs)


def _pan_over_an_edge(frames: int = 12, width: int = 128, height: int = 72) -> list[np.ndarray]:
    """A camera panning 1 px a frame over a dark area (the left 40 px) beside a bright one, a soft
    texture on both: a stroke on the dark area reaches little of the bright one."""
    rng = np.random.default_rng(0)
    texture = cv2.GaussianBlur(rng.random((height, width + frames)).astype(np.float32), (0, 0), 2) * 30 - 15
    scene = np.where(np.arange(width + frames) < 40 + frames, 60.0, 180.0)[None, :] + texture
    return [
        np.repeat(np.clip(scene[:, frames - i : frames - i + width], 0, 255).astype(np.uint8)[..., None], 3, 2)
        for i in range(frames)
    ]


@pytest.mark.slow
def test_the_rest_of_a_stroke_keyframe_is_gray_or_the_automatic_colour(tmp_path, tiny_weights):
    """keyframes.json's "rest": one red stroke on the dark area; far from it, across the edge,
    every frame of the shot stays gray without the choice (and with "gray"), and follows the
    automatic colour with "automatic" (the keyframe frame's, carried with the keyframe's colour),
    the stroke's own colour the same either way; rendered in segments, the same as in one pass."""
    import json

    pictures = _pan_over_an_edge()
    bw = make_film(tmp_path / "pan.mp4", pictures=pictures, keyint=4)
    keys = tmp_path / "keys"
    keys.mkdir()
    key = cv2.cvtColor(pictures[0], cv2.COLOR_RGB2BGR)
    key[30:40, 30:45] = (40, 40, 220)  # BGR: a red stroke on the dark area
    cv2.imwrite(str(keys / "000000.png"), key)

    def rendered(name: str, rest: str | None, segment_seconds: float | None = None) -> list[np.ndarray]:
        if rest is not None:
            (keys / "keyframes.json").write_text(
                json.dumps({"format": "filmcolor-keyframes", "version": 1, "rest": rest})
            )
        out = tmp_path / f"{name}.mkv"
        guided = {"keyframes": keys} if name != "automatic" else {}
        render(bw, out, render_config(weights=tiny_weights, codec="ffv1", segment_seconds=segment_seconds, **guided))
        return [_chroma(x) * 255 for x in _rgb(out)]  # (H, W, 2) 8-bit codes from gray

    unset, gray = rendered("unset", None), rendered("gray", "gray")
    based, automatic = rendered("based", "automatic"), rendered("automatic", None)
    far = (slice(8, 64), slice(80, 124))  # the bright area, across the edge from the stroke
    for i in range(0, 12, 3):
        assert np.array_equal(unset[i], gray[i])  # no "rest": gray
        auto = np.abs(automatic[i][far]).mean()
        assert np.abs(gray[i][far]).mean() < 1.5 and auto > 8, i
        assert np.abs(based[i][far] - automatic[i][far]).mean() < 0.25 * auto, i
    stroke = (slice(32, 38), slice(32, 43))
    assert np.abs(based[0][stroke] - gray[0][stroke]).max() < 2 and gray[0][stroke][..., 1].mean() > 40  # red, kept
    segmented = rendered("segmented", "automatic", segment_seconds=0.2)  # a sync frame every 4 frames
    assert min(psnr(x, y, peak=255.0) for x, y in zip(segmented, based, strict=True)) >= 45
