"""Recipe for the camera setups' evaluation: a keyframe painted on one shot colours the other
shots of its setup (`filmcolor.guidance.setups`, `filmcolor.guidance.borrow`).

    python pipelines/eval_setups.py --work /tmp/fc-setups            # the films, then docs/
    python pipelines/eval_setups.py --work /tmp/fc-setups --aside    # the holdout, at the end

Films with a known colour truth, each of two or three camera setups cut back and forth
(shots of 16 frames, 320x240 at 23.976 frames/s unless said), made B&W (`filmcolor degrade --clean`):
- street, two setups: Debian opencv-doc's vtest.avi (a fixed camera, people walking; MPEG-4
  part 2) cut into its left and right halves, each return framed anew (centre moved by up to
  16 px of the source, zoom 0.92-1.08), time running on through the shots (8 shots);
- photo pans, two and three setups: pans (1 px a frame, a random direction) over opencv-doc's
  example pictures (the corpus' test split when built), each shot framed anew (zoom 1.0-1.6,
  a random centre) (8 and 9 shots);
- photo pans, wide and close: two setups over two more of those pictures, each setup's returns
  framed wide (1.1x the view that covers the picture) and close (1.5-1.8x that) in turn about
  the picture's middle, as a scene is covered in a wide shot and closer ones: the painted
  (first) shot of each setup is its wide one (8 shots);
- band: `samples/band.mp4` (the held-out excerpt of iscc-samples' demo film; its other films
  are that same film in other formats, which the weights trained on, so none of them is used),
  whose shots 1 and 3 are one setup; truth `samples/band-colour.mp4`.
Keyframes from the truth on the first frame of the first shot of each setup only. Each later
shot of a setup is scored by chroma PSNR (the Cb and Cr planes as written against the truth's,
per frame, the shot's mean) for: the render with setups (the default); the automatic colour
(no keyframes); the ceiling (a keyframe from the truth on the shot's own first frame: every
shot keyed); carrying nothing (the B&W film's neutral chroma).
The negative set: films of unlike shots (each a different picture, and the tree video once), a
keyframe on every other shot: no shot may borrow, and the render must be identical, frame for
frame, to one with `--no-setups`. These three renders are written losslessly (FFV1), so that
the frames compared are the render's own: x264's output differs from run to run on this
machine, even on one thread and the same input bytes (docs/benchmarks.md), by up to 16-32 codes
here. A second `--no-setups` render is set beside them as the check that they are reproducible.
Kept aside (`--aside`): street seconds 40-70 in three setups (thirds of the frame), and photo
pans over three other pictures.

Writes its section of docs/evaluation.md, docs/setups.json and docs/setups-strip.jpg (band:
the keyframe on shot 1, shot 3 in B&W, borrowed, automatic).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from pathlib import Path

import av
import cv2
import numpy as np
from common import ROOT, machine, write_section
from eval_keyframes import keyframes, planes, test_photos
from pan_films import RATE, write_film

from filmcolor.degrade import DegradeConfig, degrade
from filmcolor.guidance.guide import GuideConfig
from filmcolor.inference import InferenceConfig
from filmcolor.media.encoding import EncodeConfig
from filmcolor.metrics import psnr
from filmcolor.render import RenderConfig, RenderResult, render

SIZE = (320, 240)
SHOT = 16  # frames a shot
OPENCV = Path("/usr/share/doc/opencv-doc/examples/data")


def street(
    first: int, regions: list[tuple[float, float, float]], pattern: list[int], seed: int
) -> Iterator[np.ndarray]:
    """vtest.avi (768x576, 10 frames/s) from frame `first`, shot k showing region `pattern[k]`
    ((centre x, centre y, width) in the source's pixels), framed anew each time."""
    rng = np.random.default_rng(seed)
    w, h = SIZE
    with av.open(str(OPENCV / "vtest.avi")) as c:
        frames = (f.to_ndarray(format="rgb24") for i, f in enumerate(c.decode(video=0)) if i >= first)
        for setup in pattern:
            cx, cy, width = regions[setup]
            cx, cy = cx + rng.uniform(-16, 16), cy + rng.uniform(-16, 16)
            s = w / width * rng.uniform(0.92, 1.08)
            m = np.array([[s, 0, w / 2 - s * cx], [0, s, h / 2 - s * cy]], np.float32)
            for _ in range(SHOT):
                yield cv2.warpAffine(next(frames), m, SIZE, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT)


Framing = tuple[float, np.ndarray, np.ndarray]  # (zoom: view px per photo px, (2,) centre in the photo's px, (2,) move)


def view(shape: tuple[int, ...], seed: int) -> Framing:
    """A shot's framing of a photo of `shape` (H, W, ...): its zoom, its first frame's centre and
    its move a frame (1 px of the view), drawn from `seed`: zoom 1.0-1.6 over the view that
    covers it, a random centre, a random direction."""
    rng = np.random.default_rng(seed)
    w, h = SIZE
    z = max(w / shape[1], h / shape[0]) * rng.uniform(1.0, 1.6)
    half = np.array([w, h]) / (2 * z)  # the view's half size in the photo's pixels
    low = half + SHOT / z  # the view and its pan stay inside the picture
    high = np.array(shape[1::-1]) - low
    centre = rng.uniform(np.minimum(low, high), np.maximum(low, high))
    step = rng.normal(size=2)
    step /= np.linalg.norm(step) * z  # 1 px of the view a frame
    return z, centre, step


def wide_or_close(shape: tuple[int, ...], seed: int, close: bool) -> Framing:
    """A return to one camera setup over a photo of `shape`: the photo's middle (within 8 px of
    the view), framed wide (1.1x the view that covers it) or close (1.5-1.8x that), panning 1 px
    of the view a frame in a random direction, drawn from `seed`."""
    rng = np.random.default_rng(seed)
    w, h = SIZE
    z = max(w / shape[1], h / shape[0]) * 1.1 * (rng.uniform(1.5, 1.8) if close else 1.0)
    centre = np.array(shape[1::-1]) / 2 + rng.uniform(-8, 8, 2) / z
    step = rng.normal(size=2)
    step /= np.linalg.norm(step) * z
    return z, centre, step


def framing(photo: np.ndarray, framed: Framing) -> Iterator[np.ndarray]:
    """A shot over `photo` (BGR), framed `framed`."""
    w, h = SIZE
    rgb = cv2.cvtColor(photo, cv2.COLOR_BGR2RGB)
    z, centre, step = framed
    for i in range(SHOT):
        cx, cy = centre + i * step
        m = np.array([[z, 0, w / 2 - z * cx], [0, z, h / 2 - z * cy]], np.float32)
        yield cv2.warpAffine(
            rgb, m, SIZE, flags=cv2.INTER_AREA if z < 1 else cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT
        )


def pans(photos: list[Path], pattern: list[int], seed: int, returns: str = "anew") -> dict:
    """A photo-pans film's entry in `films`: shot k over photo `pattern[k]`, framed anew each time
    (`view`), or (`returns` "wide, close") each setup's visits framed wide and close in turn
    (`wide_or_close`); `framings` gives each shot's framing from the photos' shapes."""

    def framings(shapes: list[tuple[int, ...]]) -> list[Framing]:
        if returns == "anew":
            return [view(shapes[s], seed * 100 + k) for k, s in enumerate(pattern)]
        visits = [pattern[:k].count(s) for k, s in enumerate(pattern)]  # the how-manyth return to its setup
        return [wide_or_close(shapes[s], seed * 100 + k, visits[k] % 2 == 1) for k, s in enumerate(pattern)]

    def make() -> Iterator[np.ndarray]:
        pictures = [cv2.imread(str(p)) for p in photos]
        for k, framed in enumerate(framings([p.shape for p in pictures])):
            yield from framing(pictures[pattern[k]], framed)

    return {"pattern": pattern, "make": make, "photos": photos, "framings": framings}


def unlike(photo: Path, seed: int) -> Iterator[np.ndarray]:
    """A shot over `photo` framed as `view` draws it from `seed`: the negative set's."""
    picture = cv2.imread(str(photo))
    return framing(picture, view(picture.shape, seed))


def tree() -> Iterator[np.ndarray]:
    """tree.avi's first SHOT frames at SIZE (a hand-held camera over foliage)."""
    with av.open(str(OPENCV / "tree.avi")) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i >= SHOT:
                return
            yield cv2.resize(f.to_ndarray(format="rgb24"), SIZE, interpolation=cv2.INTER_AREA)


def films(photos: list[Path], aside: bool) -> dict[str, dict]:
    """Each film: its pattern of setups (one a shot; None: the negative set's, every shot its
    own), its pictures, and for real films the truth and B&W files and shots."""
    two, three = [0, 1] * 4, [0, 1, 2, 1, 0, 2, 1, 0, 2]
    halves = [(190.0, 290.0, 330.0), (578.0, 290.0, 330.0)]
    thirds = [(128.0, 288.0, 240.0), (384.0, 288.0, 240.0), (640.0, 288.0, 240.0)]
    if aside:
        return {
            "aside: street, 3 setups": {"pattern": three, "make": lambda: street(400, thirds, three, 7)},
            "aside: photo pans, 3 setups": pans(photos[12:15], three, 7),
        }
    return {
        "street, 2 setups": {"pattern": two, "make": lambda: street(0, halves, two, 1)},
        "photo pans, 2 setups": pans(photos[0:2], two, 2),
        "photo pans, 3 setups": pans(photos[2:5], three, 3),
        "photo pans, wide and close": pans(photos[5:7], two, 4, "wide, close"),
        "band": {
            "pattern": [0, 1, 0, 2, 3, 4, 5],
            "truth": ROOT / "samples" / "band-colour.mp4",
            "bw": ROOT / "samples" / "band.mp4",
            "starts": [0, 34, 69, 192, 251, 287, 352],
        },
        "negative: unlike pictures": {
            "pattern": None,
            "make": lambda: (p for k in range(8) for p in unlike(photos[k], 50 + k)),
        },
        "negative: pictures and the tree": {
            "pattern": None,
            "make": lambda: (p for k in range(6) for p in (tree() if k == 2 else unlike(photos[10 + k], 60 + k))),
            "shots": 6,
        },
    }


def chroma_psnr(truth: Path, candidate: Path) -> list[float]:
    """Per frame, PSNR of the candidate's Cb and Cr planes as written against the truth's."""
    with av.open(str(truth)) as a, av.open(str(candidate)) as b:
        return [psnr(planes(x), planes(y)) for x, y in zip(a.decode(video=0), b.decode(video=0), strict=True)]


def decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="yuv420p") for f in c.decode(video=0)]


def run(
    bw: Path, out: Path, keys: Path | None, weights: Path | None, no_setups: bool = False, lossless: bool = False
) -> tuple[RenderResult, float]:
    t = time.perf_counter()
    r = render(
        bw,
        out,
        RenderConfig(
            inference=InferenceConfig(weights=weights),
            guide=GuideConfig(keyframes=keys, no_setups=no_setups),
            encode=EncodeConfig(codec="ffv1") if lossless else EncodeConfig(),
            overwrite=True,
        ),
    )
    return r, time.perf_counter() - t


def stem_of(name: str) -> str:
    """A film's name as the start of its files' names in the work folder."""
    return "".join(c if c.isalnum() else "-" for c in name)


def prepared(name: str, film: dict, work: Path) -> tuple[Path, Path, list[int]]:
    """A film's truth and B&W files (made in `work` where they are not there) and its shots' first frames."""
    if "truth" in film:
        return film["truth"], film["bw"], film["starts"]
    stem = stem_of(name)
    truth, bw = work / f"{stem}.mp4", work / f"{stem}-bw.mp4"
    count = SHOT * (film.get("shots") or len(film["pattern"] or [0] * 8))
    if not truth.exists():
        write_film(truth, film["make"](), *SIZE, count, rate=RATE)
    if not bw.exists():
        degrade(truth, bw, DegradeConfig(clean=True))
    return truth, bw, list(range(0, count, SHOT))


def evaluate(name: str, film: dict, work: Path, weights: Path | None) -> dict:
    """One film's scores (see the module's doc)."""
    stem = stem_of(name)
    truth, bw, starts = prepared(name, film, work)
    pattern = film["pattern"]
    frames = len(decoded(truth))
    ends = [*starts[1:], frames]
    if pattern is None:  # the negative set: a keyframe on every other shot
        keys = work / f"{stem}-keys"
        keyframes(truth, starts[::2], keys)
        on, on_s = run(bw, work / f"{stem}-setups.mkv", keys, weights, lossless=True)
        off, off_s = run(bw, work / f"{stem}-plain.mkv", keys, weights, no_setups=True, lossless=True)
        run(bw, work / f"{stem}-plain-again.mkv", keys, weights, no_setups=True, lossless=True)
        on_frames, off_frames = decoded(work / f"{stem}-setups.mkv"), decoded(work / f"{stem}-plain.mkv")
        again = decoded(work / f"{stem}-plain-again.mkv")
        return {
            "negative": True,
            "shots": len(starts),
            "borrowed": on.borrowed_shots,
            "identical": all(np.array_equal(a, b) for a, b in zip(on_frames, off_frames, strict=True)),
            # beside the check that two renders with the same settings are identical
            "max_code_difference": int(
                max(np.abs(a.astype(int) - b.astype(int)).max() for a, b in zip(on_frames, off_frames, strict=True))
            ),
            "max_code_difference_run_to_run": int(
                max(np.abs(a.astype(int) - b.astype(int)).max() for a, b in zip(again, off_frames, strict=True))
            ),
            "seconds": {"setups": round(on_s, 1), "no setups": round(off_s, 1)},
        }
    firsts = {}
    for k, s in enumerate(pattern):
        firsts.setdefault(s, k)
    later = [k for k, s in enumerate(pattern) if firsts[s] != k and pattern.count(s) > 1]
    keys_first, keys_all = work / f"{stem}-keys-first", work / f"{stem}-keys-all"
    keyframes(truth, [starts[k] for k in sorted(firsts.values()) if pattern.count(pattern[k]) > 1] or [0], keys_first)
    keyframes(truth, starts, keys_all)
    outs = {c: work / f"{stem}-{c}.mp4" for c in ("setups", "automatic", "ceiling")}
    r, setups_s = run(bw, outs["setups"], keys_first, weights)
    auto_s = ceiling_s = None  # reused from an earlier run: neither depends on setups
    if not outs["automatic"].exists():
        auto_s = run(bw, outs["automatic"], None, weights)[1]
    if not outs["ceiling"].exists():
        ceiling_s = run(bw, outs["ceiling"], keys_all, weights)[1]
    scores = {c: chroma_psnr(truth, p) for c, p in outs.items()}
    scores["nothing"] = chroma_psnr(truth, bw)
    shots = []
    for k in later:
        a, b = starts[k], ends[k]
        shots.append(
            {
                "shot": k + 1,
                "frames": [a, b - 1],
                "setup": pattern[k],
                **{c: round(float(np.mean(v[a:b])), 2) for c, v in scores.items()},
            }
        )

    def shot_of(frame: int) -> int:  # 0-based
        return max(k for k in range(len(starts)) if starts[k] <= frame)

    return {
        "negative": False,
        "shots": len(starts),
        "later": shots,
        "borrowed": [[shot_of(a) + 1, src] for a, _, src in r.borrowed_shots],
        "wrong": [shot_of(a) + 1 for a, _, src in r.borrowed_shots if pattern[shot_of(a)] != pattern[shot_of(src)]],
        "seconds": {
            "setups": round(setups_s, 1),
            "automatic": auto_s and round(auto_s, 1),
            "ceiling": ceiling_s and round(ceiling_s, 1),
            "setups_prepare": round(r.guide_seconds.get("setups", 0.0), 2),
        },
    }


def strip(work: Path, out: Path) -> None:
    """band: the keyframe (the truth on shot 1's first frame), shot 3 in B&W, borrowed, automatic."""

    def frame(path: Path, index: int) -> np.ndarray:
        with av.open(str(path)) as c:
            for i, f in enumerate(c.decode(video=0)):
                if i == index:
                    return f.to_ndarray(format="bgr24")
        raise ValueError(index)

    late = 130  # in shot 3 (69-191), well after its cut
    row = [
        frame(ROOT / "samples" / "band-colour.mp4", 0),
        frame(ROOT / "samples" / "band.mp4", late),
        frame(work / "band-setups.mp4", late),
        frame(work / "band-automatic.mp4", late),
    ]
    labels = ["keyframe, shot 1", "shot 3, B&W", "shot 3, borrowed", "shot 3, automatic"]
    for img, label in zip(row, labels, strict=True):
        cv2.putText(img, label, (4, 136), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (255, 255, 255), 1, cv2.LINE_AA)
    cv2.imwrite(
        str(out),
        cv2.resize(np.hstack(row), None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC),
        [cv2.IMWRITE_JPEG_QUALITY, 85],
    )


def summary(results: dict) -> dict:
    later = [s for r in results.values() if not r["negative"] for s in r["later"]]
    if not later:
        return {}
    mean = {c: round(float(np.mean([s[c] for s in later])), 2) for c in ("setups", "automatic", "ceiling", "nothing")}
    return {
        "later_shots": len(later),
        "mean": mean,
        "below_ceiling_db": round(mean["ceiling"] - mean["setups"], 2),
        "above_automatic_db": round(mean["setups"] - mean["automatic"], 2),
        "below_automatic": [
            f"{name} shot {s['shot']} ({'borrowed' if s['shot'] in {b for b, _ in r['borrowed']} else 'not borrowed'})"
            for name, r in results.items()
            if not r["negative"]
            for s in r["later"]
            if s["setups"] < s["automatic"]
        ],
        "false_matches": sum(len(r["borrowed"]) for r in results.values() if r["negative"])
        + sum(len(r["wrong"]) for r in results.values() if not r["negative"]),
        "negative_identical": all(r["identical"] for r in results.values() if r["negative"]),
    }


def markdown(report: dict) -> str:
    lines = [
        "## Camera setups: a keyframe painted on one shot colours its setup's other shots",
        "",
        "Made by `pipelines/eval_setups.py` (its doc says how the films are made). Keyframes from the truth on the first shot of each setup only; each later shot of a setup scored by chroma PSNR (dB, the shot's mean) for the render with setups (the default), the automatic colour, the ceiling (a truth keyframe on the shot's own first frame) and carrying nothing (neutral chroma). "
        f"Pictures: {report['photos']}. Machine: {report['machine']}.",
        "",
    ]
    for title, key in (("Films", "results"), ("Kept aside (holdout), scored at the end", "aside")):
        results = report.get(key) or {}
        if not results:
            continue
        lines += [
            f"### {title}",
            "",
            "| film | shot | setups | automatic | ceiling | nothing |",
            "|---|---|---|---|---|---|",
        ]
        for name, r in results.items():
            if r["negative"]:
                continue
            for s in r["later"]:
                lines.append(
                    f"| {name} | {s['shot']} ({s['frames'][0]}-{s['frames'][1]}) | {s['setups']} | {s['automatic']} | {s['ceiling']} | {s['nothing']} |"
                )
        s = summary(results)
        if s:
            m = s["mean"]
            lines += [
                "",
                f"Mean over {s['later_shots']} later shots: setups {m['setups']}, automatic {m['automatic']}, ceiling {m['ceiling']}, nothing {m['nothing']} dB: "
                f"**{s['below_ceiling_db']} dB below the ceiling, {s['above_automatic_db']} dB above the automatic colour**; "
                f"shots below the automatic colour: {', '.join(s['below_automatic']) or 'none'}; false matches: {s['false_matches']}; "
                f"negative set's render identical to --no-setups: {s['negative_identical']}.",
                "",
            ]
        for name, r in results.items():
            verdict = (
                f"borrowed {r['borrowed'] or 'nothing'}"
                if r["negative"]
                else f"borrowed (shot, from frame) {r['borrowed']}, wrong {r['wrong'] or 'none'}"
            )
            extra = (
                f", identical to --no-setups: {r['identical']} (largest code difference {r.get('max_code_difference')}; "
                f"two --no-setups renders differ by up to {r.get('max_code_difference_run_to_run')}; all three written losslessly, FFV1)"
                if r["negative"]
                else ""
            )
            lines.append(f"- {name}: {r['shots']} shots, {verdict}{extra}; seconds {r['seconds']}")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path.home() / ".cache" / "filmcolor" / "corpus")
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--weights", type=Path, help="generator weights (default: the shipped ones)")
    ap.add_argument("--docs", type=Path, default=ROOT / "docs")
    ap.add_argument("--only", help="the films whose name contains one of these (comma-separated; docs are not written)")
    ap.add_argument(
        "--aside", action="store_true", help="the films kept aside, scored at the end (added to docs/setups.json)"
    )
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    photos, source = test_photos(args.corpus)
    results = {}
    for name, film in films(photos, args.aside).items():
        if args.only and not any(part in name for part in args.only.split(",")):
            continue
        stem = stem_of(name)
        cached = args.work / f"{stem}-result.json"
        if not cached.exists():
            cached.write_text(json.dumps(evaluate(name, film, args.work, args.weights)))
        results[name] = json.loads(cached.read_text())
        print(name, json.dumps(results[name]), flush=True)
    print(json.dumps(summary(results)), flush=True)
    if args.only:
        return
    saved = args.docs / "setups.json"
    report = json.loads(saved.read_text()) if args.aside and saved.exists() else {}
    report.update(
        {
            "machine": machine(),
            "photos": source,
            "aside" if args.aside else "results": results,
            ("aside_summary" if args.aside else "summary"): summary(results),
        }
    )
    saved.write_text(json.dumps(report, indent=1) + "\n")
    if not args.aside:
        strip(args.work, args.docs / "setups-strip.jpg")
    write_section(args.docs / "evaluation.md", "eval_setups", markdown(report))


if __name__ == "__main__":
    main()
