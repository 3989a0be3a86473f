"""Benchmark of the smoother's flow: warp error against cost, at each size and preset.

    python pipelines/bench_flow.py FILM [FILM ...] [--frames 48]

The smoother and the keyframe carrier follow each frame's motion (`temporal.motion`: DIS flow
both ways, the trust they and the luma give), and on the CPU that is most of the smoothing
stage's time. Chroma is smooth, so the flow may be estimated on a smaller picture than the
working size (`SmoothConfig.flow_scale`) and with a faster preset; what that loses shows as
the luma's warp error: for each pair of frames, the previous frame warped onto the next along
the flow, the mean absolute difference in 8-bit codes over the whole frame (where the flow is
wrong, the colour carried is wrong too) and over the pixels the smoother trusts (trust > 0.5),
and the share of pixels trusted (what is not trusted takes the fresh, flickering prediction).
Each setting's cost is its median ms per `motion` call. Films: the benchmark's 1080p films
(bench_render.py: the grain film and the pan without grain), read at the render's working
size (short side 256). Scene cuts are left in: few, and they cost every setting alike.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import numpy as np

from filmcolor import media
from filmcolor.configs import SmoothConfig
from filmcolor.flow import warp
from filmcolor.inference import to_working, working_size
from filmcolor.temporal import luma8, motion

SETTINGS = [  # (preset, flow_scale, global_start): the render's is ("fast", 0.5, True)
    ("ultrafast", 0.5, True),
    ("fast", 0.25, True),
    ("fast", 0.5, True),
    ("fast", 0.5, False),
    ("fast", 1.0, True),
    ("medium", 0.5, True),
    ("medium", 1.0, False),  # the guided render's (`guidance.guide.carrying`)
]


def working_lumas(film: Path, frames: int) -> list[np.ndarray]:
    """The film's first `frames` frames as uint8 luma at the working size, as the render sees them."""
    out = []
    with media.open_film(film) as container:
        info = media.film_info(container)
        size = working_size(info.width, info.height, 256)
        for decoded in media.read(container):
            out.append(luma8(to_working(decoded.luma(), info.code_range, size)))
            if len(out) == frames:
                break
    return out


def measure(lumas: list[np.ndarray], config: SmoothConfig) -> dict[str, float]:
    ms, err_all, err_trusted, trusted = [], [], [], []
    for prev, cur in pairwise(lumas):
        t0 = time.perf_counter()
        moved = motion(prev, cur, config)
        ms.append((time.perf_counter() - t0) * 1000)
        diff = np.abs(warp(prev, moved.to_prev).astype(np.float32) - cur.astype(np.float32))  # (h, w) codes
        sure = moved.trust > 0.5
        err_all.append(float(diff.mean()))
        err_trusted.append(float(diff[sure].mean()) if sure.any() else 0.0)
        trusted.append(float(sure.mean()))
    return {
        "ms": statistics.median(ms),
        "error": float(np.mean(err_all)),
        "error_trusted": float(np.mean(err_trusted)),
        "trusted": float(np.mean(trusted)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("films", type=Path, nargs="+")
    parser.add_argument("--frames", type=int, default=48)
    args = parser.parse_args()
    print("| film | preset | flow scale | global start | ms a frame | warp error (codes) | on trusted | trusted |")
    print("|---|---|---|---|---|---|---|---|")
    for film in args.films:
        lumas = working_lumas(film, args.frames)
        for preset, scale, start in SETTINGS:
            config = replace(SmoothConfig(), flow_preset=preset, flow_scale=scale, global_start=start)
            r = measure(lumas, config)
            print(
                f"| {film.stem} | {preset} | {scale} | {'yes' if start else 'no'} | {r['ms']:.1f} | "
                f"{r['error']:.2f} | {r['error_trusted']:.2f} | {r['trusted']:.0%} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
