"""Recipe for what the shot finder means to a render: on the shot set's pans and pass-bys (the
footage where a cut test that mistakes motion for cuts drops a keyframe's colour mid-shot),
the guided render against the plain carrier, frame by frame, and the automatic render's
smoothing against the truth's own steadiness.

    python pipelines/shot_set.py /work/shotdata/set
    python pipelines/eval_shot_films.py /work/shotdata/set --work /tmp/fc-shot-films -o docs/shot-films.json

For each film (colour, with a known truth: pipelines/shot_set.py), made B&W by `filmcolor
degrade --clean`:
- guided: `filmcolor render --keyframes`, a keyframe from the truth on each true shot's first
  frame (the shots themselves found by the render: no keyframes.json in the folder);
- plain carrier: the same keyframes' true colour carried frame to frame by DIS optical flow at
  full size, nothing else (pipelines/eval_keyframes.py's), encoded the same way;
- automatic: `filmcolor render` with its defaults (smoothing restarted at the cuts it finds).
Measured (pipelines/eval_keyframes.py's `measure`): chroma PSNR of every frame against the
truth's, the guided render's worst frame against the plain carrier's on that frame (asked:
never more than 1 dB below), and the automatic render's warping error against the truth's
(asked: within 1.2x).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from eval_keyframes import keyframes, measure, plain_carrier

from filmcolor.degrade import DegradeConfig, degrade
from filmcolor.guidance.guide import GuideConfig
from filmcolor.render import RenderConfig, render

SUBSETS = ("pans", "pass-by")


def evaluate(truth_file: Path, work: Path) -> dict:
    """One set film: the guided render and the plain carrier frame by frame, the automatic
    render's warping error, each against the truth."""
    t = json.loads(truth_file.read_text())
    truth = truth_file.with_name(t["film"])
    stem = truth.stem
    bw, keys = work / f"{stem}-bw.mp4", work / f"{stem}-keys"
    if not bw.exists():
        degrade(truth, bw, DegradeConfig(clean=True))
    starts = [0, *t["cuts"]]  # the pans and pass-by films have hard cuts only
    keyframes(truth, starts, keys)
    guided, plain, auto = work / f"{stem}-guided.mp4", work / f"{stem}-plain.mp4", work / f"{stem}-auto.mp4"
    found = render(bw, guided, RenderConfig(guide=GuideConfig(keyframes=keys), overwrite=True)).cuts
    plain_carrier(truth, bw, set(starts), plain)
    render(bw, auto, RenderConfig(overwrite=True))
    m = measure(truth, {"guided": guided, "plain carrier": plain, "automatic": auto}, starts, starts)
    g, p = np.array(m["guided"]["per_frame"]), np.array(m["plain carrier"]["per_frame"])
    return {
        "film": t["film"],
        "part": t["part"],
        "subset": t["subset"],
        "frames": t["frames"],
        "true cuts": t["cuts"],
        "cuts found by the render": found,
        "guided chroma PSNR": m["guided"]["chroma_psnr"],
        "plain carrier chroma PSNR": m["plain carrier"]["chroma_psnr"],
        "guided minus plain, worst frame (dB)": round(float((g - p).min()), 2),
        "worst frame": int(np.argmin(g - p)),
        "frames more than 1 dB below plain": int(((g - p) < -1.0).sum()),
        "automatic warping error / truth's": round(m["automatic"]["warping_error"] / m["truth"]["warping_error"], 3),
        "guided warping error / truth's": round(m["guided"]["warping_error"] / m["truth"]["warping_error"], 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("set", type=Path, help="the shot set's folder (pipelines/shot_set.py)")
    ap.add_argument("--work", type=Path, required=True, help="folder for the B&W films, keyframes and renders")
    ap.add_argument("--part", choices=["tune", "holdout"], default="holdout")
    ap.add_argument("-o", "--output", type=Path, required=True, help="the figures as JSON")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    for truth_file in sorted(args.set.glob(f"{args.part}-*.json")):
        if json.loads(truth_file.read_text()).get("subset") in SUBSETS:
            rows.append(evaluate(truth_file, args.work))
            print(json.dumps(rows[-1]), flush=True)
    args.output.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
