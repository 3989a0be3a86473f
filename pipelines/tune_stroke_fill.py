"""Recipe for the stroke fill's setting (`hints.REACH`, `GAIN`, `ALONE`), chosen on training
pictures only: eight of opencv-doc's examples in the corpus' train split (TRAINING), at a short
side of `--short` px (160; the evaluation's pictures are at 192).

    python pipelines/tune_stroke_fill.py [--short 160] [--reach 0.5] [--gain 8] [--alone 1 3 5 1000] [--side 200 400]

For each setting asked (every combination), the hints of pipelines/eval_hints.py (colourist
strokes and random points, 1 to 100) and, at each count, the stroke fill's mean chroma PSNR
less gray's and less Levin's: the bars are at or above gray at every count, at or above Levin
from 10 hints on. The test split and the holdout are never scored here.
"""

from __future__ import annotations

import argparse
import itertools

import cv2
import numpy as np
from eval_hints import COUNTS, colourist_hints, random_hints, regions, score
from eval_keyframes import OPENCV

from filmcolor.colour import rgb_to_ycbcr
from filmcolor.guidance import hints

TRAINING = ("aero1", "baboon", "building", "fruits", "home", "leuvenA", "messi5", "stuff")  # data/*.jpg, train split


def cases(short: int) -> list[dict]:
    """Each training picture's luma, truth and hints at each count and placement, with gray's and
    Levin's scores."""
    out = []
    for i, name in enumerate(TRAINING):
        rgb = cv2.imread(str(OPENCV / f"{name}.jpg"))[..., ::-1]
        h, w = rgb.shape[:2]
        s = short / min(h, w)
        rgb = np.ascontiguousarray(cv2.resize(rgb, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA))
        ycc = rgb_to_ycbcr(rgb.astype(np.float32) / 255.0, "bt601")
        y, truth = ycc[..., 0], np.ascontiguousarray(ycc[..., 1:])
        labels = regions(rgb)
        for placement in ("colourist", "random"):
            for n in COUNTS[1:]:
                chroma, known = (
                    colourist_hints(labels, truth, n) if placement == "colourist" else random_hints(truth, n, i + n)
                )
                gray = score(y, truth, np.zeros_like(truth))
                levin = score(y, truth, hints.fill_chroma(y, chroma, known))
                out.append({"placement": placement, "n": n, "y": y, "truth": truth, "hint": (chroma, known)})
                out[-1].update(gray=gray, levin=levin)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--short", type=int, default=160, help="the pictures' short side (px)")
    ap.add_argument("--reach", type=float, nargs="+", default=[hints.REACH])
    ap.add_argument("--gain", type=float, nargs="+", default=[hints.GAIN])
    ap.add_argument("--alone", type=int, nargs="+", default=[hints.ALONE], help="1000: the reach never grows")
    ap.add_argument(
        "--side", type=int, nargs="+", default=[hints.STROKE_SIDE], help="the long side the fill solves at, at most"
    )
    args = ap.parse_args()
    scored = cases(args.short)
    for reach, gain, alone, side in itertools.product(args.reach, args.gain, args.alone, args.side):
        line = [f"reach {reach} gain {gain} alone {alone} side {side}:"]
        worst_gray, worst_levin = np.inf, np.inf
        for placement in ("colourist", "random"):
            parts = []
            for n in COUNTS[1:]:
                group = [c for c in scored if c["placement"] == placement and c["n"] == n]
                new = np.mean(
                    [
                        score(
                            c["y"],
                            c["truth"],
                            hints.stroke_fill(c["y"], *c["hint"], None, side, reach, gain, alone)[0],
                        )
                        for c in group
                    ]
                )
                over_gray = new - np.mean([c["gray"] for c in group])
                over_levin = new - np.mean([c["levin"] for c in group])
                worst_gray = min(worst_gray, over_gray)
                worst_levin = min(worst_levin, over_levin) if n >= 10 else worst_levin
                parts.append(f"{n}:{over_gray:+.2f}/{over_levin:+.2f}")
            line.append(f"{placement} (over gray/over Levin) " + " ".join(parts))
        line.append(f"worst over gray {worst_gray:+.2f}, over Levin from 10 {worst_levin:+.2f}")
        print(" | ".join(line), flush=True)


if __name__ == "__main__":
    main()
