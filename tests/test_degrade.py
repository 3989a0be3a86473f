"""Test films with a known truth: each effect of the old-film look on synthetic pictures, its
seed, and `degrade` end to end on a tiny generated film (frames, timestamps and sound kept)."""

import av
import cv2
import numpy as np
import pytest
from testfilms import make_film, packets, video_frames

from filmcolor import media
from filmcolor.degrade import (
    DegradeConfig,
    FilmDamage,
    degrade,
    degrade_frame,
    draw_scratches,
    dust,
    flicker,
    grain,
    new_scratch,
    shift,
    soften,
)
from filmcolor.errors import OutputError
from filmcolor.media.encoding import EncodeConfig
from filmcolor.metrics import psnr

NONE = dict(grain=0.0, flicker=0.0, softness=0.0, dust=0.0, scratches=0.0, weave=0.0)


def only(**amounts) -> DegradeConfig:
    """A config with every effect off but those given."""
    return DegradeConfig(**{**NONE, **amounts})


def texture(h: int = 96, w: int = 128, seed: int = 1) -> np.ndarray:
    """(H, W) float32 smooth random picture in [0.2, 0.8], no flat areas."""
    noise = np.random.default_rng(seed).standard_normal((h, w)).astype(np.float32)
    smooth = cv2.GaussianBlur(noise, (0, 0), 3.0)
    return (0.5 + 0.3 * smooth / np.abs(smooth).max()).astype(np.float32)


def flat(h: int = 256, w: int = 256, value: float = 0.5) -> np.ndarray:
    return np.full((h, w), value, np.float32)


def test_grain_has_the_set_std_keeps_the_mean_and_is_correlated():
    y = flat(576, 576)
    out = grain(y, 0.04, np.random.default_rng(0), sigma=0.7)
    assert out.dtype == np.float32
    assert abs(out.mean() - 0.5) < 0.002
    assert out.std() == pytest.approx(0.04, rel=0.05)
    d = out - 0.5
    neighbours = np.corrcoef(d[:, :-1].ravel(), d[:, 1:].ravel())[0, 1]
    assert 0.3 < neighbours < 0.9  # grains span a few pixels, not one, not many
    dark = grain(flat(576, 576, 0.05), 0.04, np.random.default_rng(0), sigma=0.7)
    assert dark.std() < 0.5 * out.std()  # less grain in the shadows


def test_flicker_moves_the_frame_mean_smoothly_with_the_set_std():
    config = only(flicker=0.04)
    damage, rng = FilmDamage(config, 64, 64), np.random.default_rng(0)
    frames = [degrade_frame(flat(64, 64), config, damage, rng) for _ in range(400)]
    means = np.array([f.mean() for f in frames])
    assert max(f.std() for f in frames) < 1e-6  # the whole frame at once
    assert (means - 0.5).std() == pytest.approx(0.04, rel=0.25)
    assert np.corrcoef(means[:-1], means[1:])[0, 1] > 0.3  # smoothish, not independent frame to frame
    assert flicker(np.float32([0.0, 0.5, 1.0]), 0.1) == pytest.approx([0.05, 0.6, 1.15])


def test_softness_lowers_high_frequency_energy():
    y = 0.5 + 0.2 * np.random.default_rng(0).standard_normal((128, 128)).astype(np.float32)

    def high(a):
        return float(np.mean(cv2.Laplacian(a, cv2.CV_32F) ** 2))

    soft, softer = soften(y, 0.5), soften(y, 1.5)
    assert high(softer) < high(soft) < 0.5 * high(y)
    assert soft.mean() == pytest.approx(y.mean(), abs=1e-3)
    assert soften(y, 0.0) is y


def test_dust_adds_a_few_outlier_blobs():
    counts, touched = [], []
    rng = np.random.default_rng(0)
    for _ in range(100):
        out = dust(flat(288, 384), 3.0, rng, scale=0.5)
        outliers = (np.abs(out - 0.5) > 0.15).astype(np.uint8)
        counts.append(cv2.connectedComponents(outliers)[0] - 1)  # blobs, background left out
        touched.append(outliers.mean())
    assert np.mean(counts) == pytest.approx(3.0, abs=0.6)  # Poisson(3), a few overlapping
    assert max(touched) < 0.01  # specks, not patches


def test_a_scratch_is_a_thin_vertical_line_that_persists_and_drifts():
    config = only(scratches=1.0)  # a new scratch every frame: the first is followed below
    damage, rng = FilmDamage(config, 288, 384), np.random.default_rng(3)
    damage.step(rng)
    first = damage.scratches[0]
    lives, columns = first.frames_left, []
    for _ in range(lives):
        out = draw_scratches(flat(288, 384), [first])
        deviation = np.abs(out - 0.5)  # (H, W)
        hit = deviation.mean(axis=0) > 0.05  # (W,) columns of the line
        assert 1 <= hit.sum() <= 2  # thin: a pixel or two wide at half resolution
        col = int(np.argmax(deviation.mean(axis=0)))
        assert (deviation[:, col] > 0.05).all()  # the whole height
        columns.append(col)
        damage.step(rng)
    assert first not in damage.scratches  # gone after its life
    assert lives >= 3 and all(abs(a - b) <= 2 for a, b in zip(columns, columns[1:], strict=False))  # drifts slowly
    assert len(damage.scratches) <= 15  # old ones die as new ones come


def test_scratches_arrive_with_the_set_probability():
    config = only(scratches=0.3)
    damage, rng = FilmDamage(config, 48, 64), np.random.default_rng(0)
    born = 0
    for _ in range(1000):
        staying = sum(s.frames_left > 1 for s in damage.scratches)
        damage.step(rng)
        born += len(damage.scratches) - staying
    assert born / 1000 == pytest.approx(0.3, abs=0.05)
    s = new_scratch(48, 64, np.random.default_rng(0), scale=48 / 576)
    assert s.width >= 1.0 and s.strength.shape == (48,)  # still visible on a tiny film


def test_weave_shifts_by_subpixel_amounts_with_the_set_std():
    rows, cols = np.mgrid[0:64, 0:64].astype(np.float32)
    across, down = 0.2 + 0.01 * cols, 0.2 + 0.01 * rows  # ramps: a shift changes their value in proportion
    inside = np.s_[4:-4, 4:-4]  # away from the mirrored edges
    for dx, dy in ((0.3, -0.2), (-0.45, 0.7), (0.05, 0.0), (2.5, -1.0)):
        moved_x = (across - shift(across, dx, dy))[inside].mean() / 0.01
        moved_y = (down - shift(down, dx, dy))[inside].mean() / 0.01
        assert (moved_x, moved_y) == pytest.approx((dx, dy), abs=1e-3)
    config = only(weave=0.6)
    for height, std in ((576, 0.6), (288, 0.3)):  # px at 576 lines, scaled with the height
        damage, rng = FilmDamage(config, height, 64), np.random.default_rng(0)
        offsets = []
        for _ in range(3000):
            damage.step(rng)
            offsets.append(damage.offset.copy())
        offsets = np.array(offsets)  # (frames, 2)
        assert offsets.std(axis=0) == pytest.approx([std, std], rel=0.15)
        steps = np.abs(np.diff(offsets, axis=0))
        assert np.median(steps) < 0.4 * std  # smooth over time: it sways, it does not jump


def test_clean_is_identity_and_degraded_frames_stay_in_range():
    y = texture()
    assert (
        degrade_frame(y, DegradeConfig(clean=True), FilmDamage(DegradeConfig(), 96, 128), np.random.default_rng(0)) is y
    )
    out = degrade_frame(y, DegradeConfig(), FilmDamage(DegradeConfig(), 96, 128), np.random.default_rng(0))
    assert out.shape == y.shape and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0
    assert np.abs(out - y).mean() > 0.01


def test_same_seed_same_frames():
    def run(seed):
        config = DegradeConfig(seed=seed, scratches=0.8, dust=5)
        damage, rng = FilmDamage(config, 96, 128), np.random.default_rng(seed)
        return [degrade_frame(texture(), config, damage, rng) for _ in range(8)]

    a, b, c = run(0), run(0), run(1)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=False))
    assert not np.array_equal(a[0], c[0])


def _chroma(path):
    """(Cb, Cr) codes of every frame, as decoded."""
    with av.open(str(path)) as c:
        return [
            np.stack([np.frombuffer(p, np.uint8).reshape(p.height, -1)[:, : p.width] for p in f.planes[1:3]])
            for f in c.decode(video=0)
        ]


@pytest.fixture(scope="module")
def colour_film(tmp_path_factory):
    return make_film(tmp_path_factory.mktemp("degrade") / "colour.mp4", width=64, height=48, frames=8)


def test_degrade_keeps_frames_timestamps_and_audio(tmp_path, colour_film):
    clean, old = tmp_path / "clean.mp4", tmp_path / "old.mp4"
    calls = []
    result = degrade(
        colour_film, clean, DegradeConfig(clean=True), progress=lambda done, total: calls.append((done, total))
    )
    degrade(colour_film, old, DegradeConfig(seed=7))
    src, a, b = video_frames(colour_film), video_frames(clean), video_frames(old)
    assert result.frames == len(src) == len(a) == len(b) == 8 and result.output == clean
    assert calls[-1] == (8, 8) and [d for d, _ in calls] == list(range(1, 9))
    assert [t for t, _ in src] == [t for t, _ in a] == [t for t, _ in b]
    for out in (clean, old):
        assert packets(out) == packets(colour_film)  # audio bytes and times, packet for packet
        assert all(np.abs(c.astype(int) - 128).max() <= 2 for c in _chroma(out))  # neutral: gray
    assert min(psnr(x, y) for (_, x), (_, y) in zip(src, a, strict=False)) >= 40
    assert max(psnr(x, y) for (_, x), (_, y) in zip(a, b, strict=False)) < 35  # the damage shows
    with media.open_film(old) as c:
        assert media.film_info(c).frames == 8


@pytest.mark.parametrize(
    "kw, mid", [(dict(pix_fmt="yuv420p10le"), 512), (dict(width=75, height=43, pix_fmt="yuv444p"), 128)]
)
def test_degrade_10_bit_and_odd_sizes(tmp_path, kw, mid):
    src = make_film(tmp_path / "in.mp4", frames=3, **kw)
    degrade(src, tmp_path / "out.mp4", DegradeConfig())
    assert len(video_frames(tmp_path / "out.mp4")) == 3 and packets(tmp_path / "out.mp4") == packets(src)
    with av.open(str(tmp_path / "out.mp4")) as c:
        frame = next(c.decode(video=0))
        dtype = np.uint8 if mid == 128 else np.dtype("<u2")
        chroma = [np.frombuffer(p, dtype).reshape(p.height, -1)[:, : p.width] for p in frame.planes[1:3]]
    assert (frame.width, frame.height) == (kw.get("width", 64), kw.get("height", 48))
    assert all(np.abs(c.astype(int) - mid).max() <= 2 * mid // 128 for c in chroma)


def test_degrade_same_seed_same_film(tmp_path, colour_film):
    # Through a lossless encoder: x264 itself is not always bit-exact run to run on tiny pictures
    # (measured on 64x48 and 96x72 grain: its mb-tree lookahead), which says nothing about the seed.
    for name in ("a.mkv", "b.mkv"):
        degrade(colour_film, tmp_path / name, DegradeConfig(seed=3, encode=EncodeConfig(codec="ffv1")))
    a, b = video_frames(tmp_path / "a.mkv"), video_frames(tmp_path / "b.mkv")
    assert all(np.array_equal(x, y) for (_, x), (_, y) in zip(a, b, strict=True))


def test_degrade_errors_leave_nothing_behind(tmp_path, colour_film):
    film = tmp_path / "film.mp4"
    film.write_bytes(colour_film.read_bytes())
    out = tmp_path / "out.mp4"
    out.write_bytes(b"mine")
    with pytest.raises(OutputError, match="exists"):
        degrade(film, out, DegradeConfig())
    with pytest.raises(OutputError, match="also an input"):
        degrade(film, tmp_path / "." / "film.mp4", DegradeConfig(overwrite=True))
    with pytest.raises(OutputError, match="no video encoder"):
        degrade(film, tmp_path / "new.mp4", DegradeConfig(encode=EncodeConfig(codec="no-such-codec")))
    assert out.read_bytes() == b"mine" and film.read_bytes() == colour_film.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.mp4", "out.mp4"]
    degrade(film, out, DegradeConfig(overwrite=True))
    assert len(video_frames(out)) == 8 and sorted(p.name for p in tmp_path.iterdir()) == ["film.mp4", "out.mp4"]


def test_video_look_is_seeded_in_range_and_brings_blocks():
    from filmcolor.degrade import codec, interlace, motion_blur, video_look

    rng = np.random.default_rng(0)
    y = cv2.GaussianBlur(rng.random((64, 80), dtype=np.float32), (0, 0), 3)  # (64, 80) smooth picture
    a, b = video_look(y, np.random.default_rng(5)), video_look(y, np.random.default_rng(5))
    assert a.shape == y.shape and a.dtype == np.float32 and np.array_equal(a, b)
    assert 0 <= a.min() and a.max() <= 1
    blocky = codec(y, quality=5, scale=1.0)
    steps = np.abs(np.diff(blocky, axis=1)).mean(axis=0)  # (79,) mean jump between columns
    assert steps[7::8].mean() > 1.5 * np.delete(steps, np.s_[7::8]).mean()  # jumps at the 8 px block edges
    assert np.allclose(interlace(y, 0.0, doubled=False), y, atol=1e-5)
    assert np.array_equal(interlace(y, 0.0, doubled=True)[1::2], y[0::2])
    assert np.allclose(motion_blur(np.full_like(y, 0.3), 6.0, 0.7), 0.3, atol=1e-5)
