"""Recipe for the colour-hints evaluation, in the interactive colourisers' standard form:
chroma PSNR against the truth as a function of the number of hints (Zhang et al. 2017,
ideepcolor; iColoriT 2023).

    python pipelines/eval_hints.py --work /tmp/fc-hints [--photos DIR] [--quick]

Pictures: the corpus' test split (docs/corpus.md; `pipelines/corpus.py` builds it), or, without
a corpus, those of its test-split files this machine holds (Debian's opencv-doc and
lomiri-wallpapers, scikit-image's coffee; `--photos` a folder of more of them, matched by their
original file name), and frames of camera video with motion (opencv-doc's vtest.avi, a street
from a fixed camera, and tree.avi, a hand-held camera over foliage), each scaled to a
short side of SHORT px (3/4 of the render's working size, for a CPU's time; `--every N` scores
every Nth photograph). Some are kept aside (HOLDOUT: a hash of the name), reported apart.

Hints, 0, 1, 2, 5, 10, 20, 50 and 100 of them, placed two ways:
- as a colourist would: short strokes (STROKE px long, 3 px wide) inside the largest regions of
  the truth (SLIC superpixels, SEGMENTS of them), each in its region's mean colour, the largest
  region first;
- as in the papers: single random points (3x3 px, the truth's mean colour there).
Candidates: gray; Levin's fill as it is (`hints.fill_chroma`); the stroke fill
(`hints.stroke_fill`) with a gray base and with the automatic colour as base (the shipped weights).

Then a render through a shot (`filmcolor render --keyframes`, its defaults): the shot's first
frame painted with N colourist strokes of its truth (saved as the studio saves them: strokes on
a transparent layer), carried through the shot, scored on every frame against gray, with the
stroke fill and with Levin's fill in its place.

Writes docs/eval-hints.json and the section `hints` of docs/evaluation.md; with --picture,
only docs/stroke-fill.jpg (the README's before and after of one stroke).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import json
import time
from dataclasses import replace
from pathlib import Path

import av
import cv2
import numpy as np
from common import CORPUS, ROOT, machine, write_section
from eval_keyframes import OPENCV, camera
from pan_films import write_film

from filmcolor.colour import fit_chroma_to_gamut, rgb_to_ycbcr
from filmcolor.guidance import hints, keyframe_files
from filmcolor.metrics import chroma as chroma_of, psnr

COUNTS = (0, 1, 2, 5, 10, 20, 50, 100)
SHORT = 192  # px, the pictures' short side (the render fills keyframes at 256: 3/4 of it, for a CPU's time)
SEGMENTS = 150  # SLIC superpixels of the truth: the colourist's regions
STROKE = 12  # px, a colourist's stroke's length (3 px wide)
HOLDOUT = 4  # one picture in this many (by a hash of its name) is kept aside
VIDEOS = (("vtest.avi", (0, 300, 600)), ("tree.avi", (0, 40)))  # frames of camera video
SHOT_STROKES = (1, 10)  # strokes on the shot's keyframe
SHOTS = (("vtest.avi", 0, 150), ("tree.avi", 0, 68), ("vtest.avi", 450, 150))  # (video, first frame, frames)
HOLDOUT_SHOT = ("vtest.avi", 450)  # scored with the rest, reported apart


def held_out(name: str) -> bool:
    return int(hashlib.sha256(name.encode()).hexdigest(), 16) % HOLDOUT == 0


def working(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    s = SHORT / min(h, w)
    return cv2.resize(rgb, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA) if s < 1 else rgb


def photos(corpus: Path, extra: Path | None) -> tuple[dict[str, np.ndarray], str]:
    """name -> (H, W, 3) uint8 RGB of the test split's photographs, and where they came from."""
    built = sorted((corpus / "test").glob("*.jpg"))
    if len(built) >= 16:
        return {p.name: cv2.imread(str(p))[..., ::-1] for p in built}, "the corpus' test split"
    import skimage

    found = {}
    with open(ROOT / "docs" / "corpus.csv") as f:
        for row in csv.DictReader(f):
            if row["split"] != "test" or row["kind"] != "photo" or "::" in row["path"]:
                continue
            base = Path(row["path"]).name
            candidates = [Path("/") / row["path"], Path(skimage.__file__).parent.parent / row["path"]]
            if extra is not None:
                candidates += sorted(extra.glob(f"*{base}"))
            for c in candidates:
                img = cv2.imread(str(c), cv2.IMREAD_UNCHANGED) if c.is_file() else None
                if img is not None and (img.ndim == 3 and (img.shape[2] == 3 or img[..., 3].min() == 255)):
                    found[row["file"]] = np.ascontiguousarray(img[..., 2::-1])
                    break
    return found, "the corpus' test-split files on this machine (no corpus built)"


def video_frames() -> dict[str, np.ndarray]:
    out = {}
    for name, frames in VIDEOS:
        for i in frames:
            out[f"{name}@{i}"] = next(camera(name, i, 1, _size(name)))
    return out


def _size(name: str) -> tuple[int, int]:
    with av.open(str(OPENCV / name)) as c:
        s = c.streams.video[0]
        return s.width, s.height


def regions(rgb: np.ndarray) -> np.ndarray:
    """(H, W) int labels: the truth's SLIC superpixels, the colourist's regions."""
    from skimage.segmentation import slic

    return slic(rgb, n_segments=SEGMENTS, compactness=10, start_label=0)


def colourist_hints(labels: np.ndarray, cbcr: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 2) chroma, (H, W) bool: `n` strokes in the `n` largest SLIC regions of the truth,
    each a 3 px wide line of up to STROKE px through the region's most inner point, along the
    region's longer side, inside it, in the region's mean chroma."""
    areas = np.bincount(labels.ravel())
    chroma, known = np.zeros_like(cbcr), np.zeros(labels.shape, bool)
    for region in np.argsort(-areas, kind="stable")[:n]:
        mask = (labels == region).astype(np.uint8)
        inner = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
        y, x = np.unravel_index(np.argmax(inner), inner.shape)
        ys, xs = np.nonzero(mask)
        horizontal = np.ptp(xs) >= np.ptp(ys)
        line = np.zeros_like(mask)
        d = STROKE // 2
        end = (x + d, y) if horizontal else (x, y + d)
        start = (x - d, y) if horizontal else (x, y - d)
        cv2.line(line, start, end, 1, 3)
        line &= cv2.erode(mask, np.ones((3, 3), np.uint8)) if inner.max() > 2 else mask
        line[y, x] = 1
        stroke = line > 0
        known |= stroke
        chroma[stroke] = cbcr[mask > 0].mean(axis=0)
    return chroma, known


def random_hints(cbcr: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 2) chroma, (H, W) bool: `n` 3x3 points at random places, each the truth's mean there."""
    rng = np.random.default_rng(seed)
    h, w = cbcr.shape[:2]
    chroma, known = np.zeros_like(cbcr), np.zeros((h, w), bool)
    for _ in range(n):
        y, x = rng.integers(1, h - 1), rng.integers(1, w - 1)
        known[y - 1 : y + 2, x - 1 : x + 2] = True
        chroma[y - 1 : y + 2, x - 1 : x + 2] = cbcr[y - 1 : y + 2, x - 1 : x + 2].reshape(-1, 2).mean(axis=0)
    return chroma, known


def score(y: np.ndarray, truth: np.ndarray, estimate: np.ndarray) -> float:
    """Chroma PSNR (dB, 8-bit Cb and Cr) of `estimate` against the truth's, as the output would
    hold it (kept inside the gamut at the picture's luma)."""
    return psnr(truth * 255.0, fit_chroma_to_gamut(y, estimate.astype(np.float32), "bt601") * 255.0)


def automatic(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 2) chroma of the automatic colour of `rgb`'s luma (the shipped weights)."""
    import torch

    from filmcolor.colour import picture_luma
    from filmcolor.inference import InferenceConfig, load_model
    from filmcolor.stills import colour_picture

    global _MODEL
    if "_MODEL" not in globals():
        _MODEL = load_model(None, torch.device("cpu"))
    out = colour_picture(picture_luma(rgb), _MODEL, torch.device("cpu"), InferenceConfig())
    return chroma_of(out)


def picture_scores(rgb: np.ndarray, seed: int) -> dict:
    """{placement: {method: [PSNR at each of COUNTS]}} for one picture."""
    ycc = rgb_to_ycbcr(rgb.astype(np.float32) / 255.0, "bt601")
    y, truth = ycc[..., 0], np.ascontiguousarray(ycc[..., 1:])
    auto = automatic(rgb)
    labels = regions(rgb)
    out: dict = {}
    for placement in ("colourist", "random"):
        rows: dict = {m: [] for m in ("gray", "levin", "new_gray", "new_auto", "automatic")}
        for n in COUNTS:
            if placement == "colourist":
                chroma, known = colourist_hints(labels, truth, n)
            else:
                chroma, known = random_hints(truth, n, seed + n)
            zero = np.zeros_like(truth)
            rows["gray"].append(score(y, truth, zero))
            rows["automatic"].append(score(y, truth, auto))
            rows["levin"].append(score(y, truth, hints.fill_chroma(y, chroma, known)))
            filled, reach = hints.stroke_fill(y, chroma, known)
            rows["new_gray"].append(score(y, truth, filled))
            with_auto = np.where(known[..., None], chroma, filled + (1.0 - reach)[..., None] * auto)
            rows["new_auto"].append(score(y, truth, with_auto))
        out[placement] = rows
    return out


@contextlib.contextmanager
def levin_in_render():
    """The render's keyframe fill swapped for Levin's, as it was before the stroke fill."""
    own = keyframe_files.stroke_fill

    def levin(luma, chroma, known, base=None, max_side=hints.MAX_SIDE, reach=hints.REACH):
        return hints.fill_chroma(luma, chroma, known, max_side), np.ones(luma.shape, np.float32)

    keyframe_files.stroke_fill = levin
    try:
        yield
    finally:
        keyframe_files.stroke_fill = own


def shot_scores(name: str, first: int, count: int, strokes: int, work: Path, fills: tuple[str, ...]) -> dict:
    """Per-frame chroma PSNR of a shot of `name` (frames first..first+count-1) rendered from its
    first frame painted with `strokes` colourist strokes, for each fill, and of gray."""
    from filmcolor.degrade import DegradeConfig, degrade
    from filmcolor.render import RenderConfig, render
    from filmcolor.studio.engine import keyframe_picture

    size = _size(name)
    stem = f"{Path(name).stem}-{first}-{count}"
    truth, bw = work / f"{stem}-truth.mp4", work / f"{stem}-bw.mp4"
    if not truth.exists():
        write_film(truth, camera(name, first, count, size), *size, count)
    if not bw.exists():
        degrade(truth, bw, replace(DegradeConfig(), clean=True))
    frames = _decode(truth)
    gray_frames = _decode(bw)
    key_rgb = frames[0]
    ycc = rgb_to_ycbcr(key_rgb.astype(np.float32) / 255.0, "bt601")
    chroma, known = colourist_hints(regions(key_rgb), np.ascontiguousarray(ycc[..., 1:]), strokes)
    layer = np.zeros((*known.shape, 4), np.uint8)
    cbcr = np.concatenate([np.full((*known.shape, 1), 0.5, np.float32), chroma], axis=2)
    from filmcolor.colour import ycbcr_to_rgb

    layer[..., :3] = np.clip(ycbcr_to_rgb(cbcr, "bt601") * 255 + 0.5, 0, 255).astype(np.uint8)
    layer[..., 3] = np.where(known, 255, 0)
    gray = cv2.cvtColor(gray_frames[0], cv2.COLOR_RGB2GRAY)
    truths = [chroma_of(f) for f in frames]
    result = {"gray": [psnr(t * 255, chroma_of(g) * 255) for t, g in zip(truths, gray_frames, strict=False)]}
    for fill in fills:
        folder = work / f"{stem}-keys-{strokes}-{fill}"
        folder.mkdir(exist_ok=True)
        keyframe_files.write_keyframe(folder, 0, *np.split(keyframe_picture(gray, layer), [3], axis=2))
        out = work / f"{stem}-{strokes}-{fill}.mp4"
        config = RenderConfig()
        config = replace(config, overwrite=True, guide=replace(config.guide, keyframes=folder))
        with levin_in_render() if fill == "levin" else contextlib.nullcontext():
            render(bw, out, config)
        result[fill] = [psnr(t * 255, chroma_of(c) * 255) for t, c in zip(truths, _decode(out), strict=False)]
    return result


def before_after(out: Path) -> None:
    """docs/stroke-fill.jpg: one stroke on the lawn of a frame of vtest.avi (its colour the
    lawn's), filled by Levin's fill (the colour runs over the whole picture) and by the stroke
    fill (the lawn green, the rest gray), side by side at 384x288."""
    from filmcolor.colour import ycbcr_to_rgb

    rgb = next(camera("vtest.avi", 60, 1, (384, 288)))
    ycc = rgb_to_ycbcr(rgb.astype(np.float32) / 255.0, "bt601")
    y = ycc[..., 0]
    known = np.zeros(y.shape, np.uint8)
    cv2.line(known, (70, 215), (150, 222), 1, 5)
    known = known > 0
    chroma = np.zeros_like(ycc[..., 1:])
    chroma[known] = ycc[..., 1:][known].mean(axis=0)

    def picture(c: np.ndarray) -> np.ndarray:
        c = fit_chroma_to_gamut(y, c.astype(np.float32), "bt601")
        return np.clip(ycbcr_to_rgb(np.concatenate([y[..., None], c], axis=2), "bt601") * 255 + 0.5, 0, 255).astype(
            np.uint8
        )

    painted = picture(chroma)
    panels = [painted, picture(hints.fill_chroma(y, chroma, known)), picture(hints.stroke_fill(y, chroma, known)[0])]
    for panel, label in zip(panels, ("one stroke", "before: Levin's fill", "now: the stroke fill"), strict=False):
        cv2.putText(panel, label, (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 2, cv2.LINE_AA)
    cv2.imwrite(str(out), np.hstack(panels)[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 85])


def _decode(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--work", type=Path, required=True, help="folder for the shots' films, the renders and each part's scores"
    )
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--photos", type=Path, help="a folder holding more of the test split's photographs")
    ap.add_argument(
        "--only", choices=("pictures", "shots"), help="score this part alone into WORK (two processes, one each)"
    )
    ap.add_argument(
        "--every", type=int, default=1, help="score every this-many-th photograph (by name): for a CPU's time"
    )
    ap.add_argument("--quick", action="store_true", help="four pictures, nothing written: a check of the recipe")
    ap.add_argument("--json", type=Path, default=ROOT / "docs" / "eval-hints.json")
    ap.add_argument(
        "--picture", action="store_true", help="only draw docs/stroke-fill.jpg (one stroke, before and after)"
    )
    args = ap.parse_args()
    if args.picture:
        before_after(ROOT / "docs" / "stroke-fill.jpg")
        return
    args.work.mkdir(parents=True, exist_ok=True)
    parts = {"pictures": args.work / "pictures.json", "shots": args.work / "shots.json"}
    if args.only in (None, "pictures") and not parts["pictures"].exists():
        found, source = photos(args.corpus, args.photos)
        found = {k: found[k] for k in sorted(found)[:: args.every]}
        source += f", one photograph in {args.every} (by name)" if args.every > 1 else ""
        pictures = {**{k: working(v) for k, v in found.items()}, **{k: working(v) for k, v in video_frames().items()}}
        if args.quick:
            pictures = dict(list(pictures.items())[:4])
        started, per = time.time(), {}
        order = sorted(pictures, key=lambda n: hashlib.sha256(n.encode()).hexdigest())  # any prefix a fair sample
        for i, name in enumerate(order):
            per[name] = picture_scores(pictures[name], i)
            print(f"{i + 1}/{len(pictures)} {name}", flush=True)
            part = {"source": source, "pictures": per, "of": len(pictures), "seconds": round(time.time() - started)}
            if not args.quick:  # written as it goes: a run stopped early keeps what it scored
                parts["pictures"].with_suffix(".part").write_text(json.dumps(part) + "\n")
        if args.quick:
            print(markdown({**part, "counts": COUNTS, "holdout": []}))
            return
        parts["pictures"].with_suffix(".part").replace(parts["pictures"])
    if args.only in (None, "shots") and not parts["shots"].exists():
        shots = {}
        for name, first, count in SHOTS:
            key = f"{name}@{first}+{count}"
            shots[key] = {n: shot_scores(name, first, count, n, args.work, ("new", "levin")) for n in SHOT_STROKES}
            print(key, flush=True)
        parts["shots"].write_text(json.dumps({"shots": shots}) + "\n")
    scored = parts["pictures"] if parts["pictures"].exists() else parts["pictures"].with_suffix(".part")
    if args.only is not None or not (scored.exists() and parts["shots"].exists()):
        return
    report = {
        **json.loads(scored.read_text()),
        **json.loads(parts["shots"].read_text()),
        "counts": COUNTS,
        "reach": hints.REACH,
        "gain": hints.GAIN,
        "alone": hints.ALONE,
        "stroke_side": hints.STROKE_SIDE,
        "colour_side": hints.MAX_SIDE,
        "machine": machine(),
    }
    report["holdout"] = sorted(n for n in report["pictures"] if held_out(n))
    report["shots_holdout"] = [f"{n}@{f}+{c}" for n, f, c in SHOTS if (n, f) == HOLDOUT_SHOT]
    args.json.write_text(json.dumps(report, indent=1) + "\n")
    write_section(ROOT / "docs" / "evaluation.md", "hints", markdown(report))
    print(markdown(report))


def curve(report: dict, names: list[str], placement: str, method: str) -> list[float]:
    return [float(np.mean([report["pictures"][n][placement][method][k] for n in names])) for k in range(len(COUNTS))]


def markdown(report: dict) -> str:
    """The section of docs/evaluation.md: the curves (test pictures, then the holdout), the shots."""
    held = set(report["holdout"])
    groups = {
        "photographs": [n for n in report["pictures"] if "@" not in n and n not in held],
        "camera video frames": [n for n in report["pictures"] if "@" in n and n not in held],
        "holdout (scored at the end)": sorted(held),
    }
    lines = [
        "## Colour hints: chroma PSNR against the number of hints (issue 27)",
        "",
        "`python pipelines/eval_hints.py --work DIR` (the recipe says how the pictures, the hints and the shots are made).",
        f"Pictures: {report['source']}, and frames of opencv-doc's vtest.avi and tree.avi, at a short side of {SHORT} px"
        + (
            f"; {len(report['pictures'])} of the {report['of']} scored (a fixed random order, the run stopped early: `--every` and the CPU's time)."
            if len(report["pictures"]) < report.get("of", 0)
            else "."
        ),
        f"Mean chroma PSNR (dB, 8-bit Cb, Cr) over the pictures, at {', '.join(map(str, COUNTS))} hints. "
        "*levin*: Levin's fill as it was; *new, gray*: the stroke fill, the rest gray; *new, auto*: the rest the automatic colour.",
        "",
    ]
    names = {
        "gray": "gray",
        "levin": "Levin",
        "new_gray": "new, gray base",
        "new_auto": "new, auto base",
        "automatic": "automatic (no hints)",
    }
    for group, members in groups.items():
        if not members:
            continue
        for placement, what in (("colourist", "strokes in the largest regions"), ("random", "random 3x3 points")):
            lines += [
                f"**{group}** ({len(members)}), {what}:",
                "",
                "| hints | " + " | ".join(map(str, COUNTS)) + " |",
                "|---|" + "---|" * len(COUNTS),
            ]
            for method, label in names.items():
                values = curve(report, members, placement, method)
                lines.append(f"| {label} | " + " | ".join(f"{v:.2f}" for v in values) + " |")
            new, gray, levin = (curve(report, members, placement, m) for m in ("new_gray", "gray", "levin"))
            below_gray = [f"{c} ({n - g:+.2f})" for c, n, g in zip(COUNTS, new, gray, strict=True) if n < g - 0.005]
            below_levin = [
                f"{c} ({n - v:+.2f})" for c, n, v in zip(COUNTS, new, levin, strict=True) if c >= 10 and n < v - 0.005
            ]
            lines += [
                "",
                f"New fill (gray base) below gray at: {', '.join(below_gray) or 'no count'}; "
                f"below Levin from 10 hints on at: {', '.join(below_levin) or 'no count'}.",
                "",
            ]
    lines += [
        f"The stroke fill here: reach {report['reach']} of the long side for up to {report.get('alone', 1)} separate "
        f"hints, growing as the reach times the hints / {report.get('alone', 1)} with more, gain {report['gain']}, "
        f"its reach solved at {report['stroke_side']} px and its colour at {report.get('colour_side', 200)} px "
        "(`filmcolor/guidance/hints.py`); the reach and gain set on eight "
        "training pictures (opencv-doc's aero1, baboon, building, fruits, home, leuvenA, messi5, stuff at a short "
        "side of 160 px) as the pair that met both bars there, the growth after them "
        "(`pipelines/tune_stroke_fill.py`); Levin's fill as it was (at most 400 px). "
        "With one or two hints the stroke fill stays above gray where Levin's falls below it. "
        "Before the reach grew with the hints, 10 strokes scored 0.15, 0.63 and 0.97 dB below Levin's on the "
        "photographs, the video frames and the holdout (the regions no stroke reached stayed gray, where Levin's "
        "guess of a neighbour's colour is right more often than not); growing, it was 0.06 above, 0.18 and 0.62 "
        "below, with the reach and the colour both solved at 200 px. What was left was the colour's size: "
        "solved at 200 px, the stroke fill with ten hints or more was Levin's own fill solved at 200 px to a "
        "hundredth of a dB (the camera frames at 10 strokes: -0.18 and -0.17 dB against Levin's at 256 px). "
        "Solving everything at Levin's 400 px brought it to Levin's, but the shots rendered with 10 strokes fell "
        "from 26.87, 30.97 and 27.36 dB to 26.20, 29.90 and 26.05: a walk that lives longer crosses a faint edge "
        "more often, so the reach spread further. So the two are now solved apart: the reach at 200 px as "
        "before, the colour (the mean colour of the strokes the walk arrives at) at Levin's size. Levin's own "
        "colour (no leak) in its place was tried first: the same from 10 hints on, lower with fewer (the camera "
        "frames' 2 random points 28.87 against 29.13 dB). "
        "A stroke's colour is also kept to its edge now when a keyframe picture is brought to the working size "
        "(`hints.shrunk_hints`, premultiplied by alpha): a plain average mixed each stroke's edge with what lies "
        "under the clear pixels (black here, the gray frame in the studio), and a fill reaches far pixels mostly "
        "through a stroke's edge, so strokes were spread at about half their colour. The shots' 10 strokes went "
        "from 26.87, 30.97 and 27.36 dB to the figures below, and Levin's fill in the render, which reads the "
        "same pictures, from 26.15, 29.91 and 26.01. The pictures above are hinted pixel by pixel, not through "
        "a picture, so only the colour's size changed them. The holdout has now been scored five times (three "
        "for the solve's size), so it no longer says how the fill does on pictures it never saw; its random "
        "points at 10 are 0.009 dB under Levin's (coffee 0.05 under, the two others over).",
        "",
    ]
    for key, by_n in report.get("shots", {}).items():
        aside = " (holdout)" if key in report.get("shots_holdout", []) else ""
        lines += [
            f"**Render through the shot {key}{aside}**: chroma PSNR per frame, mean and worst (dB), and frames below gray:",
            "",
        ]
        lines += ["| strokes | fill | mean | worst | frames below gray |", "|---|---|---|---|---|"]
        for n, r in by_n.items():
            gray = np.array(r["gray"])
            lines.append(f"| {n} | gray | {gray.mean():.2f} | {gray.min():.2f} | - |")
            for fill in ("levin", "new"):
                v = np.array(r[fill])
                lines.append(
                    f"| {n} | {fill} | {v.mean():.2f} | {v.min():.2f} | {int((v < gray - 1e-6).sum())} of {len(v)} |"
                )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
