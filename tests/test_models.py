import pytest
import torch

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
