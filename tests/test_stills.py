import cv2
import numpy as np
import pytest
from clirun import assert_one_line_error, run_cli
from testfilms import picture

from filmcolor.inference import InferenceConfig
from filmcolor.stills import StillsConfig, colorize_stills


def test_colorize_keeps_size_and_luma(tmp_path, tiny_weights):
    gray = cv2.cvtColor(picture(3, 120, 90), cv2.COLOR_RGB2GRAY)
    cv2.imwrite(str(tmp_path / "a.png"), gray)
    cv2.imwrite(str(tmp_path / "b.jpg"), cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR))
    out = tmp_path / "out"
    out.mkdir()
    done = []
    written = colorize_stills(
        [tmp_path / "a.png", tmp_path / "b.jpg"],
        out,
        StillsConfig(InferenceConfig(weights=tiny_weights)),
        lambda d, t: done.append(d),
    )
    assert [p.name for p in written] == ["a.png", "b.png"] and done == [1, 2]
    result = cv2.imread(str(written[0]))
    assert result.shape == (90, 120, 3)
    y = cv2.cvtColor(result, cv2.COLOR_BGR2YCrCb)[..., 0].astype(int)
    assert np.abs(y - gray).max() <= 2  # luma kept: chroma is fitted to the gamut, not clipped in RGB
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "b.png"]  # no temporary files left


def test_colorize_never_overwrites_without_asking(tmp_path, tiny_weights):
    cv2.imwrite(str(tmp_path / "a.png"), np.full((40, 40), 100, np.uint8))
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.png").write_bytes(b"mine")
    import pytest

    from filmcolor.errors import OutputError

    with pytest.raises(OutputError, match="--overwrite"):
        colorize_stills([tmp_path / "a.png"], out, StillsConfig(InferenceConfig(weights=tiny_weights)))
    assert (out / "a.png").read_bytes() == b"mine"
    with pytest.raises(OutputError, match="also an input"):
        colorize_stills(
            [tmp_path / "a.png"], tmp_path, StillsConfig(InferenceConfig(weights=tiny_weights), overwrite=True)
        )


def test_colour_hints_colour_a_photograph(tmp_path):
    from filmcolor.inference import InferenceConfig

    photo = np.full((60, 80), 90, np.uint8)
    photo[:, 40:] = 200  # two regions, dark and bright
    cv2.imwrite(str(tmp_path / "photo.png"), photo)
    hints = np.repeat(photo[..., None], 3, axis=2)
    hints[28:32, 10:14] = (200, 60, 40)  # BGR: a blue stroke in the dark region
    hints[28:32, 60:64] = (120, 180, 250)  # an orange one in the bright region
    cv2.imwrite(str(tmp_path / "hints.png"), hints)
    out = tmp_path / "out"
    out.mkdir()
    colorize_stills([tmp_path / "photo.png"], out, StillsConfig(InferenceConfig(), hints=tmp_path / "hints.png"))
    result = cv2.imread(str(out / "photo.png"))  # BGR
    bgr = result.astype(int)
    assert (bgr[:, :36, 0] > bgr[:, :36, 2] + 20).all()  # the dark region is blue, all of it
    assert (bgr[:, 44:, 2] > bgr[:, 44:, 0] + 20).all()  # the bright one orange: nothing leaks across
    y = cv2.cvtColor(result, cv2.COLOR_BGR2YCrCb)[..., 0].astype(int)
    assert np.abs(y - photo).max() <= 2  # its own luma


# --- hints that colour nothing, half-transparent and opaque-alpha hints; EXIF orientation -------------


def _two_regions(tmp_path):
    photo = np.full((60, 80), 90, np.uint8)
    photo[:, 40:] = 200
    cv2.imwrite(str(tmp_path / "photo.png"), photo)
    return photo


def _rgba_hints(photo, alpha_value, blue=(200, 60, 40), orange=(120, 180, 250)):
    """BGRA: the gray photo, a blue stroke in the dark region and an orange one in the bright
    region, both with alpha `alpha_value`; the rest transparent."""
    bgra = np.dstack([np.repeat(photo[..., None], 3, axis=2), np.zeros_like(photo)])
    bgra[28:32, 10:14] = (*blue, alpha_value)
    bgra[28:32, 60:64] = (*orange, alpha_value)
    return bgra


@pytest.mark.parametrize(
    "case,expected",
    [
        ("fully transparent", "is transparent all over: it colours nothing"),
        ("nearly transparent", "is transparent all over: it colours nothing"),
        ("gray", "is gray all over (R = G = B): it colours nothing"),
        ("gray strokes", "every pixel it marks is gray, so the picture would stay gray"),
    ],
)
def test_hints_that_colour_nothing_are_refused(tmp_path, capsys, case, expected):
    photo = _two_regions(tmp_path)
    if case == "fully transparent":
        # colour, all invisible
        hints = np.dstack([np.full((60, 80, 3), (40, 60, 200), np.uint8), np.zeros((60, 80), np.uint8)])
    elif case == "nearly transparent":
        hints = _rgba_hints(photo, 8)
    elif case == "gray":
        hints = np.repeat(photo[..., None], 3, axis=2)  # the B&W picture saved back, nothing painted
    else:
        hints = _rgba_hints(photo, 255, blue=(128, 128, 128), orange=(70, 70, 70))
    cv2.imwrite(str(tmp_path / "hints.png"), hints)
    out = tmp_path / "out"
    out.mkdir()
    code, err = run_cli(["colorize", tmp_path / "photo.png", "-o", out, "--hints", tmp_path / "hints.png"], capsys)
    assert_one_line_error(code, err, expected)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("alpha", [127, 255])
def test_half_transparent_and_opaque_alpha_strokes_colour_their_region(tmp_path, alpha):
    photo = _two_regions(tmp_path)
    hints = _rgba_hints(photo, alpha)
    if alpha == 255:
        hints[..., 3] = 255  # an editor's RGBA export, opaque all over: strokes on the gray picture, as without alpha
    cv2.imwrite(str(tmp_path / "hints.png"), hints)
    out = tmp_path / "out"
    out.mkdir()
    colorize_stills([tmp_path / "photo.png"], out, StillsConfig(InferenceConfig(), hints=tmp_path / "hints.png"))
    bgr = cv2.imread(str(out / "photo.png")).astype(int)
    assert (bgr[:, :36, 0] > bgr[:, :36, 2] + 20).all()  # the whole dark region takes its stroke's blue
    assert (bgr[:, 44:, 2] > bgr[:, 44:, 0] + 20).all()  # the bright one its orange


def _exif_photo(path, orientation):
    """A photo stored on its side (80 wide, 40 high as stored) whose EXIF says how to show it."""
    from PIL import Image

    gray = np.full((40, 80), 60, np.uint8)
    gray[:, :20] = 220  # bright on the stored left: on top once turned a quarter clockwise (orientation 6)
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(np.repeat(gray[..., None], 3, axis=2)).save(path, exif=exif, quality=95)
    return gray


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_a_photo_is_coloured_as_it_is_shown_upright(tmp_path, tiny_weights, suffix):
    stored = _exif_photo(tmp_path / f"portrait{suffix}", 6)
    upright = np.rot90(stored, -1)  # (80, 40): what a viewer shows
    out = tmp_path / "out"
    out.mkdir()
    (written,) = colorize_stills(
        [tmp_path / f"portrait{suffix}"], out, StillsConfig(InferenceConfig(weights=tiny_weights))
    )
    result = cv2.imread(str(written))
    assert result.shape == (80, 40, 3)
    y = cv2.cvtColor(result, cv2.COLOR_BGR2YCrCb)[..., 0].astype(int)
    assert np.abs(y - upright).mean() < 4  # the bright band on top, as shown


def test_every_exif_orientation_reads_as_a_viewer_shows_it(tmp_path):
    from PIL import Image, ImageOps

    from filmcolor.pictures import read_rgb

    stored = np.random.default_rng(0).integers(0, 255, (6, 10, 3), dtype=np.uint8)
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        path = tmp_path / f"o{orientation}.png"
        Image.fromarray(stored).save(path, exif=exif)
        shown = np.asarray(ImageOps.exif_transpose(Image.open(path)))
        assert np.array_equal(read_rgb(path), shown), orientation
