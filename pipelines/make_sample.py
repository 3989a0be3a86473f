"""Recipe for samples/: a B&W excerpt of iscc-samples' demo film with its own sound, and the
colour original of the same excerpt as ground truth.

    pip install -e ".[pipelines]" && python pipelines/make_sample.py

Both films come from one decode of the source through filmcolor's own media layer, so they
have the same frames, timestamps and audio packets (copied, not re-encoded). The B&W film
is the source's luma plane as it is, with neutral chroma.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import av
import numpy as np
from source import SAMPLE_DURATION, SAMPLE_START, source_film

from filmcolor import media
from filmcolor.media.encoding import EncodeConfig
from filmcolor.media.writer import FilmWriter
from filmcolor.outputs import atomic_output, check_output

NAME = "band"  # the excerpt: a band playing, several shots with hard cuts


def source_chroma(container: av.container.InputContainer, start: float, end: float):
    """(Cb, Cr) planes of each decoded frame in [start, end), in order, as the media layer sees them."""
    video = container.streams.video[0]
    container.seek(int(start / video.time_base), stream=video, backward=True)
    for frame in container.decode(video):
        t = float(frame.pts * video.time_base)
        if start - 1e-9 <= t < end - 1e-9:
            planes = frame.reformat(format="yuv420p").planes[1:]
            yield np.stack([np.frombuffer(p, np.uint8).reshape(p.height, -1)[:, : p.width] for p in planes])


def write_excerpt(output: Path, colour: bool, overwrite: bool) -> int:
    """Write the excerpt, in colour or B&W; returns its frame count."""
    check_output(output, overwrite)
    src = source_film()
    frames = 0
    with media.open_film(src) as container, media.open_film(src) as chroma_source, atomic_output(output) as tmp:
        info = media.film_info(container)
        chroma = source_chroma(chroma_source, SAMPLE_START, SAMPLE_START + SAMPLE_DURATION)
        with FilmWriter(tmp, container, info, EncodeConfig(pix_fmt="yuv420p")) as writer:
            neutral = np.full((2, writer.chroma_size[1], writer.chroma_size[0]), 128, np.uint8)  # (2, h/2, w/2)
            start, end = (
                media.seconds_to_pts(t, info.time_base) for t in (SAMPLE_START, SAMPLE_START + SAMPLE_DURATION)
            )
            for item in media.read_with_packets(container, start, end, rebase=True):
                if isinstance(item, media.Decoded):
                    writer.write(item.luma(), next(chroma) if colour else neutral, item.pts)
                    frames += 1
                else:
                    writer.copy_packet(item)
    return frames


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "samples")
    ap.add_argument("--overwrite", action="store_true")
    args = ap.parse_args()
    for colour, suffix in ((False, ""), (True, "-colour")):
        path = args.out / f"{NAME}{suffix}.mp4"
        n = write_excerpt(path, colour, args.overwrite)
        print(f"{path}: {n} frames, {path.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
