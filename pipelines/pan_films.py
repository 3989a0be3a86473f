"""Test films for the recipes: colour films with a known truth, made from still photographs.

A camera pan over a photograph is real picture content in real motion (every pixel resampled
at a sub-pixel offset each frame, as a scan of a moving shot is), with a hard cut from one
photograph to the next: what temporal smoothing and the cut detector must handle.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

RATE = Fraction(24000, 1001)  # the NTSC film rate, kept exact


def write_film(
    path: Path,
    pictures: Iterable[np.ndarray],
    width: int,
    height: int,
    frames: int,
    rate: Fraction = RATE,
    crf: int = 12,
    preset: str = "medium",
    keyint: int = 48,
) -> None:
    """Encode (H, W, 3) uint8 RGB `pictures` as H.264 yuv420p at `rate`, a keyframe at least
    every `keyint` frames, with a 440 Hz AAC tone as long as the picture; `frames` says how
    many pictures there are (for the tone's length)."""
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=rate)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.options = {"crf": str(crf), "preset": preset}
        video.codec_context.gop_size = keyint
        audio = out.add_stream("aac", rate=48000, layout="mono")
        for i, rgb in enumerate(pictures):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            frame.time_base = 1 / rate
            out.mux(video.encode(frame))
        out.mux(video.encode())
        samples = int(frames / rate * 48000)
        t = np.arange(samples, dtype=np.float32) / 48000
        tone = (0.2 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)[None]  # (1, samples)
        for start in range(0, samples, 1024):
            chunk = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(tone[:, start : start + 1024]), format="fltp", layout="mono"
            )
            chunk.sample_rate, chunk.pts = 48000, start
            out.mux(audio.encode(chunk))
        out.mux(audio.encode())


def pan(photo: np.ndarray, width: int, height: int, frames: int, seed: int) -> Iterator[np.ndarray]:
    """`frames` (height, width, 3) RGB views of `photo` (BGR, as cv2 reads it): a slow pan in a
    random direction with a slight zoom, across about a third of the picture."""
    rng = np.random.default_rng(seed)
    cover = 1.5 * max(width / photo.shape[1], height / photo.shape[0])  # the view sees 2/3 of the scaled photo
    scaled = cv2.resize(photo, None, fx=cover, fy=cover, interpolation=cv2.INTER_AREA)
    scaled = cv2.cvtColor(scaled, cv2.COLOR_BGR2RGB)
    sh, sw = scaled.shape[:2]
    start = rng.uniform([0, 0], [sw - width, sh - height])  # top-left corner of the view
    end = rng.uniform([0, 0], [sw - width, sh - height])
    zoom = rng.uniform(1.0, 1.1)
    for i in range(frames):
        k = i / max(1, frames - 1)
        x, y = start + k * (end - start)
        z = 1 + k * (zoom - 1)  # magnification about the view's centre
        cx, cy = x + width / 2, y + height / 2
        m = np.array([[z, 0, width / 2 - z * cx], [0, z, height / 2 - z * cy]], np.float32)  # scaled -> view
        yield cv2.warpAffine(scaled, m, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


def pan_film(photos: list[Path], path: Path, width: int = 320, height: int = 240, shot_frames: int = 48) -> int:
    """One shot of `shot_frames` per photograph, hard cuts between; returns the frame count."""
    frames = shot_frames * len(photos)

    def pictures() -> Iterator[np.ndarray]:
        for n, p in enumerate(photos):
            yield from pan(cv2.imread(str(p)), width, height, shot_frames, seed=n)

    write_film(path, pictures(), width, height, frames)
    return frames
