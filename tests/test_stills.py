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
