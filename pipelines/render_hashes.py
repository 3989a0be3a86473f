"""Hashes of every decoded frame of a set of renders: the check that a change to the code that
is meant to change no behaviour (a refactor) changes none.

    python pipelines/render_hashes.py --work /tmp/fc-hashes -o before.json   # on the old commit
    python pipelines/render_hashes.py --work /tmp/fc-hashes -o after.json    # on the new one
    python pipelines/render_hashes.py --compare before.json after.json

Renders, with the shipped weights and the render's defaults but for what each names:
- `samples/band.mp4` automatic: whole (segments of 60 s), in segments of 5 s, and a preview
  (one pass from 2 s); the preview and the whole film in one pass also into lossless FFV1
  (.mkv): x264's output of a one-pass render is not the same from run to run (its input is),
  so those two show the frames as the render made them;
- the same guided by keyframes made from `samples/band-colour.mp4` (its truth) on each shot's
  first frame (`filmcolor keyframes` picks them), one of them given as strokes on a clear layer
  and one left gray (its shot takes the automatic colour): whole, in segments of 5 s, a
  preview from 5 s (the carrier rolled forward to it), also into FFV1;
- a tiny generated film of two shots (96x72, 24 frames, a sync frame every 6), as the tests
  make them, its keyframes tinted: in one pass, in segments of 6 frames, a preview from its
  5th frame;
- the studio's preview of a shot's carried colour (`studio.engine.carry_shot`) on the sample.

Each frame is hashed (sha256) over its pts and its planes' pixels (decoded by PyAV, padding
left out). The output JSON maps each render's name to its frames' hashes; `--compare` says
which renders differ, and at which frames. Everything runs on the CPU, so the hashes are the
same from run to run on one machine (ONNX Runtime and torch on the CPU are deterministic for a
fixed thread count; run both sides on the same machine).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import av
import cv2
import numpy as np

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def frame_hashes(path: Path) -> list[str]:
    """sha256 of each decoded frame of `path`'s video: its pts, then each plane's pixels row by row."""
    out = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            h = hashlib.sha256(str(frame.pts).encode())
            for plane in frame.planes:
                rows = np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)
                bytes_per_sample = 2 if "p10" in frame.format.name or "p16" in frame.format.name else 1
                h.update(np.ascontiguousarray(rows[:, : plane.width * bytes_per_sample]).tobytes())
            out.append(h.hexdigest())
    return out


def tiny_film(path: Path) -> Path:
    """24 frames, 96x72, a sync frame every 6: a moving square on a gradient, then (a cut) the
    same upside down and mirrored (as tests/test_keyframes.py's `two_shots`)."""

    def picture(i: int) -> np.ndarray:
        y, x = np.mgrid[0:72, 0:96]
        rgb = np.stack([x * 255 // 95, y * 255 // 71, np.full_like(x, 90)], -1).astype(np.uint8)
        x0 = (3 * i) % (96 - 18)
        rgb[24:42, x0 : x0 + 18] = (230, 40, 60)
        return rgb

    pictures = [picture(i) for i in range(12)] + [picture(i)[::-1, ::-1].copy() for i in range(12)]
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=24)
        video.width, video.height, video.pix_fmt = 96, 72, "yuv420p"
        video.codec_context.options = {"crf": "10", "preset": "ultrafast"}
        video.codec_context.gop_size = 6
        for i, rgb in enumerate(pictures):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
            frame.pts = i
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
    return path


def truth_frames(path: Path, indices: set[int]) -> dict[int, np.ndarray]:
    """(H, W, 3) uint8 RGB of frames `indices` of `path`."""
    with av.open(str(path)) as container:
        return {i: f.to_ndarray(format="rgb24") for i, f in enumerate(container.decode(video=0)) if i in indices}


def band_keyframes(folder: Path) -> Path:
    """A keyframes folder for the sample: `filmcolor keyframes` picks each shot's first frame,
    each painted with the truth's colour; the second as strokes (three patches of the truth on
    a clear layer), the last left gray."""
    from filmcolor.inference import InferenceConfig
    from filmcolor.keyframes import KeyframesConfig, write_keyframes

    write_keyframes(SAMPLES / "band.mp4", folder, KeyframesConfig(), InferenceConfig())
    names = sorted(p for p in folder.glob("*.png"))
    truth = truth_frames(SAMPLES / "band-colour.mp4", {int(p.stem) for p in names})
    for n, path in enumerate(names):
        rgb = truth[int(path.stem)]
        if n == len(names) - 1 and n > 0:
            continue  # left gray
        if n == 1:
            alpha = np.zeros(rgb.shape[:2], np.uint8)
            h, w = alpha.shape
            for y, x in ((h // 4, w // 4), (h // 2, w // 2), (3 * h // 4, 3 * w // 5)):
                alpha[y - 6 : y + 6, x - 8 : x + 8] = 255
            cv2.imwrite(str(path), np.dstack([rgb[..., ::-1], alpha]))
        else:
            cv2.imwrite(str(path), rgb[..., ::-1])
    return folder


def tiny_keyframes(film: Path, folder: Path) -> Path:
    """`filmcolor keyframes` of the tiny film, the first keyframe tinted red, the second blue."""
    from filmcolor.inference import InferenceConfig
    from filmcolor.keyframes import KeyframesConfig, write_keyframes

    write_keyframes(film, folder, KeyframesConfig(), InferenceConfig())
    for path, channel in zip(sorted(folder.glob("*.png")), (2, 0), strict=False):
        bgr = cv2.imread(str(path))
        bgr[..., channel] = np.minimum(255, bgr[..., channel].astype(int) + 60)
        cv2.imwrite(str(path), bgr)
    return folder


def render_all(work: Path, only: set[str] | None = None) -> dict[str, list[str]]:
    from filmcolor.guidance.guide import GuideConfig
    from filmcolor.media.encoding import EncodeConfig
    from filmcolor.render import RenderConfig, render
    from filmcolor.segments import SegmentConfig

    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    band = SAMPLES / "band.mp4"
    band_keys = band_keyframes(work / "band-keys")
    tiny = tiny_film(work / "tiny.mp4")
    tiny_keys = tiny_keyframes(tiny, work / "tiny-keys")
    base = RenderConfig()
    runs: dict[str, tuple[Path, RenderConfig]] = {
        "band": (band, base),
        "band-segments-5s": (band, replace(base, segments=SegmentConfig(seconds=5.0))),
        "band-preview-2s": (band, replace(base, start=2.0, duration=4.0)),
        "band-preview-2s-ffv1": (band, replace(base, start=2.0, duration=4.0, encode=EncodeConfig(codec="ffv1"))),
        "band-one-pass-ffv1": (
            band,
            replace(base, segments=SegmentConfig(seconds=None), encode=EncodeConfig(codec="ffv1")),
        ),
    }
    guided = replace(base, guide=GuideConfig(keyframes=band_keys))
    runs |= {
        "band-keys": (band, guided),
        "band-keys-segments-5s": (band, replace(guided, segments=SegmentConfig(seconds=5.0))),
        "band-keys-preview-5s": (band, replace(guided, start=5.0, duration=3.0)),
        "band-keys-preview-5s-ffv1": (
            band,
            replace(guided, start=5.0, duration=3.0, encode=EncodeConfig(codec="ffv1")),
        ),
    }
    tiny_guided = replace(base, guide=GuideConfig(keyframes=tiny_keys))
    runs |= {
        "tiny-keys-one-pass": (tiny, replace(tiny_guided, segments=SegmentConfig(seconds=None))),
        "tiny-keys-segments": (tiny, replace(tiny_guided, segments=SegmentConfig(seconds=0.25))),
        "tiny-keys-preview": (tiny, replace(tiny_guided, start=5 / 24, duration=0.5)),
    }
    hashes = {}
    for name, (film, config) in runs.items():
        if only and name not in only:
            continue
        out = work / f"{name}.{'mkv' if config.encode.codec == 'ffv1' else 'mp4'}"
        render(film, out, config)
        hashes[name] = frame_hashes(out)
        print(f"{name}: {len(hashes[name])} frames", file=sys.stderr)
    if not only or "studio-carry-shot" in only:
        hashes["studio-carry-shot"] = studio_hashes(band, band_keys)
    return hashes


def studio_hashes(band: Path, keys: Path) -> list[str]:
    """The studio's preview of the sample's first shot, carried from its keyframe."""
    from filmcolor.studio import engine

    film = engine.open_film(band)
    listing = json.loads((keys / "keyframes.json").read_text())
    cuts = [c for c in listing["cuts"] if c > 0]
    end = cuts[0] if cuts else film.frames
    files = {0: keys / "000000.png"}
    out: list[str] = []

    def emit(index: int, rgb: np.ndarray) -> bool:
        out.append(hashlib.sha256(f"{index}".encode() + np.ascontiguousarray(rgb).tobytes()).hexdigest())
        return True

    engine.carry_shot(film, files, 0, end, 0, min(end, 48), emit)
    engine.carry_shot(film, files, 0, end, min(end - 1, 20), min(end, 30), emit)  # started mid-shot: the preroll
    return out


def compare(before: Path, after: Path) -> int:
    a, b = json.loads(before.read_text()), json.loads(after.read_text())
    bad = 0
    for name in sorted(set(a) | set(b)):
        x, y = a.get(name), b.get(name)
        if x == y:
            print(f"{name}: identical ({len(x or [])} frames)")
            continue
        bad += 1
        if x is None or y is None:
            print(f"{name}: only in {'after' if x is None else 'before'}")
            continue
        differ = [i for i, (p, q) in enumerate(zip(x, y, strict=False)) if p != q]
        print(f"{name}: DIFFERENT: {len(x)} vs {len(y)} frames, {len(differ)} differ (first: {differ[:5]})")
    print("all identical" if not bad else f"{bad} renders differ")
    return 1 if bad else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/fc-render-hashes"), help="folder for the renders")
    parser.add_argument("-o", "--output", type=Path, help="write the hashes here (JSON)")
    parser.add_argument("--only", help="render only these (names, comma-separated)")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"), help="compare two outputs")
    args = parser.parse_args()
    if args.compare:
        sys.exit(compare(*args.compare))
    hashes = render_all(args.work, set(args.only.split(",")) if args.only else None)
    text = json.dumps(hashes, indent=1)
    if args.output:
        args.output.write_text(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
