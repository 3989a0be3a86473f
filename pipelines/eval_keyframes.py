"""Recipe for the guided-colour evaluation: keyframes carried through shots, against the naive
carrier and the gray input, on test films with a known colour truth; and colour hints.

    python pipelines/corpus.py && python pipelines/eval_keyframes.py --work /tmp/fc-keys

Test films (320x240, 24000/1001 fps, a tone), from the corpus' test split only:
- long pans: three shots of 12 s, each a pan over a test photograph (content comes into view
  all along, and the naive carrier drifts);
- crossing: two shots of 10 s, a photograph panned under a smaller one crossing the frame
  (content appears from behind it and leaves);
- short pans: six shots of 2 s, as the smoothing evaluation's.
Each is made B&W (`filmcolor degrade --clean`), and rendered with keyframes taken from its truth:
each shot's first frame, and every 5th second of each shot too. Candidates: `filmcolor render
--keyframes` (defaults: the shipped weights, fitted to the keyframes); the naive carrier (the
keyframe's true colour carried by DIS optical flow alone, at the film's full size, frame to
frame, no occlusion test and no fallback, written as the render writes); the gray input. Also
the colour truth against itself, for the steadiness measures. Hints: on each film's keyframe
frames, strokes (discs of radius 3 px at random places, their colour the truth's) covering 0.5%,
2% and 10% of the pixels, filled (`filmcolor.hints`), against the automatic colour.

Writes its section of docs/evaluation.md, docs/keyframes.json and docs/keyframes-strip.jpg.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import av
import cv2
import numpy as np
import torch

from filmcolor import media
from filmcolor.color import fit_chroma_to_gamut, picture_luma, rgb_to_ycbcr
from filmcolor.degrade import DegradeConfig, degrade
from filmcolor.evaluate import evaluate
from filmcolor.flow import flow, warp
from filmcolor.guide import GuideConfig
from filmcolor.inference import InferenceConfig, load_model
from filmcolor.metrics import psnr
from filmcolor.render import RenderConfig, render
from filmcolor.stills import colour_picture, hinted_picture
from filmcolor.writer import FilmWriter
from pan_films import RATE, pan, write_film
from report import fmt, write_section

ROOT = Path(__file__).resolve().parent.parent
SIZE = (320, 240)
FILMS = {"long pans": (3, 288), "crossing": (2, 240), "short pans": (6, 48)}  # shots, frames each
EVERY = 5.0  # seconds between keyframes within a shot, for the second set
COVERS = (0.005, 0.02, 0.10)  # the strokes' share of a keyframe's pixels


def crossing(background: np.ndarray, front: np.ndarray, frames: int, seed: int):
    """A pan over `background` (BGR) with `front` (BGR, smaller) crossing the frame left to right."""
    fh, fw = SIZE[1] // 2, SIZE[0] // 3
    patch = cv2.cvtColor(cv2.resize(front, (fw, fh), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
    for i, rgb in enumerate(pan(background, *SIZE, frames, seed)):
        x = round(-fw + (SIZE[0] + fw) * i / max(1, frames - 1))
        y = SIZE[1] // 4
        a, b = max(0, x), min(SIZE[0], x + fw)
        if b > a:
            rgb[y : y + fh, a:b] = patch[:, a - x : b - x]
        yield rgb


def make_truth(name: str, photos: list[Path], path: Path) -> list[int]:
    """Write the colour truth film `name`; returns each shot's first frame."""
    shots, frames = FILMS[name]
    starts = [s * frames for s in range(shots)]

    def pictures():
        for s in range(shots):
            photo = cv2.imread(str(photos[s]))
            if name == "crossing":
                yield from crossing(photo, cv2.imread(str(photos[-1 - s])), frames, seed=s)
            else:
                yield from pan(photo, *SIZE, frames, seed=s)

    write_film(path, pictures(), *SIZE, shots * frames)
    return starts


def keyframes(truth: Path, frames: list[int], folder: Path) -> None:
    """The truth's `frames` as keyframe pictures in `folder` (named by frame number)."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = set(frames)
    with av.open(str(truth)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i in wanted:
                cv2.imwrite(str(folder / f"{i:06d}.png"), f.to_ndarray(format="bgr24"))


def naive_carrier(truth: Path, bw: Path, keys: set[int], out: Path) -> float:
    """The naive carrier into `out`: at each keyframe the truth's chroma, then carried frame to
    frame by DIS flow (medium) on the B&W film's luma at full size, nothing else; returns seconds."""
    t0 = time.perf_counter()
    with av.open(str(truth)) as c:
        colour = {i: f.to_ndarray(format="rgb24") for i, f in enumerate(c.decode(video=0)) if i in keys}
    with media.open_film(bw) as container:
        info = media.film_info(container)
        with FilmWriter(out, container, info) as writer:
            prev, chroma = None, None
            for item in media.read(container, packets=True):
                if not isinstance(item, media.Decoded):
                    writer.copy_packet(item)
                    continue
                luma = item.luma()
                y8 = np.clip(np.rint(info.code_range.luma_to_unit(luma) * 255), 0, 255).astype(np.uint8)
                if item.index in colour:
                    chroma = np.ascontiguousarray(rgb_to_ycbcr(colour[item.index].astype(np.float32) / 255, info.matrix)[..., 1:])
                else:
                    chroma = warp(chroma, flow(y8, prev))  # current -> previous: the previous colour brought here
                prev = y8
                small = cv2.resize(chroma, writer.chroma_size, interpolation=cv2.INTER_AREA)
                mean = cv2.resize(info.code_range.luma_to_unit(luma), writer.chroma_size, interpolation=cv2.INTER_AREA)
                writer.write(luma, writer.out_range.unit_to_chroma(fit_chroma_to_gamut(mean, small, info.matrix)).transpose(2, 0, 1), item.pts)
    return time.perf_counter() - t0


def strokes(truth: np.ndarray, cover: float, seed: int) -> np.ndarray:
    """(H, W, 3) uint8 RGB hints: the truth's gray, with discs of the truth's colour over `cover` of it."""
    h, w = truth.shape[:2]
    rng = np.random.default_rng(seed)
    mask = np.zeros((h, w), np.uint8)
    while mask.mean() < cover:
        cv2.circle(mask, (int(rng.integers(w)), int(rng.integers(h))), 3, 1, -1)
    gray = np.repeat(picture_luma(truth)[..., None], 3, axis=2)
    return np.where(mask[..., None] > 0, truth, gray)


def hints_scores(truth: Path, frames: list[int], model, device, work: Path) -> dict[str, float]:
    """Mean RGB PSNR of the keyframes filled from strokes at each cover (`filmcolor colorize
    --hints`'s own path), and of the automatic colour."""
    with av.open(str(truth)) as c:
        pictures = [f.to_ndarray(format="rgb24") for i, f in enumerate(c.decode(video=0)) if i in set(frames)]
    scores: dict[str, list[float]] = {"automatic": []}
    for n, rgb in enumerate(pictures):
        scores["automatic"].append(psnr(rgb, colour_picture(picture_luma(rgb), model, device, InferenceConfig())))
        for cover in COVERS:
            path = work / f"hints-{n}-{cover}.png"
            cv2.imwrite(str(path), cv2.cvtColor(strokes(rgb, cover, seed=n), cv2.COLOR_RGB2BGR))
            scores.setdefault(f"{cover:.1%} strokes", []).append(psnr(rgb, hinted_picture(rgb, path)))
    return {k: round(float(np.mean(v)), 2) for k, v in scores.items()}


def strip(truth: Path, guided: Path, key: int, out: Path) -> None:
    """The README's picture: a keyframe, the guided render 2, 5 and 8 s on, and the truth below."""
    wanted = [key, key + round(2 * float(RATE)), key + round(5 * float(RATE)), key + round(8 * float(RATE))]
    rows = []
    for path in (guided, truth):
        with av.open(str(path)) as c:
            frames = {i: f.to_ndarray(format="rgb24") for i, f in enumerate(c.decode(video=0)) if i in wanted}
        rows.append(np.hstack([frames[i] for i in wanted]))
    for row, label in zip(rows, ("keyframe, then carried 2, 5 and 8 s on", "colour truth")):
        cv2.putText(row, label, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    cv2.imwrite(str(out), cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path.home() / ".cache" / "filmcolor" / "corpus")
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--weights", type=Path, help="generator weights (default: the shipped ones)")
    ap.add_argument("--docs", type=Path, default=ROOT / "docs")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    photos = sorted((args.corpus / "test").glob("*.jpg"))
    device = torch.device("cpu")
    model = load_model(args.weights, device)
    results, hints, seconds, offset = {}, {}, {}, 0
    for name, (shots, frames) in FILMS.items():
        stem = name.replace(" ", "-")
        truth, bw = args.work / f"{stem}.mp4", args.work / f"{stem}-bw.mp4"
        chosen = photos[offset : offset + shots + (1 if name == "crossing" else 0)]
        offset += len(chosen)
        starts = make_truth(name, chosen, truth) if not truth.exists() else [s * frames for s in range(shots)]
        if not bw.exists():
            degrade(truth, bw, DegradeConfig(clean=True))
        every = sorted({s + k for s in starts for k in range(0, frames, round(EVERY * float(RATE)))})
        for label, keys in (("first frame of each shot", starts), (f"every {EVERY:g} s", every)):
            folder = args.work / f"{stem}-keys-{len(keys)}"
            keyframes(truth, keys, folder)
            guided, naive = args.work / f"{stem}-guided-{len(keys)}.mp4", args.work / f"{stem}-naive-{len(keys)}.mp4"
            t = time.perf_counter()
            r = render(bw, guided, RenderConfig(inference=InferenceConfig(weights=args.weights), guide=GuideConfig(keyframes=folder), overwrite=True))
            seconds[f"{name}, {label}"] = {"render": round(time.perf_counter() - t, 1), **{k: round(v, 1) for k, v in r.guide_seconds.items()}, "naive": round(naive_carrier(truth, bw, set(keys), naive), 1)}
            rows = []
            for candidate, path in (("filmcolor", guided), ("naive carrier", naive), ("gray input", bw), ("colour truth", truth)):
                e = evaluate(truth, path).as_dict()
                rows.append({"candidate": candidate, **{k: e[k] for k in ("psnr_db", "ssim", "colourfulness", "cdc", "warping_error", "chroma_warping_error")}})
            results[f"{name}, {label}"] = rows
            print(name, label, [(r["candidate"], r["psnr_db"]) for r in rows], flush=True)
        hints[name] = hints_scores(truth, starts, model, device, args.work)
        print(name, "hints", hints[name], flush=True)
        if name == "long pans":
            strip(truth, args.work / f"{stem}-guided-{len(starts)}.mp4", starts[1], args.docs / "keyframes-strip.jpg")
    machine = f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, CPU"
    (args.docs / "keyframes.json").write_text(json.dumps({"machine": machine, "results": results, "hints": hints, "seconds": seconds}, indent=1) + "\n")
    write_section(args.docs / "evaluation.md", "eval_keyframes", markdown(machine, results, hints, seconds))


def markdown(machine: str, results: dict, hints: dict, seconds: dict) -> str:
    lines = [
        "## Guided colour: keyframes carried through their shots",
        "",
        f"`python pipelines/eval_keyframes.py` on {machine} (its docstring says how the films are made). RGB PSNR and SSIM against the truth; "
        "warping error and CDC measure steadiness (the truth's own row is the floor a real film has).",
        "",
        "| film, keyframes | candidate | RGB PSNR dB | SSIM | colourfulness | CDC | warping error | warping error, chroma |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, rows in results.items():
        for r in rows:
            lines.append(
                f"| {key} | {r['candidate']} | {fmt(r['psnr_db'], '.2f')} | {fmt(r['ssim'], '.4f')} | {fmt(r['colourfulness'], '.1f')} | "
                f"{fmt(r['cdc'], '.5f')} | {fmt(r['warping_error'], '.6f')} | {fmt(r['chroma_warping_error'], '.7f')} |"
            )
    lines += ["", "Colour hints: RGB PSNR (dB) of each shot's first frame filled from strokes of its true colour, against the automatic colour of that frame:", ""]
    covers = [f"{c:.1%} strokes" for c in COVERS]
    lines += ["| film | automatic | " + " | ".join(covers) + " |", "|---|---|" + "---|" * len(covers)]
    for name, h in hints.items():
        lines.append(f"| {name} | {h['automatic']:.2f} | " + " | ".join(f"{h[c]:.2f}" for c in covers) + " |")
    lines += ["", "Time (s, this machine): the guided render (with finding the shots and fitting the generator, also given apart) and the naive carrier:", ""]
    lines += ["| film, keyframes | render | of which shots | of which fitting | naive carrier |", "|---|---|---|---|---|"]
    for key, s in seconds.items():
        lines.append(f"| {key} | {s['render']} | {s.get('shots', '-')} | {s.get('finetune', '-')} | {s['naive']} |")
    lines += ["", "![a keyframe carried 2, 5 and 8 s into its shot, and the truth](keyframes-strip.jpg)"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
