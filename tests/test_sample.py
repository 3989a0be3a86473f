"""The quickstart's promise, on the shipped sample and the shipped weights."""

from pathlib import Path

import av
import numpy as np
import pytest
from testfilms import packets, video_frames

from filmcolor.cli import main
from filmcolor.metrics import colourfulness, psnr

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "band.mp4"


@pytest.mark.slow
def test_sample_renders_in_colour_with_every_frame_and_its_sound(tmp_path):
    out = tmp_path / "band-color.mp4"
    try:
        main(["render", str(SAMPLE), "-o", str(out)])
    except SystemExit as exc:  # click's standalone_mode=False returns; only errors exit
        raise AssertionError(f"render exited with {exc.code}") from exc
    source, rendered = video_frames(SAMPLE), video_frames(out)
    assert len(rendered) == len(source) == 360
    assert [t for t, _ in rendered] == [t for t, _ in source]
    assert packets(out) == packets(SAMPLE)
    assert min(psnr(a, b) for (_, a), (_, b) in zip(source, rendered, strict=False)) >= 40.0
    with av.open(str(out)) as c:
        colour = np.mean([colourfulness(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)])
    assert colour > 8.0
