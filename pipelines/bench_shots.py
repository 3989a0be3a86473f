"""Benchmark of finding a film's shots: filmcolor's cut test against 0.1's, on the render
benchmark's 1080p B&W film (pipelines/bench_render.py), and the decoding both include.

    python pipelines/bench_shots.py --work /tmp/fc-bench

Each is run `--runs` times in this process, one after the other, and its fastest run kept
(the least disturbed by anything else on the machine):
- decode: the film's frames decoded and their luma read, nothing else (the floor of any pass);
- filmcolor: `shots.find_shots` (what `filmcolor keyframes`, a guided render and a segmented
  render spend before rendering);
- 0.1: each frame's luma at the working size against the previous one's 32x32 thumbnail
  correlation (pipelines/eval_shots.py keeps that test).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench_render import make_bw_film
from common import machine, print_json
from eval_shots import today_cuts
from source import EVAL_PHOTOS, fetch_photos

from filmcolor import media
from filmcolor.guidance.shots import find_shots


def decode(film: Path) -> int:
    with media.open_film(film) as container:
        return sum(1 for item in media.read(container) if isinstance(item, media.Decoded) and item.luma() is not None)


def fastest(runs: int, job) -> tuple[float, object]:
    """(the fastest of `runs` runs of `job()` in seconds, its result)."""
    best, result = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        result = job()
        best = min(best, time.perf_counter() - t)
    return best, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, required=True, help="folder for the test film")
    ap.add_argument("--frames", type=int, default=240)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("-o", "--output", type=Path, help="the figures as JSON")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    film = args.work / f"bw-1080p-{args.frames}.mp4"
    if not film.exists():
        photos = sorted((args.work / "photos").glob("*.jpg")) or fetch_photos(args.work / "photos", EVAL_PHOTOS)
        make_bw_film(photos, film, 1920, 1080, args.frames)
    seconds_decode, frames = fastest(args.runs, lambda: decode(film))
    seconds_new, shots = fastest(args.runs, lambda: find_shots(film))
    seconds_old, (old_cuts, _) = fastest(args.runs, lambda: today_cuts(film))
    row = {
        "machine": machine(),
        "film": film.name,
        "frames": frames,
        "decode_s": round(seconds_decode, 2),
        "filmcolor_s": round(seconds_new, 2),
        "filmcolor_cuts": shots.cuts,
        "filmcolor_ms_a_frame_over_decode": round(1000 * (seconds_new - seconds_decode) / frames, 2),
        "0.1_s": round(seconds_old, 2),
        "0.1_cuts": old_cuts,
    }
    print_json(row, args.output)


if __name__ == "__main__":
    main()
