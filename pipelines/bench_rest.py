"""Benchmark of what the automatic rest costs a guided render: `render --keyframes` of the sample
(samples/band.mp4) with its keyframes painted with a few strokes each, the rest gray against the
rest automatic (keyframes.json's "rest": the model's colour of each stroke keyframe's frame put
where its strokes do not reach, `keyframe_mode.automatic_bases`).

    python pipelines/bench_rest.py --work /tmp/fc-bench-rest [--runs 3] [-o figures.json]

The keyframes folder is `filmcolor keyframes` of the film, each keyframe given three strokes
(as the studio saves them: a transparent PNG on the gray frame). The two renders alternate,
`--runs` times each, and each one's fastest and median wall time is kept, with the time the
preparation spent on the rest (`RenderResult.guide_seconds`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import cv2
import numpy as np
from common import ROOT, machine, print_json

from filmcolor.guidance.guide import GuideConfig
from filmcolor.inference import InferenceConfig
from filmcolor.keyframes import KeyframesConfig, write_keyframes
from filmcolor.render import RenderConfig, render
from filmcolor.studio.engine import keyframe_picture, save_keyframe

FILM = ROOT / "samples" / "band.mp4"


def painted(folder: Path) -> int:
    """`filmcolor keyframes` of the film into `folder`, three strokes on each keyframe; how many keyframes."""
    write_keyframes(FILM, folder, KeyframesConfig(overwrite=True), InferenceConfig())
    listing = json.loads((folder / "keyframes.json").read_text())
    for entry in listing["keyframes"]:
        gray = cv2.imread(str(folder / f"{entry['frame']:06d}.png"), cv2.IMREAD_GRAYSCALE)
        h, w = gray.shape
        strokes = np.zeros((h, w, 4), np.uint8)
        for k, colour in enumerate([(192, 57, 43), (46, 134, 193), (212, 172, 13)]):
            y = int(h * (0.3 + 0.2 * k))
            cv2.line(strokes, (int(w * 0.3), y), (int(w * 0.5), y), (*colour, 255), max(2, w // 40))
        save_keyframe(folder, entry["frame"], keyframe_picture(gray, strokes))
    return len(listing["keyframes"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("-o", "--output", type=Path, help="the figures as JSON")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    keys = args.work / "keys"
    count = painted(keys)
    listing = json.loads((keys / "keyframes.json").read_text())
    walls: dict[str, list[float]] = {"gray": [], "automatic": []}
    rest_s: list[float] = []
    for _ in range(args.runs):
        for rest in walls:
            (keys / "keyframes.json").write_text(json.dumps({**listing, "rest": rest}, indent=1) + "\n")
            t = time.perf_counter()
            result = render(
                FILM, args.work / f"{rest}.mp4", RenderConfig(guide=GuideConfig(keyframes=keys), overwrite=True)
            )
            walls[rest].append(time.perf_counter() - t)
            if rest == "automatic":
                rest_s.append(result.guide_seconds["automatic colour of the rest"])
    figures = {
        "machine": machine(),
        "film": f"{FILM.name}: {result.frames} frames, {count} keyframes painted with 3 strokes each",
        **{f"{rest}_fastest_s": round(min(w), 2) for rest, w in walls.items()},
        **{f"{rest}_median_s": round(statistics.median(w), 2) for rest, w in walls.items()},
        "rest_preparation_fastest_s": round(min(rest_s), 3),
        "rest_preparation_median_s": round(statistics.median(rest_s), 3),
    }
    print_json(figures, args.output)


if __name__ == "__main__":
    main()
