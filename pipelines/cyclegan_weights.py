"""Recipe for the shipped weights: CycleGAN fine-tuning of the first (supervised) weights.

    pip install -e ".[pipelines]"
    python pipelines/first_weights.py --work /tmp/fc-data -o /tmp/fc-data/first.pt
    python pipelines/cyclegan_weights.py --work /tmp/fc-data --init /tmp/fc-data/first.pt -o weights/filmcolor.pt

Domain A: the B&W frames of iscc-samples' demo film (`filmcolor extract`, one every 0.25 s).
Domain B: the colour set in samples/colour plus the first weights' colour frames of the same
film, whole (letterbox bars kept, so the paired loss keeps them neutral). Frames from 27 s to
44 s are removed from both, so the sample (28-43 s) stays held out for the figures.
Shipped: a blend of the first and the CycleGAN weights, its share chosen on a validation film
of other photographs (source.VALIDATION_PHOTOS), so the sample is never used to choose.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import tempfile
import time
from pathlib import Path

from common import machine
from first_weights import film_frames
from pan_films import pan_film
from source import SAMPLE_DURATION, SAMPLE_START, VALIDATION_PHOTOS, fetch_photos, source_film

from filmcolor.assets import shipped_colour_set
from filmcolor.degrade import DegradeConfig, degrade
from filmcolor.evaluate import evaluate
from filmcolor.extract import ExtractConfig, extract
from filmcolor.inference import InferenceConfig
from filmcolor.models import Generator, load_weights, save_weights
from filmcolor.render import RenderConfig, render
from filmcolor.training import runs
from filmcolor.training.train import TrainConfig, train

HELD_OUT = (SAMPLE_START - 1.0, SAMPLE_START + SAMPLE_DURATION + 1.0)  # seconds of the source never trained on


def film_domain(folder: Path) -> int:
    """Extract the source film's B&W frames into `folder`, then delete the held-out ones; how many are left."""
    if not folder.exists():
        extract(source_film(), folder, ExtractConfig(every=0.25))
    manifest = json.loads((folder / "manifest.json").read_text())
    for frame in manifest["frames"]:
        if HELD_OUT[0] <= frame["time"] < HELD_OUT[1]:
            (folder / frame["file"]).unlink(missing_ok=True)
    return sum(1 for _ in folder.glob("frame-*.png"))


BLENDS = (0.0, 0.25, 0.5, 0.75, 1.0)  # shares of the CycleGAN weights tried; 0 is the first weights


def blend(first: Generator, tuned: Generator, alpha: float) -> Generator:
    """Weight-space interpolation, (1 - alpha) first + alpha tuned (WiSE-FT, Wortsman et al. 2022):
    fine-tuning from the first weights keeps the two in one basin, so blends between them work,
    trading the adversarial loss's bolder colour against the supervised fit's accuracy."""
    out = copy.deepcopy(first)
    tuned_state = tuned.state_dict()
    out.load_state_dict(
        {
            k: (1 - alpha) * v + alpha * tuned_state[k] if v.is_floating_point() else v
            for k, v in first.state_dict().items()
        }
    )
    return out


def choose_blend(first: Generator, tuned: Generator, work: Path) -> tuple[float, dict[str, dict[str, float]]]:
    """The blend to ship, picked on a validation film (pans over VALIDATION_PHOTOS, clean luma),
    never on the sample: the best RGB PSNR among the blends more colourful than the first
    weights (0 when none is); returns it and every blend's figures."""
    colour, bw = work / "validation.mp4", work / "validation-bw.mp4"
    if not colour.exists():
        pan_film(fetch_photos(work / "validation-photos", VALIDATION_PHOTOS), colour, shot_frames=24)
    if not bw.exists():
        degrade(colour, bw, DegradeConfig(clean=True))
    scores = {}
    with tempfile.TemporaryDirectory() as tmp:
        for alpha in BLENDS:
            weights, out = Path(tmp) / f"{alpha}.pt", Path(tmp) / f"{alpha}.mp4"
            save_weights(blend(first, tuned, alpha), weights)
            render(bw, out, RenderConfig(inference=InferenceConfig(weights=weights)))
            r = evaluate(colour, out)
            scores[f"{alpha:g}"] = {"rgb_psnr_db": round(r.psnr, 3), "colourfulness": round(r.colourfulness, 2)}
            print(f"blend {alpha:g}: {scores[f'{alpha:g}']}", flush=True)
    base = scores["0"]
    better = [a for a in BLENDS if scores[f"{a:g}"]["colourfulness"] > base["colourfulness"]]
    return max(better, key=lambda a: scores[f"{a:g}"]["rgb_psnr_db"], default=0.0), scores


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True, help="folder for the domains and the run")
    ap.add_argument("--init", type=Path, required=True, help="the first weights (pipelines/first_weights.py)")
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument(
        "--lr",
        type=float,
        default=3e-5,
        help="fine-tuning: a tenth of the paper's rate keeps the first weights' accuracy",
    )
    ap.add_argument(
        "--size",
        type=int,
        default=128,
        help="crop side; pictures are loaded at the render's scale (short side 286) first",
    )
    ap.add_argument("--paired-weight", type=float, default=30.0)
    ap.add_argument(
        "--gan-weight", type=float, default=0.1, help="adversarial weight: low, so the pairs keep the hues right"
    )
    ap.add_argument("-o", "--output", type=Path, default=Path("weights/filmcolor.pt"))
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    n_a = film_domain(args.work / "domain-a")
    film_b = film_frames(args.work / "frames")
    n_film_b = len(film_b)
    domain_b = args.work / "domain-b"
    shutil.rmtree(domain_b, ignore_errors=True)
    domain_b.mkdir()
    for p in [*shipped_colour_set().iterdir(), *film_b]:
        shutil.copy(p, domain_b / f"{p.parent.name}-{p.name}")
    n_photos = len(list(shipped_colour_set().iterdir()))
    print(f"domain A: {n_a} B&W frames; domain B: {n_photos} photographs + {n_film_b} colour frames", flush=True)

    half = args.steps // 2
    config = TrainConfig(
        domain_a=str(args.work / "domain-a"),
        domain_b=str(domain_b),
        steps=args.steps,
        batch_size=4,
        size=args.size,
        lr=args.lr,
        constant_steps=half,
        decay_steps=args.steps - half,
        paired_weight=args.paired_weight,
        gan_weight=args.gan_weight,
        init=str(args.init),
        save_every=50,
        preview_every=100,
    )
    run = args.work / "run"
    resume = (run / "checkpoint.pt").exists()
    t0 = time.time()

    def show(step: int, total: int, losses: dict[str, float]) -> None:
        if step % 25 == 0:
            print(
                f"step {step}/{total} "
                + " ".join(f"{k} {v:.3f}" for k, v in losses.items())
                + f" {time.time() - t0:.0f}s",
                flush=True,
            )

    if not resume or runs.load_checkpoint(run)["step"] < args.steps:
        train(run, config, resume=resume, given={"steps"} if resume else set(), progress=show)
    seconds = time.time() - t0
    first_model, first = load_weights(args.init)
    tuned, _ = load_weights(run / "weights.pt")
    alpha, scores = choose_blend(first_model, tuned, args.work)
    model = blend(first_model, tuned, alpha)
    meta = {
        "recipe": "pipelines/cyclegan_weights.py",
        "training": f"CycleGAN (LSGAN, cycle 10, identity 0.5, paired chroma {args.paired_weight:g}, adversarial {args.gan_weight:g}, pools of 50) from the first weights",
        "steps": args.steps,
        "lr": args.lr,
        "batch_size": 4,
        "crop": args.size,
        "seconds": round(seconds),
        "blend": f"{alpha:g} of the CycleGAN weights, {1 - alpha:g} of the first (chosen on the validation film)",
        "validation": scores,
        "hardware": machine(),
        "data": f"domain A: {n_a} B&W frames, domain B: {n_photos} photographs + {n_film_b} colour frames of iscc-samples demo.mp4, outside {HELD_OUT[0]}-{HELD_OUT[1]} s",
        "init": first,
    }
    save_weights(model, args.output, meta)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
