"""Benchmark of finding a film's camera setups (`filmcolor.guidance.setups`) and of what borrowing
costs a guided render, on a 1080p B&W film of 240 frames: 15 shots of 16 frames cut back and
forth between two setups (pans over two of opencv-doc's example pictures, each shot framed anew).

    python pipelines/bench_setups.py --work /tmp/fc-bench-setups [--render]

Each step is run `--runs` times in this process and its fastest run kept:
- decode: the sync frames listed (demuxing) and the representative frames (one or two a shot:
  `borrow.representatives`) decoded from their sync frames, at the working size;
- group: their ORB features and the pairwise setup tests (`setups.find_setups`);
- borrow (with `--render`): the whole preparation a guided render adds (`borrow.plan_borrowing`:
  the decode, the grouping, the model on the frames that borrow and the transfer).
With `--render`, three renders of the film (once each): automatic; with keyframes on the first
shot of each setup (the default, setups on); the same with --no-setups.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import torch
from common import machine
from eval_keyframes import keyframes
from eval_setups import OPENCV, SHOT, framing, view
from pan_films import RATE, write_film

from filmcolor import media
from filmcolor.degrade import DegradeConfig, degrade
from filmcolor.guidance import borrow, setups
from filmcolor.guidance.guide import GuideConfig
from filmcolor.guidance.keyframe_files import read_keyframes
from filmcolor.guidance.shots import find_shots
from filmcolor.inference import InferenceConfig, load_model, working_size
from filmcolor.render import RenderConfig, render

PICTURES = ("building.jpg", "home.jpg")


def make(truth: Path, bw: Path, frames: int) -> None:
    """The test film: 1080p, `frames` frames, shots of SHOT frames alternating two setups."""
    pictures = [cv2.imread(str(OPENCV / name)) for name in PICTURES]

    def views():
        for k in range(frames // SHOT):
            for rgb in framing(pictures[k % 2], view(pictures[k % 2].shape, k)):
                yield cv2.resize(rgb, (1920, 1080), interpolation=cv2.INTER_CUBIC)

    write_film(truth, views(), 1920, 1080, frames, rate=RATE)
    degrade(truth, bw, DegradeConfig(clean=True))


def fastest(runs: int, job) -> tuple[float, float, object]:
    """(the fastest of `runs` runs of `job()` in seconds, the CPU seconds of that run (all threads:
    what a loaded machine's wall clock hides), its result)."""
    best, cpu, result = float("inf"), 0.0, None
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        result = job()
        if time.perf_counter() - t < best:
            best, cpu = time.perf_counter() - t, time.process_time() - c
    return best, cpu, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--frames", type=int, default=240)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--render", action="store_true", help="also time the three renders")
    ap.add_argument("-o", "--output", type=Path, help="the figures as JSON")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    truth, bw = args.work / f"truth-1080p-{args.frames}.mp4", args.work / f"bw-1080p-{args.frames}.mp4"
    if not bw.exists():
        make(truth, bw, args.frames)
    with media.open_film(bw) as c:
        info = media.film_info(c)
        times, _ = media.video_times(c)
    size = working_size(info.width, info.height, InferenceConfig().model_size)
    cuts = find_shots(bw).cuts
    starts = [0, *cuts]

    def decode() -> tuple[dict, dict]:
        frames = borrow.representatives(starts, len(times), borrow.sync_frames(bw, times))
        wanted = [f for fs in frames.values() for f in fs]
        return frames, borrow.representative_lumas(bw, times, wanted, info.code_range, size)

    t_decode, cpu_decode, (frames, lumas) = fastest(args.runs, decode)
    t_group, cpu_group, found = fastest(args.runs, lambda: setups.find_setups(borrow.film_looks(lumas, frames)))
    figures = {
        "machine": machine(),
        "film": f"1080p, {len(times)} frames, {len(starts)} shots",
        "setups": found.groups(starts),
        "decode_s": round(t_decode, 3),
        "group_s": round(t_group, 3),
        "grouping_s": round(t_decode + t_group, 3),
        "grouping_cpu_s": round(cpu_decode + cpu_group, 3),
    }
    print(json.dumps(figures), flush=True)
    if args.render:
        keys = args.work / "keys"
        keyframes(truth, [0, SHOT], keys)
        model = load_model(None, torch.device("cpu"))
        painted = read_keyframes(
            {0: keys / "000000.png", SHOT: keys / f"{SHOT:06d}.png"}, info, size, model.config.matrix
        )
        t_borrow, _, _ = fastest(
            1,
            lambda: borrow.plan_borrowing(bw, info, times, cuts, painted, None, model, InferenceConfig(), size),
        )
        seconds = {"borrow_prepare_s": round(t_borrow, 2)}
        for label, guide in (
            ("automatic", GuideConfig()),
            ("guided, setups", GuideConfig(keyframes=keys)),
            ("guided, --no-setups", GuideConfig(keyframes=keys, no_setups=True)),
        ):
            t = time.perf_counter()
            render(bw, args.work / f"{label}.mp4".replace(" ", ""), RenderConfig(guide=guide, overwrite=True))
            seconds[label] = round(time.perf_counter() - t, 1)
        seconds["ratio setups / automatic"] = round(seconds["guided, setups"] / seconds["automatic"], 2)
        seconds["ratio setups / --no-setups"] = round(seconds["guided, setups"] / seconds["guided, --no-setups"], 2)
        figures["render"] = seconds
        print(json.dumps(seconds), flush=True)
    if args.output:
        args.output.write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
