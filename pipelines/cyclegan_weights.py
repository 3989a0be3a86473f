"""Recipe for the shipped weights: CycleGAN fine-tuning of the first (supervised) weights.

    pip install -e ".[pipelines]"
    python pipelines/first_weights.py --work /tmp/fc-data -o /tmp/fc-data/first.pt
    python pipelines/cyclegan_weights.py --work /tmp/fc-data --init /tmp/fc-data/first.pt -o weights/filmcolor.pt

Domain A: the B&W frames of iscc-samples' demo film (`filmcolor extract`, one every 0.25 s).
Domain B: the colour set in samples/colour plus the same film's colour frames. Frames from
27 s to 44 s are removed from both, so the sample (28-43 s) stays held out for the figures.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import time
from pathlib import Path

import torch

from filmcolor.data import DEFAULT_DOMAIN_B
from filmcolor.extract import ExtractConfig, extract
from filmcolor.models import load_weights, save_weights
from filmcolor.train import TrainConfig, train
from source import SAMPLE_DURATION, SAMPLE_START, source_film

HELD_OUT = (SAMPLE_START - 1.0, SAMPLE_START + SAMPLE_DURATION + 1.0)  # seconds of the source never trained on


def film_domain(folder: Path, keep_color: bool) -> int:
    """Extract the source film's frames into `folder`, then delete the held-out ones; how many are left."""
    if not folder.exists():
        extract(source_film(), folder, ExtractConfig(every=0.25, keep_color=keep_color))
    manifest = json.loads((folder / "manifest.json").read_text())
    for frame in manifest["frames"]:
        if HELD_OUT[0] <= frame["time"] < HELD_OUT[1]:
            (folder / frame["file"]).unlink(missing_ok=True)
    return sum(1 for _ in folder.glob("frame-*.png"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True, help="folder for the domains and the run")
    ap.add_argument("--init", type=Path, required=True, help="the first weights (pipelines/first_weights.py)")
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--lr", type=float, default=3e-5, help="fine-tuning: a tenth of the paper's rate keeps the first weights' accuracy")
    ap.add_argument("--size", type=int, default=128, help="crop side; pictures are loaded at the render's scale (short side 286) first")
    ap.add_argument("--paired-weight", type=float, default=30.0)
    ap.add_argument("-o", "--output", type=Path, default=Path("weights/filmcolor.pt"))
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    n_a = film_domain(args.work / "domain-a", keep_color=False)
    film_b = args.work / "film-colour"
    n_film_b = film_domain(film_b, keep_color=True)
    domain_b = args.work / "domain-b"
    shutil.rmtree(domain_b, ignore_errors=True)
    domain_b.mkdir()
    for p in [*DEFAULT_DOMAIN_B.iterdir(), *film_b.glob("frame-*.png")]:
        shutil.copy(p, domain_b / f"{p.parent.name}-{p.name}")
    n_photos = len(list(DEFAULT_DOMAIN_B.iterdir()))
    print(f"domain A: {n_a} B&W frames; domain B: {n_photos} photographs + {n_film_b} colour frames", flush=True)

    half = args.steps // 2
    config = TrainConfig(
        domain_a=str(args.work / "domain-a"), domain_b=str(domain_b), steps=args.steps, batch_size=4, size=args.size, lr=args.lr,
        constant_steps=half, decay_steps=args.steps - half, paired_weight=args.paired_weight, init=str(args.init), save_every=50, preview_every=100,
    )
    run = args.work / "run"
    resume = (run / "checkpoint.pt").exists()
    t0 = time.time()

    def show(step: int, total: int, losses: dict[str, float]) -> None:
        if step % 25 == 0:
            print(f"step {step}/{total} " + " ".join(f"{k} {v:.3f}" for k, v in losses.items()) + f" {time.time() - t0:.0f}s", flush=True)

    train(run, config, resume=resume, given={"steps"} if resume else set(), progress=show)
    model, _ = load_weights(run / "weights.pt")
    first = load_weights(args.init)[1]
    meta = {
        "recipe": "pipelines/cyclegan_weights.py",
        "training": f"CycleGAN (LSGAN, cycle 10, identity 0.5, paired chroma {args.paired_weight:g}, pools of 50) from the first weights",
        "steps": args.steps,
        "lr": args.lr,
        "batch_size": 4,
        "crop": args.size,
        "seconds": round(time.time() - t0),
        "hardware": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, CPU",
        "data": f"domain A: {n_a} B&W frames, domain B: {n_photos} photographs + {n_film_b} colour frames of iscc-samples demo.mp4, outside {HELD_OUT[0]}-{HELD_OUT[1]} s",
        "init": first,
    }
    save_weights(model, args.output, meta)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
