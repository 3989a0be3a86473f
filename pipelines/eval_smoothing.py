"""Recipe for the evaluation table: test films with a known colour truth, rendered with and
without temporal smoothing, and every measure of `filmcolor eval`.

    pip install -e ".[pipelines]" && python pipelines/eval_smoothing.py --work /tmp/fc-eval

Test films, from colour sources the shipped weights never trained on:
- band: samples/band-colour.mp4, 28-43 s of iscc-samples' demo film (held out of every
  training set; other shots of the same concert were trained on);
- pans: camera pans over six photographs of Debian's lomiri-wallpapers-16.04 (source.EVAL_PHOTOS,
  CC-BY-4.0 and CC0; the corpus' test split), 2 s each, hard cuts between.
Each is made B&W twice with `filmcolor degrade`: clean (its plain luma) and old film (the
defaults: grain, flicker, softness, dust, scratches, gate weave). Each B&W film is rendered with
the shipped weights with smoothing on and off, and measured against the colour truth, with the
gray input and the truth itself as reference rows. Writes its section of docs/evaluation.md,
its numbers as docs/evaluation.json, and docs/smoothing-strip.jpg (consecutive frames with and without
smoothing, where the unsmoothed render of the clean pans changes colour most).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import av
import cv2
import numpy as np
from common import ROOT, fmt, machine, write_section
from pan_films import pan_film
from source import EVAL_PHOTOS, fetch_photos

from filmcolor.degrade import DegradeConfig, degrade
from filmcolor.evaluate import evaluate
from filmcolor.inference import InferenceConfig
from filmcolor.metrics import chroma
from filmcolor.render import RenderConfig, render
from filmcolor.temporal import SmoothConfig

LOOKS = {"clean": DegradeConfig(clean=True), "old film": DegradeConfig()}
STRIP_FRAMES = 6  # consecutive frames in docs/commands.md's picture


def test_films(work: Path) -> dict[str, Path]:
    """The colour truths: the held-out sample and the pans film (made once)."""
    pans = work / "pans.mp4"
    if not pans.exists():
        photos = fetch_photos(work / "photos", EVAL_PHOTOS)
        pan_film(photos, pans)
    return {"band": ROOT / "samples" / "band-colour.mp4", "pans": pans}


def rows_for(truth: Path, bw: Path, renders: dict[str, Path]) -> list[dict]:
    """One row per candidate: the gray input, each render, and the truth against itself."""
    out = []
    for name, candidate in [("gray input", bw), *renders.items(), ("colour truth", truth)]:
        r = evaluate(truth, candidate, input=bw if name != "colour truth" else None)
        out.append({**r.as_dict(), "film": str(candidate), "candidate": name})
    return out


def rgb_frames(path: Path) -> list[np.ndarray]:
    """Every frame of a (short) film as (H, W, 3) RGB."""
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def strip(truth: Path, plain: Path, smooth: Path, out: Path, shot_frames: int) -> int:
    """Rows of STRIP_FRAMES consecutive frames (no smoothing | smoothing | colour truth), taken
    where the unsmoothed render's colour changes most from frame to frame within a shot; returns
    the first frame's index."""
    films = [rgb_frames(p) for p in (plain, smooth, truth)]
    # change[i]: frame i -> i + 1
    change = [float(np.abs(chroma(b) - chroma(a)).mean()) for a, b in zip(films[0], films[0][1:], strict=False)]
    starts = [
        s for s in range(len(films[0]) - STRIP_FRAMES) if s // shot_frames == (s + STRIP_FRAMES - 1) // shot_frames
    ]
    first = max(starts, key=lambda s: sum(change[s : s + STRIP_FRAMES - 1]))
    rows = []
    for label, frames in zip(("no smoothing", "smoothing", "colour truth"), films, strict=False):
        row = np.hstack(frames[first : first + STRIP_FRAMES])
        cv2.putText(row, label, (6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 2, cv2.LINE_AA)
        rows.append(row)
    cv2.imwrite(str(out), cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
    return first


def table(results: dict[str, list[dict]]) -> str:
    head = (
        "| film, look | candidate | RGB PSNR dB | SSIM | colourfulness | CDC | warping error RGB | warping error chroma | luma PSNR dB |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for key, rows in results.items():
        for r in rows:
            lines.append(
                f"| {key} | {r['candidate']} | {fmt(r['psnr_db'], '.2f')} | {fmt(r['ssim'], '.4f')} | {fmt(r['colourfulness'], '.1f')} | "
                f"{fmt(r['cdc'], '.5f')} | {fmt(r['warping_error'], '.6f')} | {fmt(r['chroma_warping_error'], '.7f')} | "
                f"{fmt(r['luma_psnr_db'], '.2f')} |"
            )
    return head + "\n".join(lines) + "\n"


def changes(results: dict[str, list[dict]]) -> str:
    """Smoothing against --no-smooth, per test film: the figures the temporal issue sets."""
    lines = ["| film, look | warping error RGB | warping error chroma | CDC | RGB PSNR |", "|---|---|---|---|---|"]
    for key, rows in results.items():
        plain, smooth = (next(r for r in rows if r["candidate"] == c) for c in ("no smoothing", "smoothing"))

        def pct(k: str, smooth: dict = smooth, plain: dict = plain) -> str:
            return f"{100 * (smooth[k] / plain[k] - 1):+.1f}%"

        lines.append(
            f"| {key} | {pct('warping_error')} | {pct('chroma_warping_error')} | {pct('cdc')} | {smooth['psnr_db'] - plain['psnr_db']:+.2f} dB |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True, help="folder for the test films and renders")
    ap.add_argument("--weights", type=Path, help="generator weights (default: the shipped ones)")
    ap.add_argument("--docs", type=Path, default=ROOT / "docs")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results: dict[str, list[dict]] = {}
    for film, truth in test_films(args.work).items():
        for look, config in LOOKS.items():
            bw = args.work / f"{film}-{look.replace(' ', '-')}.mp4"
            degrade(truth, bw, replace(config, overwrite=True))
            renders = {}
            for name, smooth in (("no smoothing", False), ("smoothing", True)):
                out = args.work / f"{bw.stem}-{'smooth' if smooth else 'plain'}.mp4"
                smoothing = SmoothConfig() if smooth else SmoothConfig(strength=0.0)
                render(
                    bw,
                    out,
                    RenderConfig(inference=InferenceConfig(weights=args.weights), smooth=smoothing, overwrite=True),
                )
                renders[name] = out
            results[f"{film}, {look}"] = rows_for(truth, bw, renders)
            print(f"{film}, {look}: done", flush=True)
    first = strip(
        args.work / "pans.mp4",
        args.work / "pans-clean-plain.mp4",
        args.work / "pans-clean-smooth.mp4",
        args.docs / "smoothing-strip.jpg",
        48,
    )
    measured_on = machine()
    (args.docs / "evaluation.json").write_text(
        json.dumps({"machine": measured_on, "strip_first_frame": first, "results": results}, indent=1) + "\n"
    )
    write_markdown(args.docs, measured_on, results, first)


def write_markdown(docs: Path, measured_on: str, results: dict[str, list[dict]], first: int) -> None:
    md = (
        "## Temporal smoothing: the automatic colour, steady\n\n"
        f"Made by `python pipelines/eval_smoothing.py` (its docstring says how the films are built) on {measured_on}, "
        "with the shipped weights and the render's defaults. Measures as `filmcolor eval` defines them "
        "(`filmcolor/metrics.py`); luma PSNR is against the B&W film rendered.\n\n"
        + table(results)
        + "\nSmoothing against `--no-smooth` (negative is better for the errors and CDC):\n\n"
        + changes(results)
        + f"\n![frames {first}-{first + STRIP_FRAMES - 1} of pans, clean: without and with smoothing](smoothing-strip.jpg)\n"
    )
    write_section(docs / "evaluation.md", "eval_smoothing", md)
    print(md)


if __name__ == "__main__":
    main()
