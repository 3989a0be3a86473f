import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from filmcolor.assets import shipped_weights
from filmcolor.colour import MATRICES, ycbcr_to_rgb
from filmcolor.errors import WeightsError
from filmcolor.models import Generator, GeneratorConfig, load_weights, save_weights


@pytest.mark.parametrize("size", [(48, 64), (143, 175), (17, 31)])
def test_generator_maps_luma_to_chroma_of_the_same_size(size):
    model = Generator(GeneratorConfig(base=8, blocks=1)).eval()
    with torch.inference_mode():
        out = model(torch.rand(2, 1, *size))
    assert out.shape == (2, 2, *size) and out.abs().max() <= 0.5


def test_default_generator_is_small():
    params = sum(p.numel() for p in Generator().parameters())
    assert 0.5e6 < params < 3e6  # a few million at most: the render's speed depends on it


def test_weights_round_trip_rebuilds_the_exact_model(tmp_path):
    torch.manual_seed(1)
    model = Generator(GeneratorConfig(base=8, blocks=2, matrix="bt709"))
    save_weights(model, tmp_path / "w.pt", {"note": "test"})
    loaded, meta = load_weights(tmp_path / "w.pt")
    assert loaded.config == model.config and meta == {"note": "test"}
    x = torch.rand(1, 1, 32, 40)
    with torch.inference_mode():
        assert torch.equal(model.eval()(x), loaded(x))


def test_inference_holds_no_state():
    """The same input gives the same output whatever came before: frames can be batched freely."""
    model = Generator(GeneratorConfig(base=8, blocks=1)).eval()
    a, b = torch.rand(1, 1, 32, 32), torch.rand(1, 1, 32, 32)
    with torch.inference_mode():
        first = model(a)
        model(b)
        assert torch.allclose(model(a), first)
        assert torch.allclose(model(torch.cat([b, a]))[1:], first, atol=1e-5)


def test_weights_of_another_version_are_refused(tmp_path):
    blob = {"format": "filmcolor-generator", "version": 99, "config": {}, "state_dict": {}}
    torch.save(blob, tmp_path / "w.pt")
    with pytest.raises(WeightsError, match="version 99"):
        load_weights(tmp_path / "w.pt")
    torch.save({**blob, "version": 1, "config": {"depth": 50}}, tmp_path / "w.pt")
    with pytest.raises(WeightsError, match="another architecture"):
        load_weights(tmp_path / "w.pt")


@pytest.mark.parametrize("matrix", list(MATRICES))
@settings(max_examples=40, deadline=None)
@given(
    luma=arrays(np.float32, (1, 1, 4, 5), elements=st.floats(0.0, 1.0, width=32)),
    head=arrays(np.float32, (1, 3, 4, 5), elements=st.floats(-20.0, 20.0, width=32)),
    gain=st.floats(0.1, 2.0),
)
def test_the_gamut_head_never_leaves_the_gamut(matrix, luma, head, gain):
    """Whatever the network's last layer says, the chroma it becomes at each pixel's luma is an
    R'G'B' colour inside [0, 1]: no colour is left to clipping."""
    model = Generator(GeneratorConfig(base=8, blocks=1, matrix=matrix, gain=gain))
    chroma = model._in_gamut(torch.from_numpy(luma), torch.from_numpy(head))  # (1, 2, 4, 5)
    ycc = np.concatenate([luma, chroma.numpy()], axis=1).transpose(0, 2, 3, 1).astype(np.float64)  # (1, 4, 5, 3)
    rgb = ycbcr_to_rgb(ycc, matrix)
    assert rgb.min() >= -1e-4 and rgb.max() <= 1 + 1e-4


def test_the_shipped_weights_leave_white_and_black_gray():
    model, _ = load_weights(shipped_weights())
    luma = torch.rand(1, 1, 64, 80)
    luma[..., :20, :] = 1.0  # white
    luma[..., -20:, :] = 0.0  # black
    with torch.inference_mode():
        chroma = model.eval()(luma)  # (1, 2, 64, 80)
    assert chroma[..., :20, :].abs().max() < 1e-4 and chroma[..., -20:, :].abs().max() < 1e-4


def test_the_confident_head_starts_with_the_gamut_heads_colour():
    from dataclasses import replace

    from filmcolor.models import with_confidence

    torch.manual_seed(0)
    gamut = Generator(GeneratorConfig(base=8, blocks=1, gain=1.0)).eval()
    confident = with_confidence(gamut, log_var=-4.0).eval()
    luma = torch.rand(1, 1, 24, 32)
    with torch.inference_mode():
        assert torch.allclose(confident(luma), gamut(luma), atol=1e-6)
        detail = confident(luma, detail=True)  # (1, 3, 24, 32): chroma and log variance
    assert detail.shape == (1, 3, 24, 32) and torch.allclose(detail[:, 2], torch.tensor(-4.0))
    with pytest.raises(ValueError):
        with_confidence(Generator(replace(GeneratorConfig(base=8, blocks=1), head="chroma")))


def test_the_confidence_table_shrinks_unsure_pixels_and_survives_saving(tmp_path):
    from dataclasses import replace

    from filmcolor.models import confidence, with_confidence

    model = with_confidence(Generator(GeneratorConfig(base=8, blocks=1))).eval()
    colour = torch.full((1, 2, 1, 1), 0.1)  # power 0.02
    sure, unsure = (
        confidence(torch.full((1, 1, 1, 1), -12.0), colour),
        confidence(torch.full((1, 1, 1, 1), 0.0), colour),
    )
    assert 0 < unsure < 0.01 < 0.9 < sure < 1
    assert confidence(torch.zeros(1, 1, 1, 1), torch.zeros(1, 2, 1, 1)) == 0  # gray: nothing to vouch for
    model.config = replace(model.config, confidence_edges=(0.2, 0.8), confidence_gains=(0.0, 1.0))
    conf = torch.tensor([0.0, 0.2, 0.5, 0.8, 1.0])
    assert torch.allclose(model.confidence_scale(conf), torch.tensor([0.0, 0.0, 0.5, 1.0, 1.0]))
    save_weights(model, tmp_path / "w.pt")
    loaded, _ = load_weights(tmp_path / "w.pt")
    assert loaded.config == model.config
    luma = torch.rand(1, 1, 16, 16)
    with torch.inference_mode():
        assert torch.equal(loaded(luma), model(luma))
    with pytest.raises(ValueError):
        replace(model.config, confidence_edges=(0.8, 0.2)).check()
