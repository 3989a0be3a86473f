"""Benchmark of the render against its floor and its peer, on B&W films with sound.

    pip install -e ".[pipelines]" && python pipelines/bench_render.py --work /tmp/fc-bench

Makes B&W test films (camera pans over photographs, with film grain and a tone; see films.py)
at 1920x1080 and 640x480, then measures, each in a fresh process so its peak RSS is its own:
- render: `filmcolor render` with the shipped weights and its defaults (smoothing on, x264
  medium crf 18, segments of 60 s): frames/s, busy time of each stage (they overlap), peak RSS;
  at 1080p also in one pass and in segments of 2 s, for what segments and joins cost, and
  guided by keyframes (`--keyframes`: one per shot, `filmcolor keyframes --auto`), right
  after the plain render so both see the same load on a shared machine, finding the shots
  timed apart;
- render-torch, render-int8: the same render with the generator in torch rather than ONNX
  Runtime (`--engine torch`), and on the shipped weights' int8 graph (`--engine onnx-int8`),
  what each engine costs;
- floor: the same film decoded and encoded again with the same encoder settings, audio
  copied, no model: what any render must at least spend; and the colour floor: the render's
  own coloured output decoded and encoded again (x264 works harder on chroma than on a gray
  film), the floor of any colouriser;
- seed-style: the peer. Every frame written as a PNG, each PNG coloured by the reference
  CycleGAN generator (ResNet, 9 blocks, 64 filters; random weights: only the cost matters) at
  256x256 on RGB and resized back to full size, written as a PNG again, and the PNGs encoded
  with the same encoder (video only). Run on the film's first --seed-frames frames.
Ratios are taken between figures measured in the same run. A second 1080p film, 4 times
longer, checks that the render's peak RSS does not grow with the film's length. A 1080p pan
without grain (`--pan-frames`, the same photographs, `pan-1080p-96.mp4`) gets the same rows as
the grain film but the seed-style peer: there x264 has little to do, so the model, smoothing
and the carrier show (issue 31's bars: the pan at 0.6 of its colour floor at least, the grain
film at 0.9 of its gray floor, `floor`, the guided render at 1.2x the automatic one at most).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import cv2
import numpy as np
import torch
from common import machine, print_json
from pan_films import pan, write_film
from source import EVAL_PHOTOS, fetch_photos

ENCODER = {"codec": "libx264", "crf": 18, "preset": "medium"}  # the render's defaults, used by every pipeline here


def make_bw_film(photos: list[Path], path: Path, width: int, height: int, frames: int, grain: float = 6.0) -> None:
    """A B&W film of `frames` frames: pans over the photographs, 48 frames each, with grain of
    `grain` codes (standard deviation; 0: none, the clean pan)."""
    rng = np.random.default_rng(0)

    def pictures():
        n = 0
        while n < frames:
            for shot, photo in enumerate(photos):
                for rgb in pan(cv2.imread(str(photo)), width, height, min(48, frames - n), seed=shot):
                    y = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
                    if grain:
                        # grain: what makes old film expensive to encode
                        y += rng.normal(0.0, grain, y.shape).astype(np.float32)
                    yield np.repeat(np.clip(y, 0, 255).astype(np.uint8)[..., None], 3, axis=2)
                    n += 1
                if n >= frames:
                    return

    write_film(path, pictures(), width, height, frames, crf=16, preset="veryfast")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def run_render(
    film: Path, out: Path, segment_seconds: float | None = 60.0, keyframes: Path | None = None, engine: str = "auto"
) -> dict:
    from filmcolor.guidance.guide import GuideConfig
    from filmcolor.inference import InferenceConfig
    from filmcolor.media.encoding import EncodeConfig
    from filmcolor.render import RenderConfig, render
    from filmcolor.segments import SegmentConfig

    config = RenderConfig(
        inference=InferenceConfig(engine=engine),
        encode=EncodeConfig(**ENCODER),
        segments=SegmentConfig(seconds=segment_seconds),
        guide=GuideConfig(keyframes=keyframes),
        overwrite=True,
    )
    r = render(film, out, config)
    stages = {k: round(v, 2) for k, v in r.stage_seconds.items()}
    prepared = {k: round(v, 2) for k, v in r.guide_seconds.items()}
    return {
        "frames": r.frames,
        "seconds": round(r.seconds, 2),
        "fps": round(r.fps, 3),
        "stage_seconds": stages,
        "cuts": len(r.cuts),
        "guide_seconds": prepared,
    }


def make_keyframes(film: Path, folder: Path) -> None:
    """One keyframe per shot, the automatic colour (what a user starts from): a guided render's inputs."""
    from filmcolor.inference import InferenceConfig
    from filmcolor.keyframes import KeyframesConfig, write_keyframes

    write_keyframes(film, folder, KeyframesConfig(auto=True, overwrite=True), InferenceConfig())


def run_floor(film: Path, out: Path) -> dict:
    """Decode and encode again with the render's encoder settings, audio copied: no model."""
    t0 = time.perf_counter()
    frames = 0
    with av.open(str(film)) as src, av.open(str(out), "w") as dst:
        vin = src.streams.video[0]
        vin.thread_type = "AUTO"
        vout = dst.add_stream(ENCODER["codec"], rate=vin.average_rate)
        vout.width, vout.height, vout.pix_fmt = vin.width, vin.height, "yuv420p"
        vout.time_base = vin.time_base
        vout.codec_context.options = {"crf": str(ENCODER["crf"]), "preset": ENCODER["preset"]}
        aouts = {a.index: dst.add_stream_from_template(a) for a in src.streams.audio}
        for packet in src.demux(vin, *src.streams.audio):
            if packet.stream.type == "audio":
                if packet.size == 0:
                    continue
                packet.stream = aouts[packet.stream.index]
                dst.mux(packet)
                continue
            for frame in packet.decode():
                frame.pict_type = av.video.frame.PictureType.NONE
                dst.mux(vout.encode(frame))
                frames += 1
        dst.mux(vout.encode())
    seconds = time.perf_counter() - t0
    return {"frames": frames, "seconds": seconds, "fps": frames / seconds}


def run_seed(film: Path, out: Path, limit: int) -> dict:
    """The seed-style pipeline on the first `limit` frames: PNGs out, reference generator, PNGs in."""
    from bench_train import ReferenceResnetGenerator

    torch.manual_seed(0)
    net = ReferenceResnetGenerator().eval()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        frames_dir, colour_dir = Path(tmp, "frames"), Path(tmp, "colour")
        frames_dir.mkdir()
        colour_dir.mkdir()
        with av.open(str(film)) as src:
            vin = src.streams.video[0]
            rate, (w, h) = vin.average_rate, (vin.width, vin.height)
            for i, frame in enumerate(src.decode(vin)):
                if i == limit:
                    break
                cv2.imwrite(str(frames_dir / f"{i:06d}.png"), frame.to_ndarray(format="bgr24"))
        paths = sorted(frames_dir.glob("*.png"))
        with torch.inference_mode():
            for p in paths:
                rgb = cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB)
                x = (
                    torch.from_numpy(cv2.resize(rgb, (256, 256), interpolation=cv2.INTER_AREA))
                    .permute(2, 0, 1)[None]
                    .float()
                    / 127.5
                    - 1
                )  # (1, 3, 256, 256)
                y = ((net(x)[0].permute(1, 2, 0).numpy() + 1) * 127.5).clip(0, 255).astype(np.uint8)  # (256, 256, 3)
                cv2.imwrite(
                    str(colour_dir / p.name),
                    cv2.cvtColor(cv2.resize(y, (w, h), interpolation=cv2.INTER_CUBIC), cv2.COLOR_RGB2BGR),
                )
        with av.open(str(out), "w") as dst:
            vout = dst.add_stream(ENCODER["codec"], rate=rate)
            vout.width, vout.height, vout.pix_fmt = w, h, "yuv420p"
            vout.codec_context.options = {"crf": str(ENCODER["crf"]), "preset": ENCODER["preset"]}
            for i, p in enumerate(sorted(colour_dir.glob("*.png"))):
                frame = av.VideoFrame.from_ndarray(cv2.imread(str(p)), format="bgr24")
                frame.pts = i
                dst.mux(vout.encode(frame))
            dst.mux(vout.encode())
    seconds = time.perf_counter() - t0
    return {"frames": len(paths), "seconds": seconds, "fps": len(paths) / seconds}


def child(mode: str, film: Path, out: Path, limit: int) -> None:
    """One measurement in this (fresh) process; prints its JSON."""
    result = {
        "render": lambda: run_render(film, out),  # the defaults: segments of 60 s (ONNX Runtime on the CPU)
        "render-torch": lambda: run_render(film, out, engine="torch"),  # the generator in torch instead
        "render-int8": lambda: run_render(film, out, engine="onnx-int8"),  # the shipped weights' int8 graph
        "colour-floor": lambda: run_floor(out.with_name(f"{film.stem}-render.mp4"), out),  # the render's own output
        "one-pass": lambda: run_render(film, out, None),
        "segments-2s": lambda: run_render(film, out, 2.0),  # a join every 48 frames: the segments' cost, magnified
        "guided": lambda: run_render(film, out, keyframes=film.with_name(film.stem + "-keyframes")),
        "floor": lambda: run_floor(film, out),
        "seed": lambda: run_seed(film, out, limit),
    }[mode]()
    print(json.dumps({**result, "peak_rss_mb": round(peak_rss_mb(), 1)}))


def measure(mode: str, film: Path, work: Path, limit: int = 0) -> dict:
    out = work / f"{film.stem}-{mode}.mp4"
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(film), str(out), str(limit)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"{film.name} {mode}: {result['fps']:.2f} frames/s, peak RSS {result['peak_rss_mb']:.0f} MB", flush=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, help="folder for the test films and outputs")
    ap.add_argument("--frames", type=int, default=240, help="frames of each test film (10 s at 23.976 frames/s)")
    ap.add_argument("--pan-frames", type=int, default=96, help="frames of the 1080p pan without grain")
    ap.add_argument("--seed-frames", type=int, default=24, help="frames the seed-style pipeline colours (it is slow)")
    ap.add_argument(
        "--only-1080p",
        action="store_true",
        help="the 1080p films alone (grain, and the pan without grain): the render, its floors and the guided render",
    )
    ap.add_argument("--child", nargs=4, metavar=("MODE", "FILM", "OUT", "LIMIT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, film, out, limit = args.child
        return child(mode, Path(film), Path(out), int(limit))
    if args.work is None:
        ap.error("--work is required")
    args.work.mkdir(parents=True, exist_ok=True)
    photos = sorted((args.work / "photos").glob("*.jpg")) or fetch_photos(args.work / "photos", EVAL_PHOTOS)
    results = {
        "machine": machine(),
        "torch": torch.__version__,
        "av": av.__version__,
    }
    films = [("bw", (1920, 1080), args.frames)]  # (name, size, frames): the grain film first
    if not args.only_1080p:
        films += [("bw", (640, 480), args.frames), ("bw", (1920, 1080), 4 * args.frames)]
    films += [("pan", (1920, 1080), args.pan_frames)]  # no grain: where the model and smoothing show
    for name, (w, h), frames in films:
        film = args.work / f"{name}-{h}p-{frames}.mp4"
        if not film.exists():
            make_bw_film(photos, film, w, h, frames, grain=0.0 if name == "pan" else 6.0)
        full = name == "pan" or frames == args.frames  # every row, not only the render's
        row = {
            "film": film.name,
            "width": w,
            "height": h,
            "frames": frames,
            "render": measure("render", film, args.work),
        }
        if h == 1080 and full:  # guided right after the plain render: the same load on a shared machine
            keys = film.with_name(film.stem + "-keyframes")
            if not keys.is_dir():
                make_keyframes(film, keys)
            row["guided"] = measure("guided", film, args.work)
            row["guided_time_vs_render"] = round(row["guided"]["seconds"] / row["render"]["seconds"], 3)
        if full:
            row["render-torch"] = measure("render-torch", film, args.work)
            row["torch_time_vs_onnx"] = round(row["render-torch"]["seconds"] / row["render"]["seconds"], 3)
            row["render-int8"] = measure("render-int8", film, args.work)
            row["int8_time_vs_onnx"] = round(row["render-int8"]["seconds"] / row["render"]["seconds"], 3)
            row["floor"] = measure("floor", film, args.work)
            row["render_vs_floor"] = round(row["render"]["fps"] / row["floor"]["fps"], 3)
            row["colour-floor"] = measure("colour-floor", film, args.work)
            row["render_vs_colour_floor"] = round(row["render"]["fps"] / row["colour-floor"]["fps"], 3)
            if not args.only_1080p and name == "bw":
                row["seed"] = measure("seed", film, args.work, args.seed_frames)
                row["render_vs_seed"] = round(row["render"]["fps"] / row["seed"]["fps"], 2)
            if h == 1080 and not args.only_1080p and name == "bw":
                row["one-pass"] = measure("one-pass", film, args.work)
                row["segments-2s"] = measure("segments-2s", film, args.work)
                row["segments_cost"] = round(row["one-pass"]["fps"] / row["segments-2s"]["fps"] - 1, 3)
        results[f"{name}-{h}p-{frames}" if name != "bw" else f"{h}p-{frames}"] = row
    print_json(results)


if __name__ == "__main__":
    main()
