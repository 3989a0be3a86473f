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
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import torch

from filmcolor.assets import shipped_weights
from filmcolor.color import PICTURE, picture_luma
from filmcolor.degrade import DegradeConfig, FilmDamage, degrade_frame, random_look
from filmcolor.devices import pick_device
from filmcolor.inference import InferenceConfig
from filmcolor.metrics import colourfulness, psnr
from filmcolor.models import Generator, load_weights, save_weights
from filmcolor.pictures import list_pictures, read_rgb, resize_short_side
from filmcolor.runs import CHECKPOINT, WEIGHTS
from filmcolor.stills import colour_picture
from filmcolor.train import TrainConfig, train

GAINS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.6)  # chroma gains tried on the validation split
LEAST_COLOUR = 0.6  # the validation colourfulness (against the truth's) the gain may be raised to, while PSNR stays above gray
MAIN = dict(gan_weight=0.0, cycle_weight=0.0, paired_weight=1.0, film_look=0.5, init="random", batch_size=16, size=176, load_size=286, lr=5e-4)
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


def validation(corpus: Path, short: int = 360) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, truth R'G'B', luma the model is given) for every validation picture, clean and in
    `filmcolor degrade`'s default old-film look (fixed seed), at a film-like short side."""
    out = []
    for i, path in enumerate(list_pictures(corpus / "val")):
        rgb = resize_short_side(read_rgb(path), short)
        luma = picture_luma(rgb)
        out.append((f"{path.stem} clean", rgb, luma))
        damage = FilmDamage(DegradeConfig(), *luma.shape)
        old = degrade_frame(PICTURE.luma_to_unit(luma), DegradeConfig(), damage, np.random.default_rng(i))
        out.append((f"{path.stem} old film", rgb, PICTURE.unit_to_luma(old)))
    return out


def score(model: Generator, pictures: list, device: torch.device) -> dict[str, float]:
    """Mean RGB PSNR (dB) of the model's colour and of the gray input against the truth, the
    share of pictures where the colour is no worse than gray, and colourfulness against the
    truth's: the ratio of the means, as `filmcolor eval` measures a film (a mean of each
    picture's ratio is led by the nearly gray pictures, and read 1.4x higher here)."""
    ours, gray, colour_sum, truth_sum = [], [], 0.0, 0.0
    for _, truth, luma in pictures:
        colour = colour_picture(luma, model, device, InferenceConfig())
        ours.append(psnr(truth, colour))
        gray.append(psnr(truth, np.repeat(luma[..., None], 3, axis=2)))
        colour_sum, truth_sum = colour_sum + colourfulness(colour), truth_sum + colourfulness(truth)
    ours, gray = np.array(ours), np.array(gray)
    return {
        "rgb_psnr_db": round(float(ours.mean()), 3),
        "gray_psnr_db": round(float(gray.mean()), 3),
        "no_worse_than_gray": round(float((ours >= gray - 0.05).mean()), 3),
        "colourfulness_ratio": round(colour_sum / max(truth_sum, 1e-6), 3),
    }


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


def planned_steps(run: Path, config: TrainConfig, minutes: float, work: Path) -> int:
    """A run's length: the one it was started with, else what `minutes` buys at the speed a
    3-step test of `config` measures here (a step with discriminators costs 10-25x one without)."""
    if (run / CHECKPOINT).is_file():
        return torch.load(run / CHECKPOINT, map_location="cpu", weights_only=True)["config"]["steps"]
    result = train(work / "speed-test", replace(config, steps=3, save_every=10**9, preview_every=10**9), overwrite=True)
    per_step = result.seconds / result.steps_run
    print(f"{run.name}: {per_step:.2f} s a step", flush=True)
    return max(10, int(minutes * 60 / per_step))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path.home() / ".cache" / "filmcolor" / "corpus", help="pipelines/corpus.py's work folder")
    ap.add_argument("--work", type=Path, default=Path.home() / ".cache" / "filmcolor" / "train", help="runs and domain A")
    ap.add_argument("--minutes", type=float, default=150.0, help="time for the main run (planned once, when it starts)")
    ap.add_argument("--steps", type=int, help="the main run's length instead (a run started earlier is shortened or lengthened, its schedule with it)")
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
    base = TrainConfig(domain_a=str(domain_a(args.corpus, args.work / "domain-a")), domain_b=str(args.corpus / "train"), device=args.device, save_every=500, preview_every=1000, **MAIN)
    main_run = args.work / "main"
    steps = args.steps or planned_steps(main_run, base, args.minutes, args.work)
    config = replace(base, steps=steps, constant_steps=steps // 2, decay_steps=steps - steps // 2)
    print(f"main run: {steps} steps", flush=True)
    run_training(main_run, config)
    pictures = validation(args.corpus)
    report: dict = {"main": {"steps": steps, "config": {k: v for k, v in MAIN.items()}}, "validation_pictures": len(pictures)}

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
    gains = {}
    for g in GAINS:
        model.config = replace(model.config, gain=g)
        gains[g] = score(model, pictures, device)
        print(f"gain {g}: {gains[g]}", flush=True)
    gain = max(gains, key=lambda g: gains[g]["rgb_psnr_db"])  # calibrated: the colour's expected error least
    if gains[gain]["colourfulness_ratio"] < LEAST_COLOUR:  # the least error can be too quiet: more colour while it still beats gray
        bolder = [g for g in GAINS if g > gain and gains[g]["colourfulness_ratio"] <= LEAST_COLOUR + 0.1 and gains[g]["rgb_psnr_db"] > gains[g]["gray_psnr_db"] + 0.1]
        gain = max(bolder, default=gain)
    model.config = replace(model.config, gain=gain)
    report.update(chosen=best, gains={str(k): v for k, v in gains.items()}, gain=gain, validation=gains[gain])
    meta = {
        "recipe": "pipelines/train_weights.py",
        "training": f"filmcolor train, {best}: paired MSE on the chroma, film look on half the pairs, {steps} steps",
        "data": "the corpus' train split (docs/corpus.md)",
        "gain": gain,
        "validation": gains[gain],
        "seconds": round(time.perf_counter() - t0),
        "hardware": f"{platform.machine()}, {torch.get_num_threads()} threads, {device.type.upper()}",
    }
    save_weights(model.cpu(), args.output, meta=meta)
    if args.report:
        args.report.write_text(json.dumps(report, indent=1) + "\n")
    print(f"{args.output}: {best}, gain {gain}, validation {gains[gain]}, {meta['seconds']} s")


if __name__ == "__main__":
    main()
