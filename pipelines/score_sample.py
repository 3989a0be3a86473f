"""Score weights on the sample: render samples/band.mp4 and compare it with its colour original.

    python pipelines/score_sample.py [--weights W] [--figure sample-before-after.png]

Prints one JSON line: RGB PSNR against the colour truth, mean colourfulness (Hasler and
Suesstrunk 2003) of the render and of the truth, and luma PSNR against the B&W input. The
gray input's own RGB PSNR against the truth is the floor any colouring must beat. The sample
(28-43 s of the source) is held out of every training set made in this folder.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import av
import cv2
import numpy as np
from make_sample import NAME

from filmcolor.inference import InferenceConfig
from filmcolor.metrics import colourfulness, psnr
from filmcolor.render import RenderConfig, render

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def frames(path: Path, fmt: str):
    """Decoded frames of `path` as arrays in `fmt` (rgb24, gray)."""
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format=fmt)


def luma_planes(path: Path):
    """The Y plane of each frame as coded (no range expansion, unlike a conversion to gray)."""
    for yuv in frames(path, "yuv420p"):
        yield yuv[: yuv.shape[0] * 2 // 3]


def score(truth: Path, candidate: Path, source: Path) -> dict[str, float]:
    """Per-frame means of the sample's figures; the films must have the same frames."""
    rgb, colour, colour_truth, luma, floor, n = [], [], [], [], [], 0
    for t, c, c_y, s, s_y in zip(
        frames(truth, "rgb24"),
        frames(candidate, "rgb24"),
        luma_planes(candidate),
        frames(source, "rgb24"),
        luma_planes(source),
        strict=False,
    ):
        rgb.append(psnr(t, c))
        floor.append(psnr(t, s))
        colour.append(colourfulness(c))
        colour_truth.append(colourfulness(t))
        luma.append(psnr(s_y, c_y))
        n += 1
    return {
        "frames": n,
        "rgb_psnr_db": round(float(np.mean(rgb)), 2),
        "gray_input_rgb_psnr_db": round(float(np.mean(floor)), 2),
        "colourfulness": round(float(np.mean(colour)), 1),
        "truth_colourfulness": round(float(np.mean(colour_truth)), 1),
        "luma_psnr_db_mean": round(float(np.mean(luma)), 2),
        "luma_psnr_db_min": round(float(np.min(luma)), 2),
    }


def figure(source: Path, candidate: Path, truth: Path, out: Path, at: tuple[int, ...] = (30, 200, 330)) -> None:
    """Rows of (B&W input | filmcolor | colour original) at the given frame indices, 2x enlarged."""
    picked = [[f for i, f in enumerate(frames(p, "rgb24")) if i in at] for p in (source, candidate, truth)]
    rows = [np.hstack([picked[k][r] for k in range(3)]) for r in range(len(at))]
    grid = np.vstack(rows)
    grid = cv2.resize(grid, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
    cv2.imwrite(str(out), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, help="generator weights (default: the shipped ones)")
    ap.add_argument("--figure", type=Path, help="also write a before/after PNG here")
    args = ap.parse_args()
    source, truth = SAMPLES / f"{NAME}.mp4", SAMPLES / f"{NAME}-colour.mp4"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "render.mp4"
        result = render(source, out, RenderConfig(inference=InferenceConfig(weights=args.weights)))
        figures = score(truth, out, source) | {"render_fps": round(result.fps, 1)}
        if args.figure:
            figure(source, out, truth, args.figure)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
