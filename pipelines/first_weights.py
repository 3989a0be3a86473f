"""Recipe for the first shipped weights: a supervised chroma fit on colour pictures.

Training set: the Debian photographs listed in source.py, plus frames of the sample's
source film taken only from outside the excerpt that samples/ holds (so the sample is
never trained on). Each crop's own chroma is the target for its luma.

    python pipelines/first_weights.py --work /tmp/fc-data --steps 1800 -o weights/filmcolor.pt
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import av
import cv2
import torch
from common import machine
from source import SAMPLE_DURATION, SAMPLE_START, fetch_photos, source_film

from filmcolor.models import Generator, GeneratorConfig, save_weights
from filmcolor.pictures import list_pictures
from filmcolor.training.data import Crops
from filmcolor.training.train import FitConfig, fit_supervised


def film_frames(dest: Path, every: int = 6) -> list[Path]:
    """Every `every`-th frame of the source film outside the sample's excerpt, skipping black frames."""
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    with av.open(str(source_film())) as container:
        stream = container.streams.video[0]
        for i, frame in enumerate(container.decode(stream)):
            t = float(frame.pts * stream.time_base)
            if i % every or SAMPLE_START - 1.0 <= t < SAMPLE_START + SAMPLE_DURATION + 1.0:
                continue
            bgr = frame.to_ndarray(format="bgr24")
            if bgr.mean() < 12:
                continue
            out.append(dest / f"frame{i:05d}.png")
            cv2.imwrite(str(out[-1]), bgr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True, help="folder for downloaded training data")
    ap.add_argument("--steps", type=int, default=1800)
    ap.add_argument("-o", "--output", type=Path, default=Path("weights/filmcolor.pt"))
    args = ap.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))

    photos = (
        list_pictures(args.work / "photos") if (args.work / "photos").is_dir() else fetch_photos(args.work / "photos")
    )
    frames = film_frames(args.work / "frames")
    print(f"{len(photos)} photographs, {len(frames)} film frames")
    # Photographs are few but varied; weight them like the frames by repeating them.
    paths = photos * max(1, len(frames) // max(1, len(photos))) + frames
    data = Crops(paths, crop=176, short=256)
    config = FitConfig(steps=args.steps)
    model = Generator(GeneratorConfig())
    log = open(args.output.with_suffix(".log.jsonl"), "w")

    def on_step(step: int, loss: float, seconds: float) -> None:
        log.write(json.dumps({"step": step, "loss": loss, "seconds": round(seconds, 2)}) + "\n")
        if step % 50 == 0:
            log.flush()
            print(f"step {step}/{config.steps} loss {loss:.4f} {seconds:.0f}s", flush=True)

    t0 = time.time()
    fit_supervised(model, data, config, on_step)
    meta = {
        "recipe": "pipelines/first_weights.py",
        "training": "supervised chroma fit (smooth L1)",
        "steps": config.steps,
        "batch_size": config.batch_size,
        "crop": 176,
        "seconds": round(time.time() - t0),
        "hardware": machine(),
        "data": f"{len(photos)} Debian photographs + {len(frames)} frames of iscc-samples demo.mp4 outside {SAMPLE_START}-{SAMPLE_START + SAMPLE_DURATION} s",
    }
    save_weights(model, args.output, meta)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
