"""Recipe for the automatic colour's evaluation on the corpus' test split: the shipped weights,
the previous weights and the gray input, on test films with a known colour truth.

    python pipelines/corpus.py && python pipelines/eval_weights.py --work /tmp/fc-eval --previous OLD.pt

Test films, never trained or validated on:
- camera video: the test split's videos (opencv-doc's vtest.avi, pedestrians on a square,
  768x576 MS-MPEG4 at 10 fps; tree.avi, 320x240 Cinepak at 15 fps, 68 frames), their first
  CAMERA_FRAMES frames at their own size and rate, re-encoded as the colour truth (H.264, CRF 12);
- pans (320x240, 24000/1001 fps, a tone): the test split's photographs, eight to a film, each a
  shot of 1.5 s panned over (as pipelines/pan_films.py pans), hard cuts between.
Each film is made B&W twice with `filmcolor degrade`: clean (its plain luma) and old film (the
defaults: grain, flicker, softness, dust, scratches, weave). Each B&W film is rendered with the
render's defaults (smoothing on) and each candidate's weights, and measured against its truth
(`filmcolor.evaluate`): RGB PSNR, colourfulness, colour fringes and CDC against the truth's,
warping error. The gray input is the floor: a colouring that scores below it does harm. The
targets (issue 21) are checked per film: PSNR at least the gray input's, fringes at most 1.5x
the truth's, CDC at most 2x the truth's, colourfulness 0.4x-1.5x the truth's. Writes its section
of docs/evaluation.md, docs/evaluation-weights.json, docs/before-after.jpg (pan frames: input,
filmcolor, truth) and docs/strip-NAME-LOOK.jpg per camera film (three frames: B&W, render, truth).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import replace
from pathlib import Path

import av
import cv2
import numpy as np
from common import CORPUS, ROOT, fmt, machine, write_section
from pan_films import pan_film, write_film

from filmcolor.assets import shipped_weights
from filmcolor.degrade import DegradeConfig, degrade
from filmcolor.edgeaware import RADIUS
from filmcolor.evaluate import evaluate
from filmcolor.inference import InferenceConfig
from filmcolor.render import RenderConfig, render

PER_FILM = 8  # photographs to a film
SHOT = 36  # frames a shot: 1.5 s
CAMERA_FRAMES = 60  # frames of each camera video at most: vtest 6 s (of 79.5 s), tree 60 of the 68 that decode (4 s)
LOOKS = {"clean": DegradeConfig(clean=True), "old film": DegradeConfig()}
TARGETS = {"psnr vs gray": 0.0, "fringe": 1.5, "cdc": 2.0, "colour": (0.4, 1.5)}  # issue 21's, per film


def camera_films(corpus: Path, work: Path) -> list[Path]:
    """The colour truths of the test split's camera videos: their first CAMERA_FRAMES frames,
    H.264 at their own size and rate (made once)."""
    out = []
    for video in sorted((corpus / "test-videos").iterdir()):
        path = work / f"{video.stem.split('--')[-1]}.mp4"
        if not path.exists():
            with av.open(str(video)) as c:
                stream = c.streams.video[0]
                rate, w, h = stream.average_rate, stream.width, stream.height
                pictures = [
                    f.to_ndarray(format="rgb24") for _, f in zip(range(CAMERA_FRAMES), c.decode(video=0), strict=False)
                ]
            write_film(path, pictures, w - w % 2, h - h % 2, len(pictures), rate=rate)
        out.append(path)
    return out


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
    keys = (
        "psnr_db",
        "colourfulness",
        "reference_colourfulness",
        "fringe",
        "reference_fringe",
        "cdc",
        "reference_cdc",
        "warping_error",
        "chroma_warping_error",
    )
    return {k: e[k] for k in keys}


def checks(row: dict, gray: float) -> dict[str, bool]:
    """Issue 21's targets for one render: each True when met."""
    ratio = lambda k: row[k] / row[f"reference_{k}"] if row[f"reference_{k}"] else float("inf")  # noqa: E731
    low, high = TARGETS["colour"]
    return {
        "psnr vs gray": row["psnr_db"] - gray >= TARGETS["psnr vs gray"],
        "fringe": ratio("fringe") <= TARGETS["fringe"],
        "cdc": ratio("cdc") <= TARGETS["cdc"],
        "colour": low <= ratio("colourfulness") <= high,
    }


def strip(bw: Path, render_: Path, truth: Path, out: Path, width: int = 1536) -> None:
    """Three frames (at 1/5, 1/2 and 4/5 of the film) as rows of B&W | render | truth, scaled to `width`."""
    with av.open(str(truth)) as c:
        n = sum(1 for _ in c.decode(video=0))
    at = [n // 5, n // 2, 4 * n // 5]
    columns = []
    for path in (bw, render_, truth):
        with av.open(str(path)) as c:
            columns.append([f.to_ndarray(format="rgb24") for i, f in enumerate(c.decode(video=0)) if i in at])
    grid = np.vstack([np.hstack([col[r] for col in columns]) for r in range(len(at))])
    scale = width / grid.shape[1]
    grid = cv2.resize(grid, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    cv2.imwrite(str(out), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 88])


def figure(picks: list[tuple[Path, Path, Path, int]], out: Path) -> None:
    """Rows of (B&W input | filmcolor | colour truth), one per (input, render, truth, frame): a JPEG
    small enough for the README (about 160 kB)."""
    rows = []
    for paths in picks:
        *films_, index = paths
        row = []
        for path in films_:
            with av.open(str(path)) as c:
                row.append(next(f.to_ndarray(format="rgb24") for i, f in enumerate(c.decode(video=0)) if i == index))
        rows.append(np.hstack(row))
    cv2.imwrite(str(out), cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])


def rendered(bw: Path, weights: Path, edge_radius: int, work: Path) -> Path:
    """`bw` rendered with the defaults, `weights` and `edge_radius`; made once (named by the
    weights' content), so a second run only renders what changed."""
    tag = hashlib.sha256(weights.read_bytes()).hexdigest()[:8]
    out = work / f"{bw.stem}-{tag}-r{edge_radius}.mp4"
    if not out.exists():
        render(
            bw, out, RenderConfig(inference=InferenceConfig(weights=weights, edge_radius=edge_radius), overwrite=True)
        )
    return out


def measured(truth: Path, candidate: Path) -> dict:
    """`measure`, kept beside the candidate for the next run."""
    cache = candidate.with_suffix(".json")
    if cache.exists() and cache.stat().st_mtime >= candidate.stat().st_mtime:
        return json.loads(cache.read_text())
    row = measure(truth, candidate)
    cache.write_text(json.dumps(row))
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument(
        "--weights", type=Path, default=shipped_weights(), help="the weights to evaluate (default: the shipped ones)"
    )
    ap.add_argument(
        "--previous",
        type=Path,
        required=True,
        help="the weights shipped before, for comparison (rendered as before: no edge filter)",
    )
    ap.add_argument(
        "--only",
        nargs="*",
        default=(),
        help="only these films (their stems: vtest, tree, test-1, ...), for a quick look; docs untouched",
    )
    ap.add_argument(
        "--previous-films", nargs="*", help="render the previous weights on these films only (stems; default: all)"
    )
    ap.add_argument(
        "--previous-only",
        action="store_true",
        help="the gray input and the previous weights alone, made ahead (docs untouched)",
    )
    ap.add_argument("--docs", type=Path, default=ROOT / "docs")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    candidates = {
        "filmcolor (shipped)": (args.weights, RADIUS),
        "before (previous weights, no edge filter)": (args.previous, 0),
    }
    if args.previous_only:
        del candidates["filmcolor (shipped)"]
    results, picks = {}, []
    cameras = camera_films(args.corpus, args.work)
    for truth in cameras + films(args.corpus, args.work):
        if args.only and truth.stem not in args.only:
            continue
        for look, config in LOOKS.items():
            key = f"{truth.stem}, {look}"
            bw = args.work / f"{truth.stem}-{look.replace(' ', '-')}.mp4"
            if not bw.exists():
                degrade(truth, bw, replace(config, overwrite=True))
            rows = {"gray input": measured(truth, bw)}
            for name, (weights, radius) in candidates.items():
                if (
                    weights == args.previous
                    and radius == 0
                    and args.previous_films is not None
                    and truth.stem not in args.previous_films
                ):
                    continue
                out = rendered(bw, weights, radius, args.work)
                rows[name] = measured(truth, out)
                if name == "filmcolor (shipped)" and look == "clean" and truth not in cameras and len(picks) < 3:
                    picks.append((bw, out, truth, SHOT * (2 + 2 * len(picks)) + SHOT // 2))
                if name == "filmcolor (shipped)" and truth in cameras and not args.only:
                    strip(bw, out, truth, args.docs / f"strip-{truth.stem}-{look.replace(' ', '-')}.jpg")
            results[key] = rows
            print(key, json.dumps(rows), flush=True)
    if args.only or args.previous_only:
        return
    figure(picks, args.docs / "before-after.jpg")
    measured_on = machine()
    (args.docs / "evaluation-weights.json").write_text(
        json.dumps({"machine": measured_on, "results": results}, indent=1) + "\n"
    )
    write_section(args.docs / "evaluation.md", "eval_weights", markdown(measured_on, results))


def markdown(measured_on: str, results: dict) -> str:
    lines = [
        "## Automatic colour on the test split",
        "",
        f"`python pipelines/eval_weights.py` on {measured_on} (its docstring says how the films are made): the shipped weights with the "
        "render's defaults, the previous weights rendered as before (without the luma-guided chroma filter; where --previous-films "
        "names the films), and the gray input (the floor: below it a colouring does harm). "
        "Colourfulness is given against the truth's (1.00: as colourful as the truth).",
        "",
        "The last column checks issue 21's targets, in order: PSNR at least the gray input's; colour fringes (`filmcolor eval`'s "
        "chroma gradient where the truth's luma is flat) at most 1.5x the truth's; CDC at most 2x the truth's; colourfulness "
        "0.4x-1.5x the truth's.",
        "",
        "| test film, look | candidate | RGB PSNR dB | vs gray dB | colourfulness / truth's | fringes / truth's | CDC / truth's | CDC | warping error | warping error, chroma | targets |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, rows in results.items():
        gray = rows["gray input"]["psnr_db"]
        for name, r in rows.items():
            ratio = lambda k, r=r: r[k] / r[f"reference_{k}"] if r[f"reference_{k}"] else None  # noqa: E731
            met = (
                ""
                if name == "gray input"
                else " ".join(("met" if ok else "**not met**") for ok in checks(r, gray).values())
            )
            lines.append(
                f"| {key} | {name} | {fmt(r['psnr_db'], '.2f')} | {r['psnr_db'] - gray:+.2f} | {fmt(ratio('colourfulness'), '.2f')} | "
                f"{fmt(ratio('fringe'), '.2f')} | {fmt(ratio('cdc'), '.2f')} | {fmt(r['cdc'], '.5f')} | {fmt(r['warping_error'], '.6f')} | "
                f"{fmt(r['chroma_warping_error'], '.7f')} | {met} |"
            )
    shipped = [rows["filmcolor (shipped)"] for rows in results.values()]
    grays = [rows["gray input"]["psnr_db"] for rows in results.values()]
    worst = min(r["psnr_db"] - g for r, g in zip(shipped, grays, strict=True))
    ratios = [r["colourfulness"] / r["reference_colourfulness"] for r in shipped]
    missed = {
        name: [
            key
            for (key, rows), r in zip(results.items(), shipped, strict=True)
            if not checks(r, rows["gray input"]["psnr_db"])[name]
        ]
        for name in TARGETS
    }
    lines += [
        "",
        f"Shipped weights, over every test film: RGB PSNR {worst:+.2f} dB against the gray input at worst; colourfulness {min(ratios):.2f}x to {max(ratios):.2f}x the truth's.",
    ]
    unmet = [f"{name} on {len(keys)} ({'; '.join(keys)})" for name, keys in missed.items() if keys]
    lines += [f"Targets not met by the shipped weights: {', '.join(unmet) or 'none'}."]
    lines += ["", "![B&W input, filmcolor, colour truth: frames of the test films](before-after.jpg)"]
    strips = sorted(p.name for p in (ROOT / "docs").glob("strip-*.jpg"))
    lines += ["", "Camera video, three frames each (B&W input | filmcolor | colour truth):", ""] + [
        f"![{n}]({n})" for n in strips
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
