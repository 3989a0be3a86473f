"""Recipe for the automatic colour's evaluation on the corpus' test split: the shipped weights,
the previous weights and the gray input, on test films with a known colour truth.

    python pipelines/corpus.py && python pipelines/eval_weights.py --work /tmp/fc-eval --previous OLD.pt

Test films (320x240, 24000/1001 fps, a tone): the test split's photographs, eight to a film,
each a shot of 1.5 s panned over (as pipelines/pan_films.py pans), hard cuts between; the
test split holds no camera video (docs/corpus.md), so pans are all there is. Each film is made
B&W twice with `filmcolor degrade`: clean (its plain luma) and old film (the defaults: grain,
flicker, softness, dust, scratches, weave). Each B&W film is rendered with the render's defaults
and each candidate's weights, and measured against its truth (`filmcolor.evaluate`): RGB PSNR,
colourfulness against the truth's, CDC and warping error. The gray input is the floor: a
colouring that scores below it does harm. Writes its section of docs/evaluation.md,
docs/evaluation-weights.json and docs/before-after.png (test-split frames: input, filmcolor, truth).
"""

from __future__ import annotations

import argparse
import json
import platform
from dataclasses import replace
from pathlib import Path

import av
import cv2
import numpy as np
import torch

from filmcolor.degrade import DegradeConfig, degrade
from filmcolor.evaluate import evaluate
from filmcolor.inference import InferenceConfig
from filmcolor.render import RenderConfig, render
from pan_films import pan_film
from report import fmt, write_section

ROOT = Path(__file__).resolve().parent.parent
PER_FILM = 8  # photographs to a film
SHOT = 36  # frames a shot: 1.5 s
LOOKS = {"clean": DegradeConfig(clean=True), "old film": DegradeConfig()}


def films(corpus: Path, work: Path) -> list[Path]:
    """The colour truths: the test split's photographs, PER_FILM to a film (made once)."""
    photos = sorted((corpus / "test").glob("*.jpg"))
    out = []
    for n in range(0, len(photos) - PER_FILM + 1, PER_FILM):
        path = work / f"test-{n // PER_FILM + 1}.mp4"
        if not path.exists():
            pan_film(photos[n : n + PER_FILM], path, shot_frames=SHOT)
        out.append(path)
    return out


def measure(truth: Path, candidate: Path) -> dict:
    e = evaluate(truth, candidate).as_dict()
    return {k: e[k] for k in ("psnr_db", "colourfulness", "reference_colourfulness", "cdc", "warping_error", "chroma_warping_error")}


def figure(picks: list[tuple[Path, Path, Path, int]], out: Path) -> None:
    """Rows of (B&W input | filmcolor | colour truth), one per (input, render, truth, frame), 2x enlarged."""
    rows = []
    for paths in picks:
        *films_, index = paths
        row = []
        for path in films_:
            with av.open(str(path)) as c:
                row.append(next(f.to_ndarray(format="rgb24") for i, f in enumerate(c.decode(video=0)) if i == index))
        rows.append(np.hstack(row))
    grid = cv2.resize(np.vstack(rows), None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
    cv2.imwrite(str(out), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path.home() / ".cache" / "filmcolor" / "corpus")
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--weights", type=Path, help="the weights to evaluate (default: the shipped ones)")
    ap.add_argument("--previous", type=Path, required=True, help="the weights shipped before, for comparison")
    ap.add_argument("--docs", type=Path, default=ROOT / "docs")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    candidates = {"filmcolor (shipped)": args.weights, "previous weights": args.previous}
    results, picks = {}, []
    for truth in films(args.corpus, args.work):
        for look, config in LOOKS.items():
            key = f"{truth.stem}, {look}"
            bw = args.work / f"{truth.stem}-{look.replace(' ', '-')}.mp4"
            if not bw.exists():
                degrade(truth, bw, replace(config, overwrite=True))
            rows = {"gray input": measure(truth, bw)}
            for name, weights in candidates.items():
                out = args.work / f"{bw.stem}-{'shipped' if weights is args.weights else 'previous'}.mp4"
                render(bw, out, RenderConfig(inference=InferenceConfig(weights=weights), overwrite=True))
                rows[name] = measure(truth, out)
                if weights is args.weights and look == "clean" and len(picks) < 3:
                    picks.append((bw, out, truth, SHOT * (2 + 2 * len(picks)) + SHOT // 2))
            results[key] = rows
            print(key, {k: (v["psnr_db"], round(v["colourfulness"] / v["reference_colourfulness"], 2)) for k, v in rows.items()}, flush=True)
    figure(picks, args.docs / "before-after.png")
    machine = f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, CPU"
    (args.docs / "evaluation-weights.json").write_text(json.dumps({"machine": machine, "results": results}, indent=1) + "\n")
    write_section(args.docs / "evaluation.md", "eval_weights", markdown(machine, results))


def markdown(machine: str, results: dict) -> str:
    lines = [
        "## Automatic colour on the test split",
        "",
        f"`python pipelines/eval_weights.py` on {machine} (its docstring says how the films are made): the shipped weights, "
        "the weights shipped before them, and the gray input (the floor: below it a colouring does harm). "
        "Colourfulness is given against the truth's (1.00: as colourful as the truth).",
        "",
        "| test film, look | candidate | RGB PSNR dB | vs gray dB | colourfulness / truth's | CDC | warping error | warping error, chroma |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, rows in results.items():
        gray = rows["gray input"]["psnr_db"]
        for name, r in rows.items():
            ratio = r["colourfulness"] / r["reference_colourfulness"] if r["reference_colourfulness"] else None
            lines.append(
                f"| {key} | {name} | {fmt(r['psnr_db'], '.2f')} | {r['psnr_db'] - gray:+.2f} | {fmt(ratio, '.2f')} | "
                f"{fmt(r['cdc'], '.5f')} | {fmt(r['warping_error'], '.6f')} | {fmt(r['chroma_warping_error'], '.7f')} |"
            )
    shipped = [rows["filmcolor (shipped)"] for rows in results.values()]
    grays = [rows["gray input"]["psnr_db"] for rows in results.values()]
    worst = min(r["psnr_db"] - g for r, g in zip(shipped, grays))
    ratios = [r["colourfulness"] / r["reference_colourfulness"] for r in shipped]
    lines += ["", f"Shipped weights, over every test film: RGB PSNR {worst:+.2f} dB against the gray input at worst; colourfulness {min(ratios):.2f}x to {max(ratios):.2f}x the truth's."]
    lines += ["", "![B&W input, filmcolor, colour truth: frames of the test films](before-after.png)"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
