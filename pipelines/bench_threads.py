"""Benchmark of the render's threads: the model's (torch and ONNX Runtime) against x264's.

    python pipelines/bench_threads.py --film /tmp/fc-bench/bw-1080p-96.mp4 --work /tmp/fc-threads

On two cores the decoder, the model, the smoother and the encoder share the CPU, so more
threads for one stage take time from the others. Each setting renders the film once in a
fresh process (one pass, the shipped weights, the render's defaults otherwise):
- model threads: OMP_NUM_THREADS, which torch takes at start-up (the render leaves a set
  OMP_NUM_THREADS alone) and ONNX Runtime's intra-op pool is given (`inference.Predictor`);
  unset, both get the process's cores (2 here);
- x264 threads: FFmpeg's `threads` option on the encoder; 0 is the render's own (x264's
  automatic count, 1.5x the cores, plus its lookahead thread).
The settings run in rounds, each round in a new order, so a machine's load drifting over the
run falls on all of them alike; the table gives each one's median, and the busy seconds of
each stage (they overlap) from its fastest run. `film.py`-style grain films are what the
encoder finds hardest; bench_render.py makes them (bw-1080p-96.mp4).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
from pathlib import Path

THREADS = (1, 2, 4)


def render_once(film: Path, out: Path, x264_threads: int) -> dict:
    """One render in this process (OMP_NUM_THREADS already set by the caller)."""
    from filmcolor.configs import RenderConfig, SegmentConfig
    from filmcolor.media.encoding import EncodeConfig
    from filmcolor.render import render

    if x264_threads:
        own = EncodeConfig.options
        EncodeConfig.options = lambda self: {**own(self), "threads": str(x264_threads)}  # type: ignore[method-assign]
    r = render(film, out, RenderConfig(segments=SegmentConfig(seconds=None), overwrite=True))
    return {"seconds": r.seconds, "stages": r.stage_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--film", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--one", nargs=2, type=int, metavar=("MODEL", "X264"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.one:
        print(json.dumps(render_once(args.film, args.work / "out.mp4", args.one[1])))
        return
    settings = [(0, 0)] + [(m, x) for m in THREADS for x in THREADS]  # (0, 0): the render's defaults
    results: dict[tuple[int, int], list[dict]] = {s: [] for s in settings}
    rng = random.Random(0)
    for _ in range(args.rounds):
        for m, x in rng.sample(settings, len(settings)):
            env = dict(os.environ)
            env.pop("OMP_NUM_THREADS", None)
            if m:
                env["OMP_NUM_THREADS"] = str(m)
            argv = [
                sys.executable,
                __file__,
                "--film",
                str(args.film),
                "--work",
                str(args.work),
                "--one",
                str(m),
                str(x),
            ]
            line = subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout.strip().splitlines()
            results[(m, x)].append(json.loads(line[-1]))
            print(f"model {m or 'default'} x264 {x or 'auto'}: {results[(m, x)][-1]['seconds']:.1f} s", flush=True)
    print("\n| model threads | x264 threads | median s | busy s of each stage, fastest run |")
    print("|---|---|---|---|")
    for (m, x), runs in sorted(results.items()):
        best = min(runs, key=lambda r: r["seconds"])
        busy = " / ".join(f"{k} {v:.1f}" for k, v in best["stages"].items())
        seconds = statistics.median(r["seconds"] for r in runs)
        print(f"| {m or '2 (default)'} | {x or 'auto (default)'} | {seconds:.1f} | {busy} |")
    print(f"\nload average at the end: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
