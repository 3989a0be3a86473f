"""Recipe for the shipped weights: `filmcolor train` on the training corpus, calibrated on its
validation split, the CycleGAN terms tried on it too.

    python pipelines/corpus.py                                   # once: the corpus and its splits
    python pipelines/train_weights.py --minutes 150              # a CPU afternoon
    python pipelines/train_weights.py --minutes 15 --device cuda # a GPU quarter-hour

1. Domain B is the corpus' train split; domain A, which only the CycleGAN terms use, is the
   same pictures' luma in random old-film looks (`filmcolor.degrade.random_look`).
2. The main run: the pairs alone (`--gan-weight 0 --cycle-weight 0`: MSE on the chroma, half
   the pairs' luma in an old-film look), from random weights, with a step count planned from
   `--minutes` and a short speed test (or `--steps`), constant for half of them, then linearly
   decaying learning rate. Run again, the recipe goes on from the run's checkpoint (`filmcolor
   train --resume`, exact); with `--steps`, to that many, its schedule rescaled to them.
3. With `--ablation-minutes M`: from the main run's weights, M minutes more of each variant
   (more pairs only, + adversarial, + cycle and identity; steps planned from a 3-step speed
   test of each), scored with the main run's weights on the validation split: the model
   card's table of what each term does. The best scoring is kept.
4. The chroma gain (`GeneratorConfig.gain`) that gives the best validation RGB PSNR, clean and
   in the old-film look together (raised toward 0.6 of the truth's colourfulness where that
   is quieter, while it still beats the gray input by 0.1 dB), is written into the weights;
   the validation figures into their meta and the model card's JSON (`--report`).

Validation never sees a training picture; the test split and the sample are not looked at.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

import cv2
import numpy as np
import torch
from common import CORPUS, machine

from filmcolor.assets import shipped_weights
from filmcolor.colour import PICTURE, picture_luma, rgb_to_ycbcr
from filmcolor.degrade import DegradeConfig, FilmDamage, degrade_frame, random_look, video_look
from filmcolor.devices import pick_device
from filmcolor.edgeaware import RADIUS
from filmcolor.inference import InferenceConfig, to_working, working_size
from filmcolor.metrics import colourfulness, flat_mask, fringe, psnr
from filmcolor.models import Generator, confidence, load_weights, save_weights, with_confidence
from filmcolor.pictures import list_pictures, read_rgb, resize_short_side
from filmcolor.stills import colour_picture
from filmcolor.training.data import Crops
from filmcolor.training.runs import CHECKPOINT, WEIGHTS
from filmcolor.training.train import ConfidenceFitConfig, TrainConfig, fit_confidence_head, train

FINETUNE_GAINS = (0.8, 1.0, 1.2, 1.4, 1.7)  # gains tried on top of the confidence table
GAINS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.6)  # chroma gains tried on the validation split
# the validation colourfulness (against the truth's) the gain may be raised to, while PSNR stays above gray
LEAST_COLOUR = 0.6
MAIN = dict(
    gan_weight=0.0,
    cycle_weight=0.0,
    paired_weight=1.0,
    film_look=0.5,
    init="random",
    batch_size=16,
    size=176,
    load_size=286,
    lr=5e-4,
)
# Issue 21: from the shipped weights, the confident head, camera video's defects and the edge loss.
FINETUNE = dict(gan_weight=0.0, cycle_weight=0.0, paired_weight=1.0, film_look=0.5, video_look=0.5, edge_weight=10.0,
                confidence_weight=0.02, batch_size=16, size=176, load_size=286, lr=1e-4)  # fmt: skip
VARIANTS = {  # what the CycleGAN terms add, tried from the main weights (the paired loss stays on)
    "+ more pairs only": dict(gan_weight=0.0, cycle_weight=0.0),
    "+ adversarial (0.05)": dict(gan_weight=0.05, cycle_weight=0.0),
    "+ cycle and identity (1)": dict(gan_weight=0.0, cycle_weight=1.0),
}


def domain_a(corpus: Path, folder: Path) -> Path:
    """The train split's luma in random old-film looks, as gray PNGs (CycleGAN's domain A)."""
    if folder.is_dir() and any(folder.iterdir()):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for path in list_pictures(corpus / "train"):
        luma = resize_short_side(picture_luma(read_rgb(path)), 286).astype(np.float32) / 255.0
        cv2.imwrite(str(folder / f"{path.stem}.png"), np.rint(random_look(luma, rng) * 255).astype(np.uint8))
    return folder


def validation(corpus: Path, short: int = 360, video: bool = False) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, truth R'G'B', luma the model is given) for every validation picture, clean and in
    `filmcolor degrade`'s default old-film look (fixed seed), at a film-like short side; with
    `video`, also with camera video's defects (`filmcolor.degrade.video_look`, fixed seed)."""
    out = []
    for i, path in enumerate(list_pictures(corpus / "val")):
        rgb = resize_short_side(read_rgb(path), short)
        luma = picture_luma(rgb)
        out.append((f"{path.stem} clean", rgb, luma))
        damage = FilmDamage(DegradeConfig(), *luma.shape)
        old = degrade_frame(PICTURE.luma_to_unit(luma), DegradeConfig(), damage, np.random.default_rng(i))
        out.append((f"{path.stem} old film", rgb, PICTURE.unit_to_luma(old)))
        if video:
            shaken = video_look(PICTURE.luma_to_unit(luma), np.random.default_rng(10_000 + i))
            out.append((f"{path.stem} camera video", rgb, PICTURE.unit_to_luma(shaken)))
    return out


def score(model: Generator, pictures: list, device: torch.device, edge_radius: int = RADIUS) -> dict[str, float]:
    """Mean RGB PSNR (dB) of the model's colour and of the gray input against the truth, the
    share of pictures where the colour is no worse than gray, colourfulness against the
    truth's: the ratio of the means, as `filmcolor eval` measures a film (a mean of each
    picture's ratio is led by the nearly gray pictures, and read 1.4x higher here), and the
    colour fringes against the truth's (`filmcolor.metrics.fringe`, ratio of the means)."""
    ours, gray, colour_sum, truth_sum, fringe_sum, truth_fringe = [], [], 0.0, 0.0, 0.0, 0.0
    for _, truth, luma in pictures:
        colour = colour_picture(luma, model, device, InferenceConfig(edge_radius=edge_radius))
        ours.append(psnr(truth, colour))
        gray.append(psnr(truth, np.repeat(luma[..., None], 3, axis=2)))
        colour_sum, truth_sum = colour_sum + colourfulness(colour), truth_sum + colourfulness(truth)
        flat = flat_mask(picture_luma(truth))
        if flat.any():
            fringe_sum, truth_fringe = fringe_sum + fringe(colour, flat), truth_fringe + fringe(truth, flat)
    ours, gray = np.array(ours), np.array(gray)
    return {
        "rgb_psnr_db": round(float(ours.mean()), 3),
        "gray_psnr_db": round(float(gray.mean()), 3),
        "no_worse_than_gray": round(float((ours >= gray - 0.05).mean()), 3),
        "colourfulness_ratio": round(colour_sum / max(truth_sum, 1e-6), 3),
        "fringe_ratio": round(fringe_sum / max(truth_fringe, 1e-9), 3),
    }


TIE = 0.02  # dB: a candidate must beat the shipped weights' validation PSNR by this much (less is a tie: the shipped weights stay)
CONFIDENCE_BINS = 10  # bins of equal pixel count the confidence table is fitted over
PIXEL_STRIDE = 3  # every 3rd pixel of each working-size picture in each direction goes into the fit


@torch.no_grad()
def confidence_samples(
    model: Generator, pictures: list, device: torch.device
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(confidence (N,), predicted chroma before the table (N, 2), true chroma (N, 2)) at the
    working size, the way the render sees each validation picture."""
    conf, pred, true = [], [], []
    for _, truth, luma in pictures:
        h, w = luma.shape
        size = working_size(w, h, InferenceConfig().model_size)
        work = torch.from_numpy(to_working(luma, PICTURE, size))[None, None].to(device)  # (1, 1, h', w')
        out = model(work, detail=True)[0].float().cpu().numpy()  # (3, h', w')
        small = cv2.resize(truth, size, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
        target = rgb_to_ycbcr(small, model.config.matrix)[..., 1:].transpose(2, 0, 1)  # (2, h', w')
        take = (slice(None), slice(None, None, PIXEL_STRIDE), slice(None, None, PIXEL_STRIDE))
        conf.append(
            confidence(torch.from_numpy(out[2:3][take])[None], torch.from_numpy(out[:2][take])[None]).numpy().ravel()
        )
        pred.append(out[:2][take].reshape(2, -1).T)
        true.append(target[take].reshape(2, -1).T)
    return np.concatenate(conf), np.concatenate(pred), np.concatenate(true)


def isotonic(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The non-decreasing sequence nearest `values` in weighted least squares (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for v, w in zip(values, weights, strict=True):
        blocks.append([float(v), float(w), 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            (m1, w1, n1), (m2, w2, n2) = blocks.pop(-2), blocks.pop(-1)
            blocks.append([(m1 * w1 + m2 * w2) / max(w1 + w2, 1e-12), w1 + w2, n1 + n2])
    return np.concatenate([[m] * n for m, _, n in blocks])


def fit_confidence(
    conf: np.ndarray, pred: np.ndarray, true: np.ndarray, bins: int = CONFIDENCE_BINS
) -> tuple[tuple, tuple, list[dict]]:
    """The confidence table: per bin of equal pixel count, the least-squares scale of the
    predicted chroma toward the truth, made non-decreasing in the confidence; its rows (range,
    realised chroma error before and after) for the model card."""
    edges = np.quantile(conf, np.linspace(0.0, 1.0, bins + 1))
    which = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, bins - 1)
    centres, scales, weights, rows = [], [], [], []
    for b in range(bins):
        m = which == b
        p, t = pred[m], true[m]
        power = float((p * p).sum())
        centres.append(float(conf[m].mean()))
        scales.append(float((p * t).sum()) / max(power, 1e-12))
        weights.append(power)
        # hue agreement
        cosine = (p * t).sum(1) / np.maximum(np.linalg.norm(p, axis=1) * np.linalg.norm(t, axis=1), 1e-9)
        rows.append({"confidence": [round(float(edges[b]), 4), round(float(edges[b + 1]), 4)], "pixels": int(m.sum()),
                     "rms_error": float(np.sqrt(((p - t) ** 2).sum(1).mean())), "rms_truth": float(np.sqrt((t * t).sum(1).mean())),
                     "rms_prediction": float(np.sqrt((p * p).sum(1).mean())), "relative_error": float(np.sqrt(((p - t) ** 2).sum() / max(power, 1e-12))),
                     "hue_agreement": float(np.median(cosine))})  # fmt: skip
    gains = np.clip(isotonic(np.array(scales), np.array(weights)), 0.0, 3.0)
    for row, scale, gain, b in zip(rows, scales, gains, range(bins), strict=True):
        m = which == b
        row.update(least_squares_scale=round(scale, 4), gain=round(float(gain), 4),
                   rms_error_after=float(np.sqrt(((gain * pred[m] - true[m]) ** 2).sum(1).mean())))  # fmt: skip
    for b in range(1, bins):  # bins of equal confidence (ties) merge: the table's confidences must increase
        if centres[b] <= centres[b - 1]:
            centres[b] = centres[b - 1] + 1e-6
    return tuple(round(c, 6) for c in centres), tuple(round(float(g), 4) for g in gains), rows


def psnr_at_colour(gains: dict[float, dict], colour: float) -> float | None:
    """The validation PSNR at `colour` (colourfulness against the truth's), linear between the
    gains tried; None outside their range. Two weights compared at equal colour: the more
    accurate colour is the better (a quieter one scores higher by being quieter)."""
    points = sorted((v["colourfulness_ratio"], v["rgb_psnr_db"]) for v in gains.values())
    for (c0, p0), (c1, p1) in zip(points, points[1:], strict=False):
        if c0 <= colour <= c1:
            return round(p0 + (p1 - p0) * (colour - c0) / max(c1 - c0, 1e-9), 3)
    return None


def calibrate_gain(
    model: Generator, pictures: list, device: torch.device, values: Sequence[float]
) -> tuple[dict[float, dict], float]:
    """Each gain of `values` scored on the validation pictures, and the one `pick_gain` takes,
    left set in `model`."""
    gains = {}
    for g in values:
        model.config = replace(model.config, gain=g)
        gains[g] = score(model, pictures, device)
        print(f"gain {g}: {gains[g]}", flush=True)
    gain = pick_gain(gains)
    model.config = replace(model.config, gain=gain)
    return gains, gain


def pick_gain(gains: dict[float, dict]) -> float:
    """The calibration rule: the gain with the best validation PSNR, raised toward LEAST_COLOUR of
    the truth's colourfulness where that is quieter, while it still beats the gray input by 0.1 dB."""
    gain = max(gains, key=lambda g: gains[g]["rgb_psnr_db"])
    if gains[gain]["colourfulness_ratio"] < LEAST_COLOUR:
        bolder = [
            g
            for g in gains
            if g > gain
            and gains[g]["colourfulness_ratio"] <= LEAST_COLOUR + 0.1
            and gains[g]["rgb_psnr_db"] > gains[g]["gray_psnr_db"] + 0.1
        ]
        gain = max(bolder, default=gain)
    return gain


def run_training(run: Path, config: TrainConfig) -> None:
    """Train `run` up to `config.steps`, going on from its checkpoint when there is one (and
    not at all when it got there before)."""
    resume = (run / CHECKPOINT).is_file()
    if resume and torch.load(run / CHECKPOINT, map_location="cpu", weights_only=True)["step"] >= config.steps:
        return
    given = {"steps", "constant_steps", "decay_steps", "device"} if resume else set()

    def show(step: int, total: int, info: str = "") -> None:
        if step % 100 == 0 or step == total:
            print(f"{run.name}: step {step}/{total} {info}", flush=True)

    train(run, config, resume=resume, given=given, overwrite=not resume, progress=show)


def finetune_start(work: Path) -> Path:
    """The shipped weights with the confident head (gain 1, the variance channel new): where
    the fine-tune starts. Written once, so a resumed fine-tune starts from the same file."""
    path = work / "init-confident.pt"
    if not path.exists():
        model, _ = load_weights(shipped_weights())
        save_weights(
            with_confidence(model), path, meta={"from": "the shipped weights (issue 15), confident head added"}
        )
    return path


def planned_steps(run: Path, config: TrainConfig, minutes: float, work: Path) -> int:
    """A run's length: the one it was started with, else what `minutes` buys at the speed a
    3-step test of `config` measures here (a step with discriminators costs 10-25x one without)."""
    if (run / CHECKPOINT).is_file():
        return torch.load(run / CHECKPOINT, map_location="cpu", weights_only=True)["config"]["steps"]
    result = train(work / "speed-test", replace(config, steps=3, save_every=10**9, preview_every=10**9), overwrite=True)
    per_step = result.seconds / result.steps_run
    print(f"{run.name}: {per_step:.2f} s a step", flush=True)
    return max(10, int(minutes * 60 / per_step))


def finetune(args: argparse.Namespace, folders: dict, device: torch.device, t0: float) -> None:
    """Issue 21: the shipped weights fine-tuned with the confident head, camera video's defects
    and the edge loss (`FINETUNE`), then calibrated on the validation split (`calibrate`)."""
    run = args.work / "finetune"
    base = TrainConfig(**folders, init=str(finetune_start(args.work)), save_every=250, preview_every=1000, **FINETUNE)
    steps = (
        args.finetune_steps
        if args.finetune_steps is not None
        else planned_steps(run, base, args.finetune_minutes, args.work)
    )
    config = replace(base, steps=max(steps, 1), constant_steps=steps // 2, decay_steps=steps - steps // 2)
    if steps:
        print(f"fine-tune: {steps} steps", flush=True)
        run_training(run, config)
    if args.train_only:
        return
    # --finetune-steps 0: the confidence alone
    fitted = args.work / (f"finetune-{steps}-confident.pt" if steps else "shipped-confident.pt")
    if not fitted.exists():
        model, _ = load_weights(run / WEIGHTS if steps else finetune_start(args.work))
        crops = Crops(
            list_pictures(args.corpus / "train"),
            crop=config.size,
            short=config.load_size,
            film_look=config.film_look,
            video_look=config.video_look,
        )
        save_weights(
            fit_confidence_head(model, crops),
            fitted,
            meta={"training": f"fine-tune, {steps} steps; variance channel fitted alone"},
        )
    pictures = validation(args.corpus, video=True)
    report: dict = {
        "finetune": {"steps": steps, "config": FINETUNE, "init": "the shipped weights of issue 15"},
        "validation_pictures": len(pictures),
    }
    report["confidence_fit"] = asdict(ConfidenceFitConfig())
    shipped, _ = load_weights(args.before)
    shipped = shipped.to(device).eval()
    scores = {
        "shipped weights, no filter": score(shipped, pictures, device, edge_radius=0),
        "shipped weights": score(shipped, pictures, device),
    }
    for name, value in scores.items():
        print(name, value, flush=True)
    model, _ = load_weights(fitted)
    model = model.to(device).eval()
    model.config = replace(model.config, gain=1.0, confidence_edges=(), confidence_gains=())
    scores["fine-tuned, no table"] = score(model, pictures, device)
    print("fine-tuned, no table", scores["fine-tuned, no table"], flush=True)
    edges, table, rows = fit_confidence(*confidence_samples(model, pictures, device))
    report["confidence_table"] = rows
    print("confidence table", json.dumps(rows), flush=True)
    model.config = replace(model.config, confidence_edges=edges, confidence_gains=table)
    gains, gain = calibrate_gain(model, pictures, device, FINETUNE_GAINS)
    scores["fine-tuned, calibrated"] = gains[gain]
    new, old = gains[gain], scores["shipped weights"]
    # the fine-tune's PSNR with as much colour as the shipped weights give
    matched = psnr_at_colour(gains, old["colourfulness_ratio"])
    better = (
        matched is not None
        and matched >= old["rgb_psnr_db"] + TIE
        and new["fringe_ratio"] <= old["fringe_ratio"]
        and 0.4 <= new["colourfulness_ratio"] <= 1.5
    )
    report.update(
        scores=scores,
        gains={str(k): v for k, v in gains.items()},
        gain=gain,
        validation=new,
        psnr_at_shipped_colour=matched,
        shipped=better,
    )
    print(
        f"fine-tuned, gain {gain}: {new}; at the shipped weights' colourfulness {matched} dB; shipped before: {old}; better: {better}",
        flush=True,
    )
    if args.report:
        args.report.write_text(json.dumps(report, indent=1) + "\n")
    meta = {
        "recipe": "pipelines/train_weights.py --finetune-minutes M",
        "training": (
            f"the shipped weights (issue 15) fine-tuned {steps} steps: confident head, film and camera-video looks, edge loss"
            if steps
            else "the shipped weights (issue 15) unchanged, with the confident head's variance channel fitted alone"
        ),
        "data": "the corpus' train split (docs/corpus.md)",
        "gain": gain,
        "validation": new,
        "seconds": round(time.perf_counter() - t0),
        "hardware": machine(device.type.upper()),
    }
    out = args.output if better else fitted.with_name(fitted.stem + "-calibrated.pt")
    save_weights(model.cpu(), out, meta=meta)
    print(f"{out}: written ({'better on validation: shipped' if better else 'not better on validation: kept aside'})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--corpus",
        type=Path,
        default=CORPUS,
        help="pipelines/corpus.py's work folder",
    )
    ap.add_argument(
        "--work", type=Path, default=Path.home() / ".cache" / "filmcolor" / "train", help="runs and domain A"
    )
    ap.add_argument("--minutes", type=float, default=150.0, help="time for the main run (planned once, when it starts)")
    ap.add_argument(
        "--steps",
        type=int,
        help="the main run's length instead (a run started earlier is shortened or lengthened, its schedule with it)",
    )
    ap.add_argument(
        "--finetune-minutes",
        type=float,
        default=0.0,
        help="issue 21: fine-tune the shipped weights for this long instead of the main run (0: no)",
    )
    ap.add_argument(
        "--finetune-steps",
        type=int,
        help="the fine-tune's length instead (0: none, the shipped weights given the confidence alone)",
    )
    ap.add_argument(
        "--before",
        type=Path,
        default=shipped_weights(),
        help="the weights shipped before, to compare with (a copy: --output may replace them)",
    )
    ap.add_argument("--train-only", action="store_true", help="stop after training (calibrate in a later run)")
    ap.add_argument("--ablation-minutes", type=float, default=0.0, help="time for each CycleGAN variant (0: none)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("-o", "--output", type=Path, default=shipped_weights())
    ap.add_argument("--report", type=Path, help="JSON of the validation figures (for the model card)")
    args = ap.parse_args()
    if not (args.corpus / "val").is_dir():
        sys.exit(f"no corpus in {args.corpus}: run pipelines/corpus.py first")
    args.work.mkdir(parents=True, exist_ok=True)
    device = pick_device(args.device)
    t0 = time.perf_counter()
    folders = dict(
        domain_a=str(domain_a(args.corpus, args.work / "domain-a")),
        domain_b=str(args.corpus / "train"),
        device=args.device,
    )
    if args.finetune_minutes or args.finetune_steps is not None:
        finetune(args, folders, device, t0)
        return
    base = TrainConfig(**folders, save_every=500, preview_every=1000, **MAIN)
    main_run = args.work / "main"
    steps = args.steps or planned_steps(main_run, base, args.minutes, args.work)
    config = replace(base, steps=steps, constant_steps=steps // 2, decay_steps=steps - steps // 2)
    print(f"main run: {steps} steps", flush=True)
    run_training(main_run, config)
    pictures = validation(args.corpus)
    report: dict = {
        "main": {"steps": steps, "config": {k: v for k, v in MAIN.items()}},
        "validation_pictures": len(pictures),
    }

    candidates = {"main run (pairs only)": main_run / WEIGHTS}
    if args.ablation_minutes > 0:
        for name, terms in VARIANTS.items():
            run = args.work / name.replace(" ", "-").replace("+", "plus").replace("(", "").replace(")", "")
            variant = replace(config, **terms, init=str(main_run / WEIGHTS), constant_steps=0, lr=config.lr / 5)
            n = planned_steps(run, variant, args.ablation_minutes, args.work)
            variant = replace(variant, steps=n, decay_steps=n)
            run_training(run, variant)
            candidates[name] = run / WEIGHTS
    scores = {}
    for name, path in candidates.items():
        model, _ = load_weights(path)
        scores[name] = score(model.to(device).eval(), pictures, device)
        print(name, scores[name], flush=True)
    report["terms"] = scores
    best = max(candidates, key=lambda k: scores[k]["rgb_psnr_db"])
    model, _ = load_weights(candidates[best])
    model = model.to(device).eval()
    gains, gain = calibrate_gain(model, pictures, device, GAINS)
    report.update(chosen=best, gains={str(k): v for k, v in gains.items()}, gain=gain, validation=gains[gain])
    meta = {
        "recipe": "pipelines/train_weights.py",
        "training": f"filmcolor train, {best}: paired MSE on the chroma, film look on half the pairs, {steps} steps",
        "data": "the corpus' train split (docs/corpus.md)",
        "gain": gain,
        "validation": gains[gain],
        "seconds": round(time.perf_counter() - t0),
        "hardware": machine(device.type.upper()),
    }
    save_weights(model.cpu(), args.output, meta=meta)
    if args.report:
        args.report.write_text(json.dumps(report, indent=1) + "\n")
    print(f"{args.output}: {best}, gain {gain}, validation {gains[gain]}, {meta['seconds']} s")


if __name__ == "__main__":
    main()
