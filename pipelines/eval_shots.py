"""Recipe for the shot-finding table: filmcolor's shot finder beside PySceneDetect's five
detectors on the shot set (pipelines/shot_set.py), scored per subset.

    python pipelines/shot_set.py /work/shotdata/set
    python pipelines/eval_shots.py /work/shotdata/set --part tune -o docs/shots.json
    python pipelines/eval_shots.py /work/shotdata/set --part all --only filmcolor   # after a change to filmcolor/guidance/shots.py

Detectors:
- filmcolor's `shots.find_shots(path)` (cuts, and fades and dissolves as transitions), where
  it exists;
- filmcolor 0.1 (today): each frame's luma at the working size (short side 256) against the
  previous one's by 0.1's `temporal.cut_score` (1 - the correlation of 32x32 thumbnails), a
  cut above 0.3, as 0.1's `shots.find_cuts` did it; kept here, test and loop, so the row stays
  the old finder while filmcolor's changes (it reads a film with lost frames, tree.avi, where
  find_cuts stopped);
- PySceneDetect's ContentDetector, AdaptiveDetector, ThresholdDetector, HistogramDetector and
  HashDetector, at their defaults and at the value of their main threshold with the best F1 on
  the whole tune part (the same value then on holdout). Each film is decoded once (PyAV, BGR,
  shrunk as SceneManager's auto-downscale does) and fed frame by frame to each detector's
  `process_frame`; their cuts are cached in SET/eval-cache/, so `--only filmcolor` reruns only
  filmcolor's rows.

Scoring, per film, summed per subset: a hard cut is found by a detected cut within 1 frame of
it; a transition (a fade or dissolve, all its frames) by one detected cut or reported
transition in [first - 1, last + 1] (a cut find_shots reports inside one of its transitions is
that transition's start); every other detection is a false cut, one at a flash, a pass-by or
a splice jump (or on the frame after, where the scene comes back) too, counted apart as "at
events". Precision, recall and F1 count hard cuts and transitions together; for find_shots,
how many transitions it reported as exactly one transition. A detector that fails on a film
is scored as finding nothing there, and the table says so.

Writes the numbers (-o, JSON: every score, every film's detections, misses and false cuts, the
threshold sweeps) and SET/table.md (markdown tables, also printed).
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from fractions import Fraction
from multiprocessing import Pool
from pathlib import Path

import av
import cv2
import numpy as np
import scenedetect
from scenedetect import FrameTimecode, detectors
from scenedetect.scene_manager import compute_downscale_factor
from shot_set import SUBSETS as MADE_SUBSETS

from filmcolor import media
from filmcolor.inference import to_working, working_size
from filmcolor.temporal import luma8

SUBSETS = (*MADE_SUBSETS, "real")
MOTION = ("pans", "zoom-shake", "pass-by", "damage")  # no false cut is allowed on these
TODAY = "filmcolor 0.1 (today)"
OURS = "filmcolor find_shots"
TODAY_SHORT_SIDE, TODAY_THRESHOLD = 256, 0.3  # 0.1's InferenceConfig working size and SmoothConfig.scene_threshold
TODAY_THUMB = 32  # 0.1's CUT_THUMB
# Each PySceneDetect detector's main threshold and the values swept on the tune part (its
# default among them).
SWEEPS: dict[str, tuple[str, tuple[float, ...]]] = {
    "ContentDetector": ("threshold", (8, 12, 16, 20, 24, 27, 30, 35, 40, 50)),
    "AdaptiveDetector": ("adaptive_threshold", (1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 8.0, 10.0)),
    "ThresholdDetector": ("threshold", (4, 8, 12, 16, 24, 32, 48, 64)),
    "HistogramDetector": ("threshold", (0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)),
    "HashDetector": ("threshold", (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)),
}

Found = tuple[list[int], list[tuple[int, int]]]  # a detector's cuts and reported transitions


def default(name: str) -> float:
    """The default of a PySceneDetect detector's main threshold, as its constructor has it."""
    param = SWEEPS[name][0]
    return inspect.signature(getattr(detectors, name)).parameters[param].default


def config_key(name: str, value: float) -> str:
    return f"{name}({SWEEPS[name][0]}={value:g})"


# ---------------------------------------------------------------- scoring


@dataclass
class Score:
    """Counts summed over films."""

    films: int = 0
    cuts: int = 0  # hard cuts in the truth
    cuts_found: int = 0
    transitions: int = 0  # fades and dissolves in the truth
    transitions_found: int = 0
    transitions_as_one: int = 0  # reported as exactly one transition (find_shots only)
    false_cuts: int = 0
    false_at_events: int = 0  # of them at a flash, a pass-by or a splice jump

    def __add__(self, other: Score) -> Score:
        return Score(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def precision(self) -> float:
        found = self.cuts_found + self.transitions_found
        return found / (found + self.false_cuts) if found + self.false_cuts else 1.0

    @property
    def recall(self) -> float:
        total = self.cuts + self.transitions
        return (self.cuts_found + self.transitions_found) / total if total else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "precision": self.precision, "recall": self.recall, "f1": self.f1}


def score_film(truth: dict, found: Found) -> tuple[Score, dict]:
    """Match one film's detections to its truth: first each hard cut takes the nearest unused
    detection lying within 1 frame of it, then each transition one detection overlapping it
    or the frame on either side (a reported transition rather than a cut); the rest are false. A
    cut inside a reported transition is that transition's start, not a detection of its own.
    Returns the score and the frames missed and false."""
    cuts, reported = found
    own = [c for c in cuts if c > 0 and not any(a <= c <= b for a, b in reported)]  # not a transition's own start
    spans = sorted([(c, c, False) for c in own] + [(a, b, True) for a, b in reported])
    used = [False] * len(spans)
    missed_cuts, missed_transitions, not_one = [], [], []
    for c in truth["cuts"]:
        near = [i for i, (a, b, _) in enumerate(spans) if not used[i] and c - 1 <= a and b <= c + 1]
        if near:
            used[min(near, key=lambda i: abs(spans[i][0] + spans[i][1] - 2 * c))] = True
        else:
            missed_cuts.append(c)
    for t in truth["transitions"]:
        over = [i for i, (a, b, _) in enumerate(spans) if not used[i] and a <= t["last"] + 1 and b >= t["first"] - 1]
        if over:
            used[next((i for i in over if spans[i][2]), over[0])] = True
        else:
            missed_transitions.append([t["first"], t["last"]])
        if not (len(over) == 1 and spans[over[0]][2]):
            not_one.append([t["first"], t["last"]])
    false = [spans[i][:2] for i in range(len(spans)) if not used[i]]
    events = truth["events"]
    # the events at each false cut, the frame after an event's end too (where the scene comes back)
    at = [[e["kind"] for e in events if a <= e["last"] + 1 and b >= e["first"]] for a, b in false]
    score = Score(
        films=1,
        cuts=len(truth["cuts"]),
        cuts_found=len(truth["cuts"]) - len(missed_cuts),
        transitions=len(truth["transitions"]),
        transitions_found=len(truth["transitions"]) - len(missed_transitions),
        transitions_as_one=len(truth["transitions"]) - len(not_one),
        false_cuts=len(false),
        false_at_events=sum(bool(kinds) for kinds in at),
    )
    at_events = {kind: sum(kind in kinds for kinds in at) for kind in sorted({e["kind"] for e in events})}
    detail = {
        "cuts": cuts,
        "transitions": [list(t) for t in reported],
        "missed_cuts": missed_cuts,
        "missed_transitions": missed_transitions,
        "not_one_transition": not_one,  # not reported as exactly one transition
        "false_cuts": [a if a == b else [a, b] for a, b in false],
        "false_at_events": at_events,
    }
    return score, detail


# ---------------------------------------------------------------- detectors


def cut_score(prev_luma: np.ndarray, cur_luma: np.ndarray) -> float:
    """filmcolor 0.1's cut test (`temporal.cut_score`): 1 - the correlation of the two frames'
    32x32 luma thumbnails; a flat frame scores 0."""
    size = (TODAY_THUMB, TODAY_THUMB)
    a = cv2.resize(prev_luma.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    b = cv2.resize(cur_luma.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    a, b = a - a.mean(), b - b.mean()
    norm = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return 0.0 if norm < 1e-8 else 1.0 - float((a * b).sum()) / norm


def today_cuts(path: Path) -> Found:
    """filmcolor 0.1's shot finder (`shots.find_cuts` at the render's size and threshold)."""
    with media.open_film(path) as container:
        info = media.film_info(container)
        size = working_size(info.width, info.height, TODAY_SHORT_SIDE)
        prev, cuts = None, []
        for item in media.read(container, damaged="skip", notes=[]):
            y8 = luma8(to_working(item.luma(), info.code_range, size))
            if prev is not None and cut_score(prev, y8) > TODAY_THRESHOLD:
                cuts.append(item.index)
            prev = y8
    return cuts, []


def find_shots() -> Callable[[Path], Found] | None:
    """filmcolor's own shot finder, where shots.py has it yet."""
    try:
        from filmcolor.guidance.shots import find_shots as find
    except ImportError:
        return None

    def run(path: Path) -> Found:
        shots = find(path, damaged="skip")  # tree.avi has lost frames: read it as the render would with --damaged skip
        return list(shots.cuts), [(t.first, t.last) if hasattr(t, "first") else (t[0], t[1]) for t in shots.transitions]

    return run


def decode_bgr(path: Path, gray: bool) -> tuple[list[np.ndarray], Fraction]:
    """Every frame of the film as BGR, shrunk as PySceneDetect's SceneManager does by default
    (auto-downscale to about 256 px wide, bilinear), and the frame rate. `gray`: each frame
    as the black-and-white film a filmcolor user has (its luma in all three channels)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = Fraction(stream.average_rate or 24)
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(stream)]
    if gray:
        frames = [cv2.cvtColor(cv2.cvtColor(f, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR) for f in frames]
    h, w = frames[0].shape[:2]
    factor = compute_downscale_factor(max(w, h))
    if factor > 1:
        size = (max(1, round(w / factor)), max(1, round(h / factor)))
        frames = [cv2.resize(f, size, interpolation=cv2.INTER_LINEAR) for f in frames]
    return frames, rate


def run_scenedetect(path: Path, configs: list[tuple[str, float]], gray: bool) -> dict[str, list[int]]:
    """Each (detector, threshold)'s cuts on the film, decoded once: frames where a scene starts,
    the first frame left out."""
    frames, rate = decode_bgr(path, gray)
    out = {}
    for name, value in configs:
        detector = getattr(detectors, name)(**{SWEEPS[name][0]: value})
        cuts = []
        for i, frame in enumerate(frames):
            cuts += detector.process_frame(FrameTimecode(i, fps=rate), frame)
        cuts += detector.post_process(FrameTimecode(len(frames) - 1, fps=rate))
        out[config_key(name, value)] = sorted({c.frame_num for c in cuts} - {0})
    return out


def _run_one(job: tuple[Path, list[tuple[str, float]], bool]) -> dict[str, list[int]]:
    return run_scenedetect(*job)


class ScenedetectCache:
    """PySceneDetect's cuts per film (by its sha256) and configuration, in SET/eval-cache/."""

    def __init__(self, set_dir: Path, gray: bool) -> None:
        self.gray = gray
        kind = "-gray" if gray else ""
        self.file = set_dir / "eval-cache" / f"scenedetect-{scenedetect.__version__}{kind}.json"
        self.runs: dict[str, dict[str, list[int]]] = json.loads(self.file.read_text()) if self.file.exists() else {}

    @staticmethod
    def film_id(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    def get(self, path: Path, configs: list[tuple[str, float]]) -> dict[str, list[int]]:
        """The cached cuts of each configuration on the film."""
        have = self.runs.get(self.film_id(path), {})
        missing = [c for c in configs if config_key(*c) not in have]
        if missing:
            raise SystemExit(f"{path.name}: no PySceneDetect cuts cached for {missing[0]}; run without --only first")
        return {config_key(*c): have[config_key(*c)] for c in configs}

    def fill(self, jobs: list[tuple[Path, list[tuple[str, float]]]]) -> None:
        """Run what is not cached yet, a process per CPU, and save."""
        todo = []
        for path, configs in jobs:
            have = self.runs.get(self.film_id(path), {})
            missing = [c for c in configs if config_key(*c) not in have]
            if missing:
                todo.append((path, missing, self.gray))
        if not todo:
            return
        with Pool(os.cpu_count()) as pool:
            for (path, _, _), cuts in zip(todo, pool.imap(_run_one, todo), strict=True):
                self.runs.setdefault(self.film_id(path), {}).update(cuts)
                print(f"PySceneDetect: {path.name}", flush=True)
        self.file.parent.mkdir(exist_ok=True)
        self.file.write_text(json.dumps(self.runs))


# ---------------------------------------------------------------- the evaluation


def load_truths(set_dir: Path) -> list[dict]:
    """Every film's truth in the set (the JSON files that name a film)."""
    truths = [json.loads(p.read_text()) for p in sorted(set_dir.glob("*.json"))]
    return [t for t in truths if "film" in t and "subset" in t]


def summed(details: dict[str, tuple[Score, dict]], truths: list[dict]) -> dict[str, Score]:
    """Scores per subset, of all films (`all`) and of the motion and damage subsets (`motion`)."""
    by: dict[str, Score] = {}
    for t in truths:
        score = details[t["film"]][0]
        for key in (t["subset"], "all", *(["motion"] if t["subset"] in MOTION else [])):
            by[key] = by.get(key, Score()) + score
    return by


def sweep(truths: list[dict], cached: dict[str, dict[str, list[int]]]) -> dict[str, dict]:
    """Each PySceneDetect detector's F1 over the tune films at every swept value, and the best
    value (the default where it ties)."""
    out = {}
    for name, (param, values) in SWEEPS.items():
        f1 = {}
        for value in values:
            total = Score()
            for t in truths:
                total += score_film(t, (cached[t["film"]][config_key(name, value)], []))[0]
            f1[value] = total.f1
        best = max(values, key=lambda v: (f1[v], v == default(name)))
        out[name] = {"parameter": param, "default": default(name), "best": best, "tune_f1": f1}
    return out


def evaluate(set_dir: Path, parts: list[str], only_filmcolor: bool, gray: bool) -> dict:
    """Every detector on the films of `parts`; PySceneDetect's thresholds chosen on tune, and
    run on the films as they are or (`gray`) as black-and-white films."""
    truths = load_truths(set_dir)
    films = {t["film"]: set_dir / t["film"] for t in truths}
    tune = [t for t in truths if t["part"] == "tune"]
    chosen = [t for t in truths if t["part"] in parts]
    for name in SWEEPS:
        assert default(name) in SWEEPS[name][1], f"{name}'s default is not swept"
    cache = ScenedetectCache(set_dir, gray)
    every = [(name, v) for name, (_, values) in SWEEPS.items() for v in values]
    if not only_filmcolor:
        cache.fill([(films[t["film"]], every) for t in tune])
    tune_cuts = {t["film"]: cache.get(films[t["film"]], every) for t in tune}
    thresholds = sweep(tune, tune_cuts)
    configs = sorted({(n, v) for n, th in thresholds.items() for v in (th["default"], th["best"])})
    if not only_filmcolor:
        cache.fill([(films[t["film"]], configs) for t in chosen])
    cached = {t["film"]: cache.get(films[t["film"]], configs) for t in chosen}

    rows: dict[str, Callable[[dict], Found]] = {}
    ours = find_shots()
    if ours:
        rows[OURS] = lambda t: ours(films[t["film"]])
    rows[TODAY] = lambda t: today_cuts(films[t["film"]])
    for name, th in thresholds.items():
        same = th["best"] == th["default"]
        for label, value in [("default = tuned" if same else "default", th["default"])] + [("tuned", th["best"])] * (
            not same
        ):
            key = config_key(name, value)
            rows[f"{name}, {label} ({th['parameter']}={value:g})"] = lambda t, key=key: (cached[t["film"]][key], [])

    results: dict[str, dict] = {}
    for part in parts:
        truths_of = [t for t in chosen if t["part"] == part]
        results[part] = {}
        for row, detect in rows.items():
            details, errors = {}, {}
            for t in truths_of:
                try:
                    found = detect(t)
                except Exception as exc:  # a detector that fails on a film finds nothing there, and says why
                    found, errors[t["film"]] = ([], []), f"{type(exc).__name__}: {exc}"
                details[t["film"]] = score_film(t, found)
            results[part][row] = {
                "scores": {k: s.as_dict() for k, s in summed(details, truths_of).items()},
                # what filmcolor's rows missed and found wrongly, film by film (PySceneDetect's: scores only)
                "films": {film: d for film, (s, d) in details.items() if row in (OURS, TODAY) and not _clean(s)},
                "errors": errors,
            }
        print(f"{part}: scored", flush=True)
    return {
        "set": str(set_dir),
        "scenedetect": scenedetect.__version__,
        "scenedetect_input": "black-and-white (luma in every channel)" if gray else "the films as made (colour)",
        "films": {part: len([t for t in chosen if t["part"] == part]) for part in parts},
        "thresholds": thresholds,
        "results": results,
    }


def _clean(score: Score) -> bool:
    """Whether a film's detections are all right."""
    return (score.cuts_found, score.transitions_found, score.false_cuts) == (score.cuts, score.transitions, 0)


# ---------------------------------------------------------------- tables


def counts(s: dict, found: str, total: str) -> str:
    return f"{s[found]}/{s[total]}" if s[total] else "–"


def tables(report: dict) -> str:
    """Markdown: the thresholds, and per part an F1 summary and a table per subset."""
    lines = [
        "PySceneDetect's thresholds: its default, and the value with the best F1 over the whole tune part.",
        "",
        "| detector | parameter | default | tune F1 | tuned | tune F1 |",
        "|---|---|---|---|---|---|",
    ]
    for name, th in report["thresholds"].items():
        f1 = {float(k): v for k, v in th["tune_f1"].items()}
        lines.append(
            f"| {name} | {th['parameter']} | {th['default']:g} | {f1[th['default']]:.3f} | {th['best']:g} | {f1[th['best']]:.3f} |"
        )
    for part, rows in report["results"].items():
        present = [s for s in SUBSETS if any(s in r["scores"] for r in rows.values())]
        lines += [
            "",
            f"**{part}** ({report['films'][part]} films): F1 per subset; false cuts on pans, zoom-shake, pass-by and damage together.",
            "",
            "| detector | " + " | ".join(present) + " | all | false cuts (motion, damage) |",
            "|---|" + "---|" * (len(present) + 2),
        ]
        for row, r in rows.items():
            s = r["scores"]
            motion = s.get("motion", {}).get("false_cuts", 0)
            row = row + "".join(f" (failed on {film}: scored as finding nothing)" for film in r["errors"])
            lines.append(
                f"| {row} | "
                + " | ".join(f"{s[k]['f1']:.3f}" for k in present)
                + f" | {s['all']['f1']:.3f} | {motion} |"
            )
        for subset in present:
            lines += [
                "",
                f"{part}, {subset} ({next(iter(rows.values()))['scores'][subset]['films']} films):",
                "",
                "| detector | hard cuts found | transitions found | as one transition | false cuts | at events | precision | recall | F1 |",
                "|---|---|---|---|---|---|---|---|---|",
            ]
            for row, r in rows.items():
                s = r["scores"][subset]
                one = counts(s, "transitions_as_one", "transitions") if row == OURS else "–"
                lines.append(
                    f"| {row} | {counts(s, 'cuts_found', 'cuts')} | {counts(s, 'transitions_found', 'transitions')} | {one} "
                    f"| {s['false_cuts']} | {s['false_at_events']} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} |"
                )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("set", type=Path, help="the shot set's folder (pipelines/shot_set.py)")
    parser.add_argument("--part", choices=["tune", "holdout", "all"], default="tune")
    parser.add_argument(
        "--only", choices=["filmcolor"], help="rerun only filmcolor's rows; PySceneDetect's from the cache"
    )
    parser.add_argument(
        "--gray",
        action="store_true",
        help="feed PySceneDetect each film as black and white, as filmcolor's users have it",
    )
    parser.add_argument("-o", "--output", type=Path, default=None, help="the numbers as JSON (default: SET/shots.json)")
    args = parser.parse_args()
    parts = ["tune", "holdout"] if args.part == "all" else [args.part]
    report = evaluate(args.set, parts, args.only == "filmcolor", args.gray)
    output = args.output or args.set / ("shots-gray.json" if args.gray else "shots.json")
    output.write_text(json.dumps(report, indent=1) + "\n")
    table = tables(report)
    (args.set / ("table-gray.md" if args.gray else "table.md")).write_text(table)
    print(table)


if __name__ == "__main__":
    main()
