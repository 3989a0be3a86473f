"""Segments as Ray tasks (`filmcolor.cluster`): the same film as a single process renders."""

import numpy as np
import pytest
from configs import render_config
from testfilms import make_film, packets, video_frames

from filmcolor.metrics import psnr
from filmcolor.render import render
from filmcolor.segments import work_folder

pytestmark = pytest.mark.slow  # a Ray cluster


@pytest.fixture
def film(tmp_path):
    return make_film(tmp_path / "film.mp4", width=64, height=48, frames=60, keyint=12)


def _config(weights, **kw):
    return render_config(**{"weights": weights, "segment_seconds": 0.5, "batch_size": 4, **kw})


def test_a_ray_render_matches_the_single_process_one(tmp_path, tiny_weights, film):
    pytest.importorskip("ray")
    out, single = tmp_path / "ray.mp4", tmp_path / "single.mp4"
    # segments of 12 frames, each restarting the smoothing: at the default pull (0.95) a restart's
    # difference falls to a third over 20 frames, longer than a segment here; at 0.8 over 5
    r = render(film, out, _config(tiny_weights, ray="local", smooth_strength=0.8))
    render(film, single, _config(tiny_weights, smooth_strength=0.8))
    a, b = video_frames(film), video_frames(out)
    assert r.frames == len(b) == len(a) == 60 and [t for t, _ in a] == [t for t, _ in b]
    assert packets(out) == packets(film)
    ours, theirs = np.stack(_rgb(out)), np.stack(_rgb(single))
    assert psnr(ours, theirs) >= 35  # the whole film's; only the smoothing restarts at each segment
    assert not work_folder(out).exists()


def _rgb(path):
    import av

    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def test_a_guided_ray_render_gives_each_segment_its_keyframes(tmp_path, tiny_weights):
    pytest.importorskip("ray")
    import cv2
    from testfilms import pan_pictures

    pictures = pan_pictures(24)
    src = make_film(tmp_path / "film.mp4", pictures=pictures, keyint=6)
    keys = tmp_path / "keys"
    keys.mkdir()
    cv2.imwrite(str(keys / "000000.png"), cv2.cvtColor(pictures[0], cv2.COLOR_RGB2BGR))
    out, single = tmp_path / "ray.mp4", tmp_path / "single.mp4"
    r = render(src, out, _config(tiny_weights, ray="local", segment_seconds=0.25, keyframes=keys))
    render(src, single, _config(tiny_weights, segment_seconds=0.25, keyframes=keys))
    assert r.frames == len(video_frames(out)) == 24
    # each task followed the colour from frame 0 to its start
    assert psnr(np.stack(_rgb(out)), np.stack(_rgb(single))) >= 30
