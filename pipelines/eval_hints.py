"""Recipe for the colour-hints evaluation, in the interactive colourisers' standard form:
chroma PSNR against the truth as a function of the number of hints (Zhang et al. 2017,
ideepcolor; iColoriT 2023).

    python pipelines/eval_hints.py --work /tmp/fc-hints [--photos DIR] [--quick]

Pictures: the corpus' test split (docs/corpus.md; `pipelines/corpus.py` builds it), or, without
a corpus, those of its test-split files this machine holds (Debian's opencv-doc and
lomiri-wallpapers, scikit-image's coffee; `--photos` a folder of more of them, matched by their
original file name), and frames of camera video with motion (opencv-doc's vtest.avi, a street
from a fixed camera, and tree.avi, a hand-held camera over foliage), each at the render's
working size (short side 256). Some are kept aside (HOLDOUT: a hash of the name), scored only
at the end and reported apart.

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
from pathlib import Path

import av
import cv2
import numpy as np
from eval_keyframes import OPENCV, camera
from pan_films import write_film
from report import write_section

from filmcolor.guidance import hints, keyframe_files
from filmcolor.colour import fit_chroma_to_gamut, rgb_to_ycbcr
from filmcolor.metrics import chroma as chroma_of
from filmcolor.metrics import psnr

ROOT = Path(__file__).resolve().parent.parent
COUNTS = (0, 1, 2, 5, 10, 20, 50, 100)
SHORT = 256  # px, the pictures' short side: the render's working size, where a keyframe is filled
SEGMENTS = 150  # SLIC superpixels of the truth: the colourist's regions
STROKE = 12  # px, a colourist's stroke's length (3 px wide)
HOLDOUT = 4  # one picture in this many (by a hash of its name) is kept aside
VIDEOS = (("vtest.avi", (0, 100, 200, 300, 400, 500)), ("tree.avi", (0, 20, 40, 60)))
SHOT_STROKES = (1, 5, 10)  # strokes on the shot's keyframe


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


def colourist_hints(rgb: np.ndarray, cbcr: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 2) chroma, (H, W) bool: `n` strokes in the `n` largest SLIC regions of the truth,
    each a 3 px wide line of up to STROKE px through the region's most inner point, along the
    region's longer side, inside it, in the region's mean chroma."""
    from skimage.segmentation import slic

    labels = slic(rgb, n_segments=SEGMENTS, compactness=10, start_label=0)
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
    out: dict = {}
    for placement in ("colourist", "random"):
        rows: dict = {m: [] for m in ("gray", "levin", "new_gray", "new_auto", "automatic")}
        for n in COUNTS:
            if placement == "colourist":
                chroma, known = colourist_hints(rgb, truth, n)
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
        degrade(truth, bw, __import__("dataclasses").replace(DegradeConfig(), clean=True))
    frames = _decode(truth)
    gray_frames = _decode(bw)
    key_rgb = frames[0]
    ycc = rgb_to_ycbcr(key_rgb.astype(np.float32) / 255.0, "bt601")
    chroma, known = colourist_hints(key_rgb, np.ascontiguousarray(ycc[..., 1:]), strokes)
    layer = np.zeros((*known.shape, 4), np.uint8)
    cbcr = np.concatenate([np.full((*known.shape, 1), 0.5, np.float32), chroma], axis=2)
    from filmcolor.colour import ycbcr_to_rgb

    layer[..., :3] = np.clip(ycbcr_to_rgb(cbcr, "bt601") * 255 + 0.5, 0, 255).astype(np.uint8)
    layer[..., 3] = np.where(known, 255, 0)
    gray = cv2.cvtColor(gray_frames[0], cv2.COLOR_RGB2GRAY)
    truths = [chroma_of(f) for f in frames]
    result = {"gray": [psnr(t * 255, chroma_of(g) * 255) for t, g in zip(truths, gray_frames)]}
    for fill in fills:
        folder = work / f"{stem}-keys-{strokes}-{fill}"
        folder.mkdir(exist_ok=True)
        keyframe_files.write_keyframe(folder, 0, *np.split(keyframe_picture(gray, layer), [3], axis=2))
        out = work / f"{stem}-{strokes}-{fill}.mp4"
        config = RenderConfig()
        config = __import__("dataclasses").replace(
            config, overwrite=True, guide=__import__("dataclasses").replace(config.guide, keyframes=folder)
        )
        with levin_in_render() if fill == "levin" else contextlib.nullcontext():
            render(bw, out, config)
        result[fill] = [psnr(t * 255, chroma_of(c) * 255) for t, c in zip(truths, _decode(out))]
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
        return np.clip(ycbcr_to_rgb(np.concatenate([y[..., None], c], axis=2), "bt601") * 255 + 0.5, 0, 255).astype(np.uint8)

    painted = picture(chroma)
    panels = [painted, picture(hints.fill_chroma(y, chroma, known)), picture(hints.stroke_fill(y, chroma, known)[0])]
    for panel, label in zip(panels, ("one stroke", "before: Levin's fill", "now: the stroke fill")):
        cv2.putText(panel, label, (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 2, cv2.LINE_AA)
    cv2.imwrite(str(out), np.hstack(panels)[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 85])


def _decode(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True, help="folder for the shots' films and renders")
    ap.add_argument("--corpus", type=Path, default=Path.home() / ".cache" / "filmcolor" / "corpus")
    ap.add_argument("--photos", type=Path, help="a folder holding more of the test split's photographs")
    ap.add_argument("--quick", action="store_true", help="four pictures and no render: a check of the recipe")
    ap.add_argument("--json", type=Path, default=ROOT / "docs" / "eval-hints.json")
    ap.add_argument("--picture", action="store_true", help="only draw docs/stroke-fill.jpg (one stroke, before and after)")
    args = ap.parse_args()
    if args.picture:
        before_after(ROOT / "docs" / "stroke-fill.jpg")
        return
    args.work.mkdir(parents=True, exist_ok=True)
    found, source = photos(args.corpus, args.photos)
    pictures = {**{k: working(v) for k, v in found.items()}, **{k: working(v) for k, v in video_frames().items()}}
    if args.quick:
        pictures = dict(list(pictures.items())[:4])
    started = time.time()
    per: dict = {}
    for i, (name, rgb) in enumerate(sorted(pictures.items())):
        per[name] = picture_scores(rgb, i)
        print(f"{i + 1}/{len(pictures)} {name}", flush=True)
    report = {
        "source": source,
        "counts": COUNTS,
        "pictures": per,
        "holdout": sorted(n for n in per if held_out(n)),
        "reach": hints.REACH,
        "seconds": round(time.time() - started),
    }
    if not args.quick:
        shots = {}
        for name, first, count in (("vtest.avi", 0, 200), ("tree.avi", 0, 68), ("vtest.avi", 450, 200)):
            key = f"{name}@{first}+{count}"
            shots[key] = {n: shot_scores(name, first, count, n, args.work, ("new", "levin")) for n in SHOT_STROKES}
            print(key, flush=True)
        report["shots"] = shots
        report["shots_holdout"] = ["vtest.avi@450+200"]
    args.json.write_text(json.dumps(report, indent=1) + "\n")
    if not args.quick:
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
        f"Pictures: {report['source']}, and frames of opencv-doc's vtest.avi and tree.avi, at the working size (short side {SHORT}).",
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
            lines.append("")
    for key, by_n in report.get("shots", {}).items():
        aside = " (holdout)" if key in report.get("shots_holdout", []) else ""
        lines += [f"**Render through the shot {key}{aside}**: chroma PSNR per frame, mean and worst (dB), and frames below gray:", ""]
        lines += ["| strokes | fill | mean | worst | frames below gray |", "|---|---|---|---|---|"]
        for n, r in by_n.items():
            gray = np.array(r["gray"])
            lines.append(f"| {n} | gray | {gray.mean():.2f} | {gray.min():.2f} | - |")
            for fill in ("levin", "new"):
                v = np.array(r[fill])
                lines.append(f"| {n} | {fill} | {v.mean():.2f} | {v.min():.2f} | {int((v < gray - 1e-6).sum())} of {len(v)} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
