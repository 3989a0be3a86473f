"""Tiny generated films and pictures for the tests: a few frames of moving shapes, a tone per
audio stream, a texture moved by a known amount, a camera's view over a generated scene."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np


def picture(i: int, width: int, height: int) -> np.ndarray:
    """(H, W, 3) uint8 RGB: a gradient with a coloured square that moves with `i`."""
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack([x * 255 // max(1, width - 1), y * 255 // max(1, height - 1), np.full_like(x, 90)], -1).astype(
        np.uint8
    )
    s = max(4, min(width, height) // 4)
    x0 = (3 * i) % max(1, width - s)
    rgb[height // 3 : height // 3 + s, x0 : x0 + s] = (230, 40, 60)
    return rgb


def make_film(
    path: Path,
    width: int = 64,
    height: int = 48,
    frames: int = 6,
    pix_fmt: str = "yuv420p",
    rate: Fraction = Fraction(24000, 1001),
    pts: list[int] | None = None,
    time_base: Fraction | None = None,
    audio: tuple[str, ...] = ("aac",),
    codec: str = "libx264",
    color_range: int | None = None,
    audio_start: float = 0.0,
    pictures: list[np.ndarray] | None = None,
    keyint: int | None = None,
    preset: str = "ultrafast",
    sample_aspect_ratio: Fraction | None = None,
    rotation: int = 0,
) -> Path:
    """Write a film; `pts` (in `time_base`) gives variable frame timing; `audio` names one encoder
    per stream, each starting `audio_start` seconds after the picture. `pictures`, (H, W, 3) uint8
    RGB each, are written instead of the moving square and set the size and frame count.
    `keyint`: a sync frame (the codec's key frame) every so many frames (where segments may
    start); `preset`: x264's
    (from "medium" on, with B-frames: packets out of presentation order). `sample_aspect_ratio`:
    an anamorphic film's (2:1: shown twice as wide as stored); `rotation`: degrees
    counter-clockwise players turn the stored frames by (the display matrix, as a phone writes it)."""
    if pictures is not None:
        (height, width), frames = pictures[0].shape[:2], len(pictures)
    with av.open(str(path), "w") as out:
        video = out.add_stream(codec, rate=rate)
        video.width, video.height, video.pix_fmt = width, height, pix_fmt
        if time_base is not None:
            video.time_base = video.codec_context.time_base = time_base
        if color_range is not None:
            video.codec_context.color_range = color_range
        if codec == "libx264":
            video.codec_context.options = {"crf": "10", "preset": preset}
        if keyint:
            video.codec_context.gop_size = keyint
        if sample_aspect_ratio is not None:
            video.codec_context.sample_aspect_ratio = sample_aspect_ratio
        if rotation:
            video.set_display_rotation(rotation)
        tones = []
        for n, name in enumerate(audio):
            a = out.add_stream(name, rate=22050 if name != "libopus" else 48000, layout="mono")
            tones.append((a, 330.0 * (n + 1)))
        duration = (frames / rate) if pts is None else (pts[-1] + 1) * (time_base or 1 / rate)
        for i in range(frames):
            rgb = picture(i, width, height) if pictures is None else pictures[i]
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format=pix_fmt)
            frame.pts = i if pts is None else pts[i]
            if time_base is not None:
                frame.time_base = time_base
            if color_range is not None:
                frame.color_range = color_range
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
        for stream, freq in tones:
            _write_tone(out, stream, freq, float(duration), audio_start)
    return path


def _write_tone(
    out: av.container.OutputContainer, stream: av.AudioStream, freq: float, seconds: float, start: float
) -> None:
    rate = stream.codec_context.sample_rate
    chunk = stream.codec_context.frame_size or 1024
    total = int(rate * seconds) + chunk
    samples = (0.3 * np.sin(2 * np.pi * freq * np.arange(total) / rate) * 32767).astype(np.int16)
    resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="mono", rate=rate)
    offset = round(start * rate)
    for first in range(0, total - chunk + 1, chunk):
        frame = av.AudioFrame.from_ndarray(samples[None, first : first + chunk], format="s16", layout="mono")
        frame.sample_rate, frame.pts = rate, offset + first
        for resampled in resampler.resample(frame):
            for packet in stream.encode(resampled):
                out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)


def packets(path: Path, kind: str = "audio") -> list[list[tuple[bytes, int | None]]]:
    """Per stream of `kind`, every packet's (bytes, pts in seconds*1e6): to compare copies."""
    with av.open(str(path)) as c:
        streams = [s for s in c.streams if s.type == kind]
        out = {s.index: [] for s in streams}
        for p in c.demux(*streams) if streams else ():
            if p.size:
                out[p.stream.index].append(
                    (bytes(p), None if p.pts is None else round(float(p.pts * p.time_base) * 1e6))
                )
    return list(out.values())


def video_frames(path: Path) -> list[tuple[float, np.ndarray]]:
    """Every decoded frame's (time in s, luma plane as decoded)."""
    from filmcolor.media import luma_plane

    with av.open(str(path)) as c:
        return [(float(f.pts * f.time_base), luma_plane(f)) for f in c.decode(video=0)]


def moving_texture(h: int, w: int, shift: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(prev, cur) uint8 luma of a smooth random texture, cur(x, y) = prev(x - dx, y - dy)."""
    big = cv2.GaussianBlur(np.random.default_rng(0).random((200, 200)).astype(np.float32), (0, 0), 2)
    big = np.rint((big - big.min()) / (big.max() - big.min()) * 255).astype(np.uint8)
    prev = big[40 : 40 + h, 40 : 40 + w].copy()
    cur = big[40 - shift[1] : 40 - shift[1] + h, 40 - shift[0] : 40 - shift[0] + w].copy()
    return prev, cur


def false_colour(luma: np.ndarray, hue: int = 0) -> np.ndarray:
    """(H, W, 3) uint8: a coloured version of a luma texture; `hue` rolls the channels (flicker)."""
    rgb = np.stack([luma, 255 - luma, luma // 2 + 60], -1).astype(np.uint8)
    return np.roll(rgb, hue, axis=-1)


def pan_pictures(frames: int, width: int = 96, height: int = 72, step: int = 2, seed: int = 0) -> list[np.ndarray]:
    """(H, W, 3) uint8 RGB views of a large colourful texture, panned `step` px a frame: real
    motion over real detail, as a camera pan gives (what optical flow follows)."""
    rng = np.random.default_rng(seed)
    big = cv2.GaussianBlur(rng.random((height + 8, width + step * frames + 8, 3)).astype(np.float32), (0, 0), 3)
    big = np.clip((big - big.mean()) / big.std() * 70 + 128, 0, 255).astype(np.uint8)
    return [big[4 : 4 + height, 4 + step * i : 4 + step * i + width].copy() for i in range(frames)]


SHOT_W, SHOT_H = 176, 96  # the camera views' size


def scene(seed: int, height: int = 800, width: int = 1400) -> np.ndarray:
    """(height, width) uint8 luma with a natural picture's make-up: detail at every scale
    (noise whose power falls as 1/f^2, summed over octaves) and objects with hard edges."""
    rng = np.random.default_rng(seed)
    out = np.zeros((height, width), np.float32)
    for octave in range(1, 8):
        cells = (max(2, height >> (8 - octave)), max(2, width >> (8 - octave)))
        noise = rng.standard_normal(cells).astype(np.float32)
        out += cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC) * 0.6**octave
    for _ in range(40):  # objects: boxes and discs of their own tone
        x, y, r = int(rng.integers(0, width)), int(rng.integers(0, height)), int(rng.integers(8, 90))
        tone = float(rng.normal(0, 0.6))
        if rng.random() < 0.5:
            cv2.circle(out, (x, y), r, tone, -1)
        else:
            cv2.rectangle(out, (x, y), (x + r, y + int(r * rng.uniform(0.3, 2))), tone, -1)
    out = (out - out.mean()) / out.std()
    return np.clip(128 + 45 * out, 0, 255).astype(np.uint8)


def camera_view(picture: np.ndarray, cx: float, cy: float, zoom: float = 1.0, angle: float = 0.0, blur: int = 0):
    """The (H, W) camera view of `picture` centred at (cx, cy), magnified by `zoom`, turned by
    `angle` degrees, smeared over `blur` px across (motion blur)."""
    m = cv2.getRotationMatrix2D((cx, cy), angle, zoom)
    m[:, 2] += [SHOT_W / 2 - cx, SHOT_H / 2 - cy]
    out = cv2.warpAffine(picture, m, (SHOT_W, SHOT_H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return cv2.blur(out, (blur, 1)) if blur > 1 else out


def camera_pan(
    picture: np.ndarray, frames: int, speed: float, x0: float = SHOT_W, blur: bool = True
) -> list[np.ndarray]:
    """A pan across `picture`, `speed` of the frame's width a frame."""
    cy = picture.shape[0] / 2
    step = speed * SHOT_W
    return [camera_view(picture, x0 + i * step, cy, blur=int(step) if blur else 0) for i in range(frames)]
