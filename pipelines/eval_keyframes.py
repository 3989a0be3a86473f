"""Recipe for the guided-colour evaluation: keyframes carried through shots, against the plain
carrier and the gray input, on test films with a known colour truth; the carrier's confidence
calibrated; colour hints.

    python pipelines/corpus.py && python pipelines/eval_keyframes.py --work /tmp/fc-keys

Test films, each made B&W (`filmcolor degrade --clean`) and rendered with keyframes taken from
its truth: each shot's first frame, and also every 5th second of each shot. Photographs come from
the corpus' test split (docs/corpus.md); without a corpus, from Debian's opencv-doc examples.
- long pans: three shots of 12 s, each a slow pan over a test photograph (content comes into
  view all along, and a plain carrier drifts);
- crossing: two shots of 10 s, a photograph panned under a smaller one crossing the frame
  (content appears from behind it and leaves);
- short pans: six shots of 2 s, as the smoothing evaluation's;
- dense texture: three shots of 6 s, faster pans over the test photographs with the most fine
  detail (the mean luma gradient: foliage, fur, gravel), where a forward-backward check fails
  almost everywhere;
- zoom: two shots of 5 s zooming in 1.8x on a photograph;
- street (camera video): Debian opencv-doc's vtest.avi (a fixed camera, people walking,
  MPEG-4 part 2 compression), 384x288 at its 10 frames/s, its first 30 s as one shot (the long shot);
- tree (camera video): opencv-doc's tree.avi (a hand-held camera over foliage, Cinepak), 320x240
  at its 15 frames/s, the 68 frames (4.5 s) it decodes to (its header says 444).
Two more are kept aside (`--aside`, looked at frame by frame only at the end): the street's
seconds 45 to 75, and a dense-texture zoom.

Candidates: `filmcolor render --keyframes` (its defaults, the shipped weights); the plain carrier
(the keyframe's true colour carried by DIS optical flow, medium, at the film's full size, frame
to frame, edge pixels replicated, nothing else, written as the render writes); the gray input;
the truth against itself for the steadiness measures. Measured: chroma PSNR (the Cb and Cr
planes as written, against the truth's) per frame, its mean and its worst frame against the
plain carrier's on that frame; the keyframes' own frames against the keyframe converted to the
output's pixel format; warping error (RGB, along the truth's motion) and CDC against the truth's;
the Jensen-Shannon divergence of each shot's last frame's CIELAB a*b* histograms from the
truth's. The carrier's confidence (`filmcolor.guidance.carry.Carrier`) is calibrated on the films: its
bins against the carried chroma's error. Hints: on each photograph film's keyframe frames,
strokes (discs of radius 3 px at random places, their colour the truth's) covering 0.5%, 2% and
10% of the pixels, filled (`filmcolor.guidance.hints`), against the automatic colour.

Writes its section of docs/evaluation.md, docs/keyframes.json and docs/keyframes-strip.jpg.
"""

from __future__ import annotations

import argparse
import json
import time
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import torch
from common import CORPUS, ROOT, machine, write_section
from pan_films import RATE, pan, write_film

from filmcolor import media
from filmcolor.colour import fit_chroma_to_gamut, picture_luma, rgb_to_ycbcr
from filmcolor.degrade import DegradeConfig, degrade
from filmcolor.flow import flow, occlusion_mask, warp
from filmcolor.guidance.carry import FAR, SURE, Carrier
from filmcolor.guidance.guide import GuideConfig
from filmcolor.inference import InferenceConfig, load_model, to_working, working_size
from filmcolor.media.writer import FilmWriter
from filmcolor.metrics import CDCAccumulator, ab_histograms, js_divergence, psnr, warping_error
from filmcolor.render import RenderConfig, render
from filmcolor.stills import colour_picture, hinted_picture
from filmcolor.temporal import luma8

SIZE = (320, 240)
OPENCV = Path("/usr/share/doc/opencv-doc/examples/data")
EVERY = 5.0  # seconds between keyframes within a shot, for the second set
COVERS = (0.005, 0.02, 0.10)  # the strokes' share of a keyframe's pixels
BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 1.01)  # confidence bins of the calibration table


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


def keyframes(truth: Path, frames: list[int], folder: Path) -> None:
    """The truth's `frames` as keyframe pictures in `folder` (named by frame number)."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = set(frames)
    with av.open(str(truth)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i in wanted:
                cv2.imwrite(str(folder / f"{i:06d}.png"), f.to_ndarray(format="bgr24"))


def plain_carrier(truth: Path, bw: Path, keys: set[int], out: Path) -> float:
    """The plain carrier into `out`: at each keyframe the truth's chroma, then carried frame to
    frame by DIS flow (medium) on the B&W film's luma at full size, edge pixels replicated,
    nothing else; returns seconds."""
    t0 = time.perf_counter()
    with av.open(str(truth)) as c:
        colour = {i: f.to_ndarray(format="rgb24") for i, f in enumerate(c.decode(video=0)) if i in keys}
    with media.open_film(bw) as container:
        info = media.film_info(container)
        with FilmWriter(out, container, info) as writer:
            prev, chroma = None, None
            for item in media.read_with_packets(container):
                if not isinstance(item, media.Decoded):
                    writer.copy_packet(item)
                    continue
                luma = item.luma()
                y8 = np.clip(np.rint(info.code_range.luma_to_unit(luma) * 255), 0, 255).astype(np.uint8)
                if item.index in colour:
                    chroma = np.ascontiguousarray(
                        rgb_to_ycbcr(colour[item.index].astype(np.float32) / 255, info.matrix)[..., 1:]
                    )
                else:
                    chroma = warp(chroma, flow(y8, prev))  # current -> previous: the previous colour brought here
                prev = y8
                small = cv2.resize(chroma, writer.chroma_size, interpolation=cv2.INTER_AREA)
                mean = cv2.resize(info.code_range.luma_to_unit(luma), writer.chroma_size, interpolation=cv2.INTER_AREA)
                writer.write(
                    luma,
                    writer.out_range.unit_to_chroma(fit_chroma_to_gamut(mean, small, info.matrix)).transpose(2, 0, 1),
                    item.pts,
                )
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


FALLBACK_PHOTOS = (
    "fruits.jpg",
    "home.jpg",
    "building.jpg",
    "butterfly.jpg",
    "squirrel_cls.jpg",
    "orange.jpg",
    "messi5.jpg",
    "leuvenA.jpg",
    "apple.jpg",
    "board.jpg",
    "ela_original.jpg",
    "pca_test1.jpg",
    "baboon.jpg",
    "starry_night.jpg",
    "aloeL.jpg",
    "right.jpg",
)


def test_photos(corpus: Path) -> tuple[list[Path], str]:
    """The corpus' test photographs, or (no corpus yet) opencv-doc's colour pictures; and which."""
    photos = sorted((corpus / "test").glob("*.jpg"))
    if len(photos) >= 16:
        return photos, "the corpus' test split"
    return [OPENCV / name for name in FALLBACK_PHOTOS], "Debian opencv-doc's example pictures (no corpus built)"


def detail(photo: Path) -> float:
    """Mean luma gradient magnitude at 480 px on the long side: how dense a picture's texture is."""
    gray = cv2.cvtColor(cv2.imread(str(photo)), cv2.COLOR_BGR2GRAY).astype(np.float32)
    scale = 480 / max(gray.shape)
    gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return float(np.hypot(cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1)).mean())


def sweep(photo: np.ndarray, frames: int, seed: int, speed: float = 3.0):
    """A fast pan (about `speed` px a frame) over `photo` (BGR), scaled so the view is 2/3 of its height."""
    rng = np.random.default_rng(seed)
    w, h = SIZE
    scale = 1.5 * h / photo.shape[0]
    scaled = cv2.cvtColor(
        cv2.resize(
            photo,
            None,
            fx=max(scale, 1.2 * w / photo.shape[1]),
            fy=max(scale, 1.2 * w / photo.shape[1]),
            interpolation=cv2.INTER_AREA,
        ),
        cv2.COLOR_BGR2RGB,
    )
    sh, sw = scaled.shape[:2]
    room = np.array([sw - w, sh - h], np.float64)
    direction = rng.normal(size=2)
    direction /= np.linalg.norm(direction)
    travel = np.minimum(room, np.abs(direction) * speed * frames)
    start = np.where(direction > 0, 0.0, travel) + rng.uniform(0, 1, 2) * (room - travel)
    for i in range(frames):
        x, y = start + np.sign(direction) * travel * i / max(1, frames - 1)
        m = np.array([[1, 0, -x], [0, 1, -y]], np.float32)
        yield cv2.warpAffine(scaled, m, SIZE, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


def zoom(photo: np.ndarray, frames: int, seed: int, factor: float = 1.8):
    """A zoom in by `factor` on a random point of `photo` (BGR), the view covering it at first."""
    rng = np.random.default_rng(seed)
    w, h = SIZE
    cover = max(w / photo.shape[1], h / photo.shape[0])
    rgb = cv2.cvtColor(photo, cv2.COLOR_BGR2RGB)
    cx, cy = rng.uniform(0.35, 0.65) * photo.shape[1], rng.uniform(0.35, 0.65) * photo.shape[0]
    for i in range(frames):
        z = cover * factor ** (i / max(1, frames - 1))
        m = np.array([[z, 0, w / 2 - z * cx], [0, z, h / 2 - z * cy]], np.float32)
        yield cv2.warpAffine(
            rgb, m, SIZE, flags=cv2.INTER_AREA if z < 1 else cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT
        )


def camera(name: str, first: int, count: int, size: tuple[int, int]):
    """Frames `first` to `first + count - 1` of opencv-doc's `name` video, RGB at `size`."""
    with av.open(str(OPENCV / name)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i >= first + count:
                break
            if i >= first:
                yield cv2.resize(f.to_ndarray(format="rgb24"), size, interpolation=cv2.INTER_AREA)


def films(photos: list[Path], aside: bool) -> dict[str, dict]:
    """Each test film: its size, rate, shots (frames each), kind, and a maker of its pictures."""
    dense = sorted(photos, key=detail, reverse=True)
    tree_rate = Fraction(1000000, 66667)
    main = {
        "long pans": {
            "shots": [288] * 3,
            "kind": "photo",
            "make": lambda: (p for s in range(3) for p in pan(cv2.imread(str(photos[s])), *SIZE, 288, seed=s)),
        },
        "crossing": {
            "shots": [240] * 2,
            "kind": "photo",
            "make": lambda: (
                p
                for s in range(2)
                for p in crossing(cv2.imread(str(photos[3 + s])), cv2.imread(str(photos[-1 - s])), 240, seed=s)
            ),
        },
        "short pans": {
            "shots": [48] * 6,
            "kind": "photo",
            "make": lambda: (p for s in range(6) for p in pan(cv2.imread(str(photos[5 + s])), *SIZE, 48, seed=s)),
        },
        "dense texture": {
            "shots": [144] * 3,
            "kind": "dense",
            "make": lambda: (p for s in range(3) for p in sweep(cv2.imread(str(dense[s])), 144, seed=s)),
        },
        "zoom": {
            "shots": [120] * 2,
            "kind": "photo",
            "make": lambda: (p for s in range(2) for p in zoom(cv2.imread(str(photos[11 + s])), 120, seed=s)),
        },
        "street (vtest.avi)": {
            "shots": [300],
            "kind": "camera",
            "rate": Fraction(10),
            "size": (384, 288),
            "make": lambda: camera("vtest.avi", 0, 300, (384, 288)),
        },
        "tree (tree.avi)": {
            "shots": [68],
            "kind": "camera",
            "rate": tree_rate,
            "make": lambda: camera("tree.avi", 0, 68, SIZE),
        },
    }
    kept = {
        "aside: street, 45-75 s": {
            "shots": [300],
            "kind": "camera",
            "rate": Fraction(10),
            "size": (384, 288),
            "make": lambda: camera("vtest.avi", 450, 300, (384, 288)),
        },
        "aside: dense zoom": {
            "shots": [120],
            "kind": "dense",
            "make": lambda: zoom(cv2.imread(str(dense[3])), 120, seed=7, factor=2.2),
        },
    }
    return kept if aside else main


def planes(frame: av.VideoFrame) -> np.ndarray:
    """(2, H/2, W/2) uint8 Cb and Cr planes of a yuv420p frame, as written."""
    a = frame.to_ndarray(format="yuv420p")  # (3H/2, W)
    h, w = frame.height, frame.width
    return np.stack([a[h : h + h // 4].reshape(h // 2, w // 2), a[h + h // 4 :].reshape(h // 2, w // 2)])


def converted(rgb: np.ndarray) -> np.ndarray:
    """A keyframe picture simply converted to yuv420p (FFmpeg's own conversion): its chroma planes."""
    return planes(av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p"))


def measure(truth: Path, candidates: dict[str, Path], starts: list[int], keys: list[int]) -> dict:
    """Every candidate against the truth in one pass (the truth's motion measured once): chroma
    PSNR per frame, warping error and CDC (and the truth's own), the last frame of each shot's
    a*b* Jensen-Shannon divergence from the truth's, and the keyframes' own frames against the
    keyframe converted to yuv420p."""
    names = list(candidates)
    paths = [truth, *candidates.values()]
    containers = [av.open(str(p)) for p in paths]
    ends = {s - 1 for s in starts[1:]}
    out = {n: {"chroma_psnr": [], "we": [], "js_last": [], "key_frames": []} for n in ["truth", *names]}
    cdc = {n: CDCAccumulator() for n in ["truth", *names]}
    prev, reference = None, []
    try:
        streams = [c.decode(video=0) for c in containers]
        for i, frames in enumerate(zip(*streams, strict=True)):
            rgb = [f.to_ndarray(format="rgb24") for f in frames]
            chroma = [planes(f) for f in frames]
            gray = picture_luma(rgb[0])
            cut = i in starts and i > 0
            hists = [ab_histograms(x) for x in rgb]
            if i in keys:
                reference.append(psnr(converted(rgb[0]), chroma[0]))
            for k, n in enumerate(["truth", *names]):
                cdc[n].push(hists[k], cut)
                if k:
                    out[n]["chroma_psnr"].append(psnr(chroma[0], chroma[k]))
                    if i in keys:
                        out[n]["key_frames"].append(out[n]["chroma_psnr"][-1])
                if i in ends:
                    out[n]["js_last"].append(
                        0.5 * (js_divergence(hists[0][0], hists[k][0]) + js_divergence(hists[0][1], hists[k][1]))
                    )
            if prev is not None and not cut:
                to_prev = flow(gray, prev[0])
                mask = occlusion_mask(to_prev, flow(prev[0], gray))
                for k, n in enumerate(["truth", *names]):
                    out[n]["we"].append(warping_error(prev[1][k], rgb[k], to_prev, mask))
            prev = (gray, rgb)
        for k, n in enumerate(["truth", *names]):  # the film's last frame ends its last shot
            out[n]["js_last"].append(
                0.5 * (js_divergence(hists[0][0], hists[k][0]) + js_divergence(hists[0][1], hists[k][1]))
            )
    finally:
        for c in containers:
            c.close()
    result = {}
    for n in names:
        r = out[n]
        result[n] = {
            "chroma_psnr": round(float(np.mean(r["chroma_psnr"])), 2),
            "per_frame": r["chroma_psnr"],
            "warping_error": float(np.nanmean(r["we"])),
            "cdc": cdc[n].value(),
            "js_last": r["js_last"],
            "key_frames": r["key_frames"],
        }
    result["truth"] = {
        "warping_error": float(np.nanmean(out["truth"]["we"])),
        "cdc": cdc["truth"].value(),
        "key_frames_converted": reference,
    }
    return result


def calibrate(
    truth: Path, bw: Path, key: int, frames: int, size: tuple[int, int], table: np.ndarray, model: list[float]
) -> None:
    """Follow the truth's frame `key` with a `Carrier` over the next `frames` frames of the B&W
    film, adding to `table` ((bins, 2): pixels, summed chroma error in 8-bit codes) each pixel's
    |carried chroma - the truth's| by its confidence; to `model`, the pixels with no trusted
    pixel near (where the model's colour may enter) and all pixels."""
    with av.open(str(truth)) as t, av.open(str(bw)) as b:
        code_range = media.film_info(b).code_range
        carrier = None
        for i, (ft, fb) in enumerate(zip(t.decode(video=0), b.decode(video=0), strict=True)):
            if i < key:
                continue
            if i > key + frames:
                break
            rgb = cv2.resize(
                ft.to_ndarray(format="rgb24").astype(np.float32) / 255.0, size, interpolation=cv2.INTER_AREA
            )
            ycc = rgb_to_ycbcr(rgb)  # (h, w, 3)
            y8 = luma8(to_working(media.luma_plane(fb), code_range, size))
            if carrier is None:
                carrier = Carrier.start(ycc[..., 0], ycc[..., 1:])
                continue
            carrier.follow(y8)
            known = carrier.confidence >= SURE
            far = FAR * float(np.hypot(*known.shape))
            distance = (
                cv2.distanceTransform((~known).astype(np.uint8), cv2.DIST_L2, 3)
                if known.any()
                else np.full(known.shape, 2 * far)
            )
            # where the model's colour may enter at all (no trusted pixel near)
            model[0] += float((distance > far).sum())
            model[1] += known.size
            error = 255.0 * np.abs(carrier.chroma() - ycc[..., 1:]).mean(axis=2)  # (h, w)
            idx = np.digitize(carrier.confidence, BINS) - 1
            np.add.at(table[:, 0], idx.ravel(), 1)
            np.add.at(table[:, 1], idx.ravel(), error.ravel())


def strip(truth: Path, guided: Path, plain: Path, key: int, late: int, out: Path) -> None:
    """docs/guided-colour.md's picture: the keyframe, a late frame of its shot guided, the plain carrier's, and the truth's."""

    def frame(path: Path, index: int) -> np.ndarray:
        with av.open(str(path)) as c:
            return next(f.to_ndarray(format="rgb24") for i, f in enumerate(c.decode(video=0)) if i == index)

    panels = [frame(truth, key), frame(guided, late), frame(plain, late), frame(truth, late)]
    labels = ("keyframe", f"guided, {late - key} frames on", "plain carrier", "truth")
    for p, label in zip(panels, labels, strict=True):
        cv2.putText(p, label, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    cv2.imwrite(str(out), cv2.cvtColor(np.hstack(panels), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--weights", type=Path, help="generator weights (default: the shipped ones)")
    ap.add_argument("--docs", type=Path, default=ROOT / "docs")
    ap.add_argument(
        "--only",
        help="the films whose name contains one of these (comma-separated; a quick look, or films measured in parallel: docs are not written)",
    )
    ap.add_argument(
        "--aside", action="store_true", help="the films kept aside, looked at only at the end (docs are not written)"
    )
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    photos, source = test_photos(args.corpus)
    device = torch.device("cpu")
    model = load_model(args.weights, device)
    results, hints, seconds, table, model_share = {}, {}, {}, np.zeros((len(BINS) - 1, 2)), np.zeros(2)
    for name, film in films(photos, args.aside).items():
        if args.only and not any(part in name for part in args.only.split(",")):
            continue
        stem = name.replace(" ", "-").replace(":", "").replace(",", "").replace("(", "").replace(")", "")
        rate, size, shots = film.get("rate", RATE), film.get("size", SIZE), film["shots"]
        starts = [int(x) for x in np.cumsum([0, *shots[:-1]])]
        truth, bw = args.work / f"{stem}.mp4", args.work / f"{stem}-bw.mp4"
        if not truth.exists():
            write_film(truth, film["make"](), *size, sum(shots), rate=rate)
        if not bw.exists():
            degrade(truth, bw, DegradeConfig(clean=True))
        step = round(EVERY * float(rate))
        every = sorted({s + k for s, n in zip(starts, shots, strict=True) for k in range(0, n, step)})
        for label, keys in (("first frame of each shot", starts), (f"every {EVERY:g} s", every)):
            if label != "first frame of each shot" and keys == starts:
                continue  # shots shorter than the step: the same keyframes
            folder, cached = args.work / f"{stem}-keys-{len(keys)}", args.work / f"{stem}-result-{len(keys)}.json"
            if cached.exists():  # measured by an earlier run (films measured in parallel: --only)
                results[f"{name}, {label}"], seconds[f"{name}, {label}"] = json.loads(cached.read_text())
                continue
            keyframes(truth, keys, folder)
            guided, plain = args.work / f"{stem}-guided-{len(keys)}.mp4", args.work / f"{stem}-plain-{len(keys)}.mp4"
            t = time.perf_counter()
            render(
                bw,
                guided,
                RenderConfig(
                    inference=InferenceConfig(weights=args.weights), guide=GuideConfig(keyframes=folder), overwrite=True
                ),
            )
            seconds[f"{name}, {label}"] = {
                "render": round(time.perf_counter() - t, 1),
                "plain": round(plain_carrier(truth, bw, set(keys), plain), 1),
            }
            m = measure(truth, {"filmcolor": guided, "plain carrier": plain, "gray input": bw}, starts, keys)
            results[f"{name}, {label}"] = {"kind": film["kind"], **m}
            cached.write_text(json.dumps([results[f"{name}, {label}"], seconds[f"{name}, {label}"]]))
            g, p = m["filmcolor"], m["plain carrier"]
            worst = min(a - b for a, b in zip(g["per_frame"], p["per_frame"], strict=True))
            print(
                f"{name}, {label}: chroma PSNR {g['chroma_psnr']} vs plain {p['chroma_psnr']} (worst frame {worst:+.2f}); "
                f"WE x{g['warping_error'] / m['truth']['warping_error']:.2f} (plain x{p['warping_error'] / m['truth']['warping_error']:.2f}), "
                f"CDC x{g['cdc'] / m['truth']['cdc']:.2f} (plain x{p['cdc'] / m['truth']['cdc']:.2f}); JS last {np.mean(g['js_last']):.4f} vs {np.mean(p['js_last']):.4f}; "
                f"keyframes vs plain {[round(a - b, 2) for a, b in zip(g['key_frames'], p['key_frames'], strict=True)]}",
                flush=True,
            )
        calibrated = args.work / f"{stem}-calibration.npy"
        if not calibrated.exists():
            mine, far = np.zeros_like(table), [0.0, 0.0]
            for s, n in zip(starts, shots, strict=True):
                calibrate(truth, bw, s, min(n - 1, 150), working_size(*size, InferenceConfig().model_size), mine, far)
            np.save(calibrated, np.vstack([mine, [far]]))
        saved = np.load(calibrated)
        table += saved[:-1]
        model_share += saved[-1]
        if film["kind"] == "photo" and not args.aside:
            hints[name] = hints_scores(truth, starts, model, device, args.work)
        if name == "street (vtest.avi)" and not args.only:
            strip(
                truth,
                args.work / f"{stem}-guided-1.mp4",
                args.work / f"{stem}-plain-1.mp4",
                0,
                290,
                args.docs / "keyframes-strip.jpg",
            )
    calibration = [
        {"confidence": f"{lo:.2f}-{min(hi, 1.0):.2f}", "pixels": int(n), "chroma_error": round(e / n, 2) if n else None}
        for lo, hi, (n, e) in zip(BINS[:-1], BINS[1:], table, strict=True)
    ]
    print("calibration", calibration, flush=True)
    report = {
        "machine": machine(),
        "photos": source,
        "results": results,
        "calibration": calibration,
        "model_share": model_share[0] / max(1.0, model_share[1]),
        "hints": hints,
        "seconds": seconds,
    }
    if args.only or args.aside:
        (args.work / "keyframes.json").write_text(json.dumps(report) + "\n")
        return
    (args.work / "keyframes.json").write_text(json.dumps(report) + "\n")  # with every frame's chroma PSNR
    slim = {
        **report,
        "results": {
            k: {c: {n: v for n, v in r.items() if n != "per_frame"} if isinstance(r, dict) else r for c, r in m.items()}
            for k, m in results.items()
        },
    }
    (args.docs / "keyframes.json").write_text(json.dumps(slim, indent=1) + "\n")
    write_section(args.docs / "evaluation.md", "eval_keyframes", markdown(report))


def markdown(report: dict) -> str:
    """The section of docs/evaluation.md: the films' table, the calibration, the hints, the time."""
    lines = [
        "## Guided colour: keyframes carried through their shots",
        "",
        f"`python pipelines/eval_keyframes.py` on {report['machine']}; photographs from {report['photos']} (the recipe's docstring says how each film is made). "
        "Chroma PSNR: the Cb and Cr planes as written against the truth's (dB, mean over frames); worst frame: the least of (candidate - plain carrier) over the frames; "
        "keyframes: the least of (candidate - plain carrier) on the keyframes' own frames, where the plain carrier writes the keyframe simply converted to yuv420p; warping error and CDC as multiples of the truth's own; "
        "JS last: the Jensen-Shannon divergence of each shot's last frame's a*b* histograms from the truth's (mean over shots; lower keeps the palette).",
        "",
        "| film, keyframes | candidate | chroma PSNR dB | worst frame vs plain dB | keyframes dB | warping error / truth's | CDC / truth's | JS last |",
        "|---|---|---|---|---|---|---|---|",
    ]
    gains = []
    for key, m in report["results"].items():
        plain = m["plain carrier"]["per_frame"]
        truth = m["truth"]
        for cand in ("filmcolor", "plain carrier", "gray input"):
            r = m[cand]
            worst = min(a - b for a, b in zip(r["per_frame"], plain, strict=True))
            keys = min(a - b for a, b in zip(r["key_frames"], m["plain carrier"]["key_frames"], strict=True))
            lines.append(
                f"| {key} | {cand} | {r['chroma_psnr']:.2f} | {worst:+.2f} | {keys:+.2f} | {r['warping_error'] / truth['warping_error']:.2f} | "
                f"{r['cdc'] / truth['cdc']:.2f} | {np.mean(r['js_last']):.4f} |"
            )
        gains.append(m["filmcolor"]["chroma_psnr"] - m["plain carrier"]["chroma_psnr"])
    lines += [
        "",
        f"Over the {len(gains)} film and keyframe sets, filmcolor's chroma PSNR is {np.mean(gains):+.2f} dB from the plain carrier's on average (least {min(gains):+.2f}, most {max(gains):+.2f}).",
        "",
    ]
    lines += [
        "The carrier's confidence (`filmcolor.guidance.carry.Carrier`, following each shot's first frame for up to 150 frames of every film above) against the error of the chroma it carries "
        "(mean |Cb, Cr - the truth's| in 8-bit codes, at the working size):",
        "",
        "| confidence | share of pixels | chroma error |",
        "|---|---|---|",
    ]
    total = sum(c["pixels"] for c in report["calibration"]) or 1
    for c in report["calibration"]:
        lines.append(
            f"| {c['confidence']} | {c['pixels'] / total:.1%} | {'-' if c['chroma_error'] is None else c['chroma_error']} |"
        )
    lines += [
        "",
        f"Pixels with no trusted pixel within {FAR:.0%} of the diagonal (where the model's colour may enter, gently): {report['model_share']:.2%} of those followed.",
        "",
    ]
    lines += [
        "",
        "Colour hints: RGB PSNR (dB) of each shot's first frame filled from strokes of its true colour, against the automatic colour of that frame:",
        "",
    ]
    covers = [f"{c:.1%} strokes" for c in COVERS]
    lines += ["| film | automatic | " + " | ".join(covers) + " |", "|---|---|" + "---|" * len(covers)]
    for name, h in report["hints"].items():
        lines.append(f"| {name} | {h['automatic']:.2f} | " + " | ".join(f"{h[c]:.2f}" for c in covers) + " |")
    lines += [
        "",
        "Time (s, this machine, shared with other jobs while measured: compare the rows, not with docs/benchmarks.md): the guided render (finding the shots included) and the plain carrier:",
        "",
    ]
    lines += ["| film, keyframes | render | plain carrier |", "|---|---|---|"]
    for key, s in report["seconds"].items():
        lines.append(f"| {key} | {s['render']} | {s['plain']} |")
    lines += [
        "",
        "![the keyframe, the guided render 29 s later, the plain carrier's, and the truth: vtest.avi](keyframes-strip.jpg)",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
