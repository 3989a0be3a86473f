"""Recipe for the bound on borrowed colour in the camera setups' photo pans: how well any
borrowing could score, given what the painted frame shows.

    python pipelines/setups_bound.py --work /tmp/fc-setups            # the films of eval_setups.py
    python pipelines/setups_bound.py --work /tmp/fc-setups --aside    # its holdout, at the end

A later shot of a setup is framed anew (`eval_setups.view`: another centre, another zoom, or wide
and close in turn: `eval_setups.wide_or_close`), so
part of it was never in the painted keyframe's frame. The issue asks that such pixels keep the
base colour, never a guessed one. The bound is that rule followed perfectly: every pixel the
keyframe's frame showed (known from the framings) takes the ceiling's colour (a keyframe from the
truth on the shot's own first frame, carried: the best the render does with right colour), every
other one the automatic render's. It is scored (chroma PSNR, the shot's mean, as eval_setups.py scores) beside
the render with setups and the ceiling, with the share of the shot that the
keyframe showed. (What the painted shot's own pan brings into view after its keyframe is not
known either: there the render, too, has only the automatic colour.)

Uses eval_setups.py's films and renders in `--work` (made where missing, the same names).
Writes docs/setups-bound.json and its section of docs/evaluation.md.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np
from common import ROOT, write_section
from eval_keyframes import keyframes, test_photos
from eval_setups import SHOT, SIZE, chroma_psnr, decoded, films, prepared, run, stem_of

from filmcolor.metrics import psnr


def shown(painted: tuple[float, np.ndarray], shot: tuple[float, np.ndarray]) -> np.ndarray:
    """(H/2, W/2) bool, on the chroma planes: the pixels of a frame framed `shot` ((zoom, (2,)
    centre in the photo's px)) that a frame framed `painted` shows too."""
    w, h = SIZE[0] // 2, SIZE[1] // 2
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64) * 2 + 0.5  # chroma sample centres in the view's px
    (zp, cp), (z, c) = painted, shot
    px, py = (xs - SIZE[0] / 2) / z + c[0], (ys - SIZE[1] / 2) / z + c[1]  # in the photo's px
    vx, vy = zp * (px - cp[0]) + SIZE[0] / 2, zp * (py - cp[1]) + SIZE[1] / 2  # in the painted view's px
    return (vx >= 0) & (vx <= SIZE[0] - 1) & (vy >= 0) & (vy <= SIZE[1] - 1)


def planes420(frame: np.ndarray) -> np.ndarray:
    """(2, H/2, W/2) Cb and Cr of a decoded yuv420p (3H/2, W) array."""
    h, w = SIZE[1], SIZE[0]
    return np.stack([frame[h : h + h // 4].reshape(h // 2, w // 2), frame[h + h // 4 :].reshape(h // 2, w // 2)])


def bound(name: str, film: dict, work: Path, weights: Path | None) -> list[dict]:
    """Each later shot of photo-pans film `name`: its share shown by the painted keyframe's frame,
    and the render with setups, the bound and the ceiling (the module's doc), rendered in `work`
    where missing."""
    stem = stem_of(name)
    truth, bw, starts = prepared(name, film, work)
    pattern = film["pattern"]
    firsts: dict[int, int] = {}
    for k, s in enumerate(pattern):
        firsts.setdefault(s, k)
    keys = {"setups": work / f"{stem}-keys-first", "ceiling": work / f"{stem}-keys-all", "automatic": None}
    if not keys["setups"].exists():
        keyframes(truth, [starts[k] for k in sorted(firsts.values())], keys["setups"])
    if not keys["ceiling"].exists():
        keyframes(truth, starts, keys["ceiling"])
    outs = {c: work / f"{stem}-{c}.mp4" for c in keys}
    for c, p in outs.items():
        if not p.exists():
            run(bw, p, keys[c], weights)
    setups, ceiling = chroma_psnr(truth, outs["setups"]), chroma_psnr(truth, outs["ceiling"])
    truth_planes = [planes420(f) for f in decoded(truth)]
    auto_planes = [planes420(f) for f in decoded(outs["automatic"])]
    ceiling_planes = [planes420(f) for f in decoded(outs["ceiling"])]
    pictures = [cv2.imread(str(p)) for p in film["photos"]]
    views = film["framings"]([p.shape for p in pictures])
    rows = []
    for k, s in enumerate(pattern):
        p = firsts[s]
        if p == k:
            continue
        (zp, cp, _), (z, c, step) = views[p], views[k]
        cover, at_key = [], []
        for i in range(SHOT):
            f = starts[k] + i
            here = (z, c + i * step)
            key = shown((zp, cp), here)
            cover.append(key.mean())
            best = np.where(key[None], ceiling_planes[f], auto_planes[f])  # the rule followed perfectly
            at_key.append(psnr(truth_planes[f], best))
        a, b = starts[k], starts[k] + SHOT
        rows.append(
            {
                "shot": k + 1,
                "frames": [a, b - 1],
                "zoom_over_painted": round(z / zp, 2),
                "shown": round(float(np.mean(cover)), 3),
                "setups": round(float(np.mean(setups[a:b])), 2),
                "bound": round(float(np.mean(at_key)), 2),
                "ceiling": round(float(np.mean(ceiling[a:b])), 2),
            }
        )
        print(name, rows[-1], flush=True)
    return rows


def markdown(report: dict) -> str:
    lines = [
        "### The bound on borrowed colour (photo pans"
        + (", kept aside: scored at the end)" if report["aside"] else ")"),
        "",
        "`pipelines/setups_bound.py`: each later shot of the photo pans with every pixel the painted keyframe's frame showed in the ceiling's colour (the truth carried from the shot's own first frame) and every other one in the automatic render's: the issue's rule (what the painted frame never showed keeps the base colour) followed perfectly. *shown*: the share of the shot the keyframe's frame showed. Chroma PSNR, dB; the ceiling rendered again here, as eval_setups.py renders it (x264 varies a little from run to run).",
        "",
        "| film | shot | zoom over the painted shot's | shown | setups | bound | ceiling |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, rows in report["films"].items():
        for r in rows:
            lines.append(
                f"| {name} | {r['shot']} | {r['zoom_over_painted']} | {r['shown']:.0%} | {r['setups']} | {r['bound']} "
                f"| {r['ceiling']} |"
            )
    m = report["mean"]
    lines += [
        "",
        f"Mean over {m['shots']} later shots: setups {m['setups']}, bound {m['bound']}, "
        f"ceiling {m['ceiling']} dB: the bound is **{m['ceiling_over_bound']} dB below the "
        f"ceiling** (the issue asks for 1.5); the render with setups scores {-m['bound_over_setups']:+.2f} dB against the "
        "bound. The shortfall is what the painted frame never showed, which the rule leaves to the automatic colour.",
    ]
    if "whole" in report:
        w = report["whole"]
        lines += [
            "",
            f"Over the {w['shots']} later shot{'s' if w['shots'] != 1 else ''} the painted keyframe's frame showed whole (99% or more), the render "
            f"with setups scores {w['setups']} dB against the ceiling's {w['ceiling']}: **{w['below_ceiling']} dB below "
            "it**.",
        ]
    if "all_later" in report:
        a = report["all_later"]
        lines += [
            "",
            f"Over all {a['shots']} later shots of the table above, with these at their bound and the other films' "
            f"shots at their own ceiling, the mean would be {a['best']} dB against the ceiling's {a['ceiling']}: "
            f"**{a['below_ceiling']} dB below it** at best.",
        ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True, help="eval_setups.py's work folder (films, renders)")
    ap.add_argument("--corpus", type=Path, default=Path.home() / ".cache" / "filmcolor" / "corpus")
    ap.add_argument("--weights", type=Path)
    ap.add_argument("--aside", action="store_true", help="the holdout's photo pans (score it only at the end)")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    photos, _ = test_photos(args.corpus)
    scored = json.loads((ROOT / "docs" / "setups.json").read_text())
    ceilings = scored.get("aside" if args.aside else "results") or {}
    report: dict = {"aside": args.aside, "films": {}}
    for name, film in films(photos, args.aside).items():
        if "photos" not in film:
            continue
        report["films"][name] = bound(name, film, args.work, args.weights)
    rows = [r for rs in report["films"].values() for r in rs]
    mean = {c: round(float(np.mean([r[c] for r in rows])), 2) for c in ("setups", "bound", "ceiling")}
    mean.update(
        shots=len(rows),
        ceiling_over_bound=round(mean["ceiling"] - mean["bound"], 2),
        bound_over_setups=round(mean["bound"] - mean["setups"], 2),
    )
    report["mean"] = mean
    whole = [r for r in rows if r["shown"] >= 0.99]
    if whole:
        report["whole"] = {
            "shots": len(whole),
            "setups": round(float(np.mean([r["setups"] for r in whole])), 2),
            "ceiling": round(float(np.mean([r["ceiling"] for r in whole])), 2),
            "below_ceiling": round(float(np.mean([r["ceiling"] - r["setups"] for r in whole])), 2),
        }
    bounded = {(n, r["shot"]): r["bound"] for n, rs in report["films"].items() for r in rs}
    every = [(n, s) for n, r in ceilings.items() if not r["negative"] for s in r["later"]]
    if every:
        best = [bounded.get((n, s["shot"]), s["ceiling"]) for n, s in every]
        ceiling_mean = float(np.mean([s["ceiling"] for _, s in every]))
        report["all_later"] = {
            "shots": len(every),
            "best": round(float(np.mean(best)), 2),
            "ceiling": round(ceiling_mean, 2),
            "below_ceiling": round(ceiling_mean - float(np.mean(best)), 2),
        }
    name = "setups-bound-aside" if args.aside else "setups-bound"
    (ROOT / "docs" / f"{name}.json").write_text(json.dumps(report, indent=1) + "\n")
    write_section(ROOT / "docs" / "evaluation.md", name.replace("-", "_"), markdown(report))
    print(json.dumps(mean))


if __name__ == "__main__":
    main()
