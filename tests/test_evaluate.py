"""`filmcolor evaluate` end to end on tiny generated films."""

import json
import math

import numpy as np
import pytest
from testfilms import make_film, picture

from filmcolor.errors import InputError
from filmcolor.evaluate import EvalConfig, evaluate


def _desaturated(i, w=64, h=48, keep=0.3):
    rgb = picture(i, w, h).astype(np.float32)
    gray = rgb.mean(-1, keepdims=True)
    return np.rint(gray + keep * (rgb - gray)).astype(np.uint8)


@pytest.fixture(scope="module")
def films(tmp_path_factory):
    d = tmp_path_factory.mktemp("eval")
    colour = make_film(d / "colour.mp4", frames=8, audio=())
    pale = make_film(d / "pale.mp4", pictures=[_desaturated(i) for i in range(8)], audio=())
    gray = make_film(d / "gray.mp4", pictures=[_desaturated(i, keep=0.0) for i in range(8)], audio=())
    short = make_film(d / "short.mp4", frames=6, audio=())
    small = make_film(d / "small.mp4", width=32, height=24, frames=8, audio=())
    return {"colour": colour, "pale": pale, "gray": gray, "short": short, "small": small}


def test_a_film_against_itself(films):
    seen = []
    r = evaluate(
        films["colour"], films["colour"], input=films["colour"], progress=lambda done, total: seen.append((done, total))
    )
    assert r.frames == 8 and r.cuts == 0 and r.pairs == 7
    assert r.psnr == math.inf and r.ssim == pytest.approx(1.0)
    assert r.colourfulness == r.reference_colourfulness > 20
    assert r.cdc == r.reference_cdc and r.cdc < 0.2
    assert r.warping_error == r.reference_warping_error and 0 <= r.warping_error < 0.01
    assert r.chroma_warping_error == r.reference_chroma_warping_error < r.warping_error
    assert r.luma_psnr == math.inf and r.luma_psnr_min == math.inf
    assert seen[-1] == (8, 8)
    d = r.as_dict()
    assert d["psnr_db"] == "inf" and d["frames"] == 8
    json.dumps(d, allow_nan=False)  # strict JSON
    assert len(r.rows()) == 9
    assert r.fringe == r.reference_fringe and d["fringe"] == d["reference_fringe"]


def test_a_desaturated_candidate(films):
    r = evaluate(films["colour"], films["pale"], input=films["gray"], config=EvalConfig())
    assert r.colourfulness < 0.5 * r.reference_colourfulness
    assert 10 < r.psnr < 40 and 0 < r.ssim < 1
    assert math.isfinite(r.cdc) and math.isfinite(r.warping_error)
    assert 20 < r.luma_psnr < math.inf and r.luma_psnr_min <= r.luma_psnr
    gray = evaluate(films["colour"], films["gray"])
    assert gray.colourfulness < 2 and gray.luma_psnr is None
    assert gray.as_dict()["luma_psnr_db"] is None
    assert gray.rows()[-1][0].startswith("warping error, chroma")
    assert gray.chroma_warping_error < 1e-4  # a gray film's colour is steady (up to the codec's chroma noise)


def test_a_cut_is_found_and_not_compared(tmp_path):
    pics = [picture(i, 64, 48) for i in range(4)] + [255 - picture(i, 64, 48) for i in range(4)]
    film = make_film(tmp_path / "cut.mp4", pictures=pics, audio=())
    r = evaluate(film, film)
    assert r.cuts == 1 and r.pairs == 6
    assert r.reference_cdc < 0.2  # the new shot's different colours are not counted
    one = make_film(tmp_path / "one.mp4", frames=1, audio=())
    r1 = evaluate(one, one)
    assert r1.frames == 1 and math.isnan(r1.cdc) and math.isnan(r1.warping_error)
    assert r1.as_dict()["cdc"] is None and json.dumps(r1.as_dict(), allow_nan=False)


def test_mismatched_films_are_refused(films, tmp_path):
    with pytest.raises(InputError, match=r"colour\.mp4 has 8 frames, .*short\.mp4 6; compare renders of the same film"):
        evaluate(films["colour"], films["short"])
    with pytest.raises(InputError, match=r"short\.mp4 has 6 frames, .*colour\.mp4 8"):
        evaluate(films["short"], films["colour"])
    with pytest.raises(InputError, match=r"short\.mp4 has 6 frames, .*pale\.mp4 8; give the B&W film"):
        evaluate(films["colour"], films["pale"], input=films["short"])
    with pytest.raises(InputError, match=r"64x48, .*small\.mp4 32x24"):
        evaluate(films["colour"], films["small"])
    with pytest.raises(InputError, match="does not exist"):
        evaluate(tmp_path / "nothing.mp4", films["colour"])
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(InputError, match="is empty"):
        evaluate(films["colour"], tmp_path / "empty.mp4")
