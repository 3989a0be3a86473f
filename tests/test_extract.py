"""`filmcolor extract`: the skip and bar-crop rules on synthetic arrays, then whole extracts of
tiny generated films (what is kept, what the manifest says) and every way the output folder
can be refused or must be left as it was."""

import json
from fractions import Fraction

import cv2
import numpy as np
import pytest
from testfilms import make_film

from filmcolor.errors import DecodeError, InputError, OutputError
from filmcolor.extract import (
    ExtractConfig,
    crop_box,
    extract,
    is_black,
    is_duplicate,
    is_uniform,
    skip_reason,
    thumbnail,
)

RNG = np.random.default_rng(0)


def _texture(h, w, low=0.2, high=0.9, seed=0):
    """(h, w) float luma: blocks of random gray, like a scene with things in it."""
    blocks = np.random.default_rng(seed).uniform(low, high, (max(1, h // 6), max(1, w // 6)))
    return cv2.resize(blocks, (w, h), interpolation=cv2.INTER_NEAREST)


# --- the pure rules ---------------------------------------------------------------------------


def test_crop_box_letterbox_pillarbox_both_and_none():
    pic = _texture(60, 100)
    assert crop_box(pic) == (0, 60, 0, 100)
    assert crop_box(np.pad(pic, ((10, 12), (0, 0)))) == (10, 70, 0, 100)
    assert crop_box(np.pad(pic, ((0, 0), (15, 9)))) == (0, 60, 15, 115)
    assert crop_box(np.pad(pic, ((8, 8), (14, 14)))) == (8, 68, 14, 114)


def test_crop_box_takes_noisy_near_black_bars():
    pic = np.pad(_texture(60, 100), ((10, 10), (0, 0)))
    pic[:10] = pic[-10:] = 0.02 + RNG.normal(0, 0.005, (10, 100))  # a transfer's bars are not code 16 exactly
    assert crop_box(pic) == (10, 70, 0, 100)


def test_crop_box_never_takes_more_than_a_third_of_a_side():
    black = np.zeros((90, 120), np.float32)
    y0, y1, x0, x1 = crop_box(black)
    assert (y0, y1, x0, x1) == (30, 60, 40, 80)  # a black frame keeps its middle third, and is judged on it
    tall_bars = np.pad(_texture(10, 120), ((40, 40), (0, 0)))
    assert crop_box(tall_bars)[:2] == (30, 60)


def test_crop_box_leaves_a_dark_textured_scene_alone():
    night = _texture(72, 128, low=0.0, high=0.25)
    assert crop_box(night) == (0, 72, 0, 128)


def test_black_uniform_and_duplicate():
    scene = _texture(72, 128)
    assert is_black(np.full((8, 8), 0.03)) and not is_black(scene)
    assert is_uniform(np.full((72, 128), 0.5)) and is_uniform(0.5 + RNG.normal(0, 0.01, (72, 128)))
    assert not is_uniform(scene)
    t = thumbnail(scene)
    assert t.shape == (32, 32)
    assert not is_duplicate(t, None)
    assert is_duplicate(thumbnail(scene + RNG.normal(0, 0.02, scene.shape)), t)  # the same shot with new grain
    assert not is_duplicate(thumbnail(_texture(72, 128, seed=1)), t)


def test_skip_reason_order():
    black = np.zeros((20, 20))
    assert skip_reason(black, thumbnail(black), None) == "black"  # black is flat too; said as black
    card = np.full((20, 20), 0.5)
    assert skip_reason(card, thumbnail(card), None) == "uniform"
    scene = _texture(72, 128)
    assert skip_reason(scene, thumbnail(scene), None) is None
    assert skip_reason(scene, thumbnail(scene), thumbnail(scene)) == "duplicate"


# --- whole extracts ---------------------------------------------------------------------------

W, PICTURE_H, BAR = 128, 72, 12  # a 16:9 picture letterboxed in a 4:3 frame
EVERY = 0.25  # at 8 fps: every other frame is picked


def _rgb_scene(seed):
    """(PICTURE_H + 2 * BAR, W, 3) uint8: coloured blocks between black bars."""
    blocks = np.random.default_rng(seed).integers(60, 230, (PICTURE_H // 8, W // 8, 3), dtype=np.uint8)
    return np.pad(np.kron(blocks, np.ones((8, 8, 1), np.uint8)), ((BAR, BAR), (0, 0), (0, 0)))


def _pictures():
    """Two frames per picked slot; slots: black, A, A again, title card, B, black, C, fade, C again."""
    h = PICTURE_H + 2 * BAR
    black = np.zeros((h, W, 3), np.uint8)
    card = np.full((h, W, 3), 128, np.uint8)
    a, b, c = _rgb_scene(1), _rgb_scene(2), _rgb_scene(3)
    fade = (0.05 * c + 0.95 * 100).astype(np.uint8)  # nearly gone to gray: flat
    return [p for p in (black, a, a, card, b, black, c, fade, c) for _ in range(2)]


@pytest.fixture(scope="module")
def film(tmp_path_factory):
    return make_film(tmp_path_factory.mktemp("film") / "film.mp4", pictures=_pictures(), rate=Fraction(8))


def _manifest(folder):
    return json.loads((folder / "manifest.json").read_text())


def test_extract_keeps_scenes_skips_the_rest_and_crops_bars(tmp_path, film):
    calls = []
    result = extract(
        film, tmp_path / "frames", ExtractConfig(every=EVERY, size=36), progress=lambda d, t: calls.append((d, t))
    )
    assert result.kept == 3 and result.skipped == {"black": 2, "uniform": 2, "duplicate": 2}
    m = _manifest(tmp_path / "frames")
    assert m["kept"] == 3 and m["skipped"] == result.skipped
    assert m["source"] == str(film.resolve()) and m["rate"] == "8/1"
    assert m["config"] == {"every": EVERY, "max_frames": None, "size": 36, "keep_color": False}
    assert [f["file"] for f in m["frames"]] == ["frame-000001.png", "frame-000002.png", "frame-000003.png"]
    assert [f["index"] for f in m["frames"]] == [2, 8, 12]  # A, B, C: the first frame of their slots
    assert [f["time"] for f in m["frames"]] == pytest.approx([0.25, 1.0, 1.5])
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == [
        "frame-000001.png",
        "frame-000002.png",
        "frame-000003.png",
        "manifest.json",
    ]
    for f, seed in zip(m["frames"], (1, 2, 3), strict=False):
        png = cv2.imread(str(tmp_path / "frames" / f["file"]), cv2.IMREAD_UNCHANGED)
        assert png.dtype == np.uint8 and png.shape == (36, 64)  # gray, 16:9 at short side 36: no bars
        assert png[0].mean() > 40 and png[-1].mean() > 40
        expected = cv2.cvtColor(_rgb_scene(seed)[BAR:-BAR], cv2.COLOR_RGB2GRAY)
        expected = cv2.resize(expected, (64, 36), interpolation=cv2.INTER_AREA)
        assert np.abs(png.astype(int) - expected).mean() < 8  # the film's own luma
    assert calls[-1] == (18, 18) and all(d <= t for d, t in calls)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames"]  # no temporary folder left


@pytest.mark.parametrize("kind", ["yuv420p10le", "gray-ffv1", "yuvj420p"])
def test_extract_reads_any_pixel_format_alike(tmp_path, kind):
    kw = dict(pix_fmt="gray", codec="ffv1", audio=()) if kind == "gray-ffv1" else dict(pix_fmt=kind)
    src = make_film(
        tmp_path / ("film.mkv" if kind == "gray-ffv1" else "film.mp4"), pictures=_pictures(), rate=Fraction(8), **kw
    )
    result = extract(src, tmp_path / "frames", ExtractConfig(every=EVERY, size=36))
    assert result.kept == 3 and result.skipped == {"black": 2, "uniform": 2, "duplicate": 2}
    assert cv2.imread(str(tmp_path / "frames" / "frame-000001.png"), cv2.IMREAD_UNCHANGED).shape == (36, 64)


def test_keep_color_writes_colour_pngs(tmp_path, film):
    extract(film, tmp_path / "b", ExtractConfig(every=EVERY, size=36, keep_color=True))
    png = cv2.imread(str(tmp_path / "b" / "frame-000001.png"), cv2.IMREAD_UNCHANGED)
    assert png.shape == (36, 64, 3)
    expected = cv2.resize(_rgb_scene(1)[BAR:-BAR], (64, 36), interpolation=cv2.INTER_AREA)[..., ::-1]  # BGR
    assert np.abs(png.astype(int) - expected).mean() < 12
    assert _manifest(tmp_path / "b")["config"]["keep_color"] is True


def test_max_frames_stops_early(tmp_path, film):
    result = extract(film, tmp_path / "frames", ExtractConfig(every=EVERY, size=36, max_frames=2))
    assert result.kept == 2
    m = _manifest(tmp_path / "frames")
    assert [f["index"] for f in m["frames"]] == [2, 8] and m["config"]["max_frames"] == 2
    assert len(list((tmp_path / "frames").glob("*.png"))) == 2


def test_every_picks_the_first_frame_at_or_after_each_multiple(tmp_path):
    src = make_film(tmp_path / "film.mp4", pictures=[_rgb_scene(s) for s in range(10)], rate=Fraction(8), audio=())
    extract(src, tmp_path / "frames", ExtractConfig(every=0.3, size=16))
    m = _manifest(tmp_path / "frames")
    assert [f["index"] for f in m["frames"]] == [0, 3, 5, 8]  # 0, 0.375 >= 0.3, 0.625 >= 0.6, 1.0 >= 0.9


def test_an_empty_folder_is_used(tmp_path, film):
    (tmp_path / "frames").mkdir()
    assert extract(film, tmp_path / "frames", ExtractConfig(every=EVERY, size=16)).kept == 3


def test_overwrite_replaces_an_earlier_extract(tmp_path, film):
    out = tmp_path / "frames"
    extract(film, out, ExtractConfig(every=EVERY, size=16))
    with pytest.raises(OutputError, match="holds what filmcolor extract wrote before; pass --overwrite"):
        extract(film, out, ExtractConfig(every=EVERY, size=16, max_frames=1))
    assert _manifest(out)["kept"] == 3
    extract(film, out, ExtractConfig(every=EVERY, size=16, max_frames=1, overwrite=True))
    assert sorted(p.name for p in out.iterdir()) == ["frame-000001.png", "manifest.json"]
    assert _manifest(out)["kept"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames"]  # the old one is gone, nothing aside


def test_a_folder_that_is_not_an_extract_is_never_replaced(tmp_path, film):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("the user's")
    for overwrite in (False, True):
        with pytest.raises(
            OutputError, match=r"exists and is not empty \(notes.txt\), and is no earlier filmcolor extract output"
        ):
            extract(film, out, ExtractConfig(every=EVERY, overwrite=overwrite))
    extract(film, tmp_path / "frames", ExtractConfig(every=EVERY, size=16))
    (tmp_path / "frames" / "notes.txt").write_text("added by the user")  # an extract the user added to
    (tmp_path / "frames" / "frame-000009.png").write_bytes(b"a frame the manifest does not list")
    with pytest.raises(
        OutputError, match=r"holds files filmcolor extract did not write \(frame-000009.png, notes.txt\)"
    ):
        extract(film, tmp_path / "frames", ExtractConfig(every=EVERY, overwrite=True))
    assert (out / "notes.txt").read_text() == "the user's" and (tmp_path / "frames" / "notes.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames", "mine"]


def test_output_folder_errors(tmp_path, film):
    with pytest.raises(OutputError, match="does not exist; create it first"):
        extract(film, tmp_path / "no" / "such" / "frames", ExtractConfig())
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        extract(film, tmp_path / "file", ExtractConfig())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


@pytest.mark.parametrize(
    "config,expected",
    [
        (ExtractConfig(every=0), "--every"),
        (ExtractConfig(every=float("nan")), "--every"),
        (ExtractConfig(size=8), "--size"),
        (ExtractConfig(max_frames=0), "--max-frames"),
    ],
)
def test_bad_options(tmp_path, film, config, expected):
    with pytest.raises(InputError, match=expected):
        extract(film, tmp_path / "frames", config)
    assert list(tmp_path.iterdir()) == []


def test_a_film_without_usable_frames_leaves_nothing(tmp_path):
    black = np.zeros((48, 64, 3), np.uint8)
    src = make_film(tmp_path / "black.mp4", pictures=[black] * 6, rate=Fraction(8), audio=())
    with pytest.raises(
        InputError, match=r"no usable frames in .*black.mp4: 3 black, 0 uniform, 0 duplicate; try a smaller --every"
    ):
        extract(src, tmp_path / "frames", ExtractConfig(every=EVERY))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["black.mp4"]


def test_bad_films(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        extract(tmp_path / "nope.mp4", tmp_path / "frames", ExtractConfig())
    whole = make_film(tmp_path / "film.mkv", frames=48)
    broken = tmp_path / "broken.mkv"
    broken.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])
    with pytest.raises(DecodeError, match="breaks at frame"):
        extract(broken, tmp_path / "frames", ExtractConfig(every=0.1, size=16))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.mkv", "film.mkv"]
