import cv2
import numpy as np

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
    written = colorize_stills([tmp_path / "a.png", tmp_path / "b.jpg"], out, StillsConfig(InferenceConfig(weights=tiny_weights)), lambda d, t: done.append(d))
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
        colorize_stills([tmp_path / "a.png"], tmp_path, StillsConfig(InferenceConfig(weights=tiny_weights), overwrite=True))


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
