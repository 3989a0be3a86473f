"""The batch predictor (`filmcolor.inference.Predictor`): the CPU path, the torch resizing the
GPU uses (run here on the CPU), and the CUDA path where there is a GPU."""

import numpy as np
import pytest
import torch
from configs import render_config
from testfilms import make_film

from filmcolor.colour import CodeRange
from filmcolor.inference import Predictor, load_model, to_working, working_luma, working_size
from filmcolor.render import render


def _codes(bits=8, shape=(3, 90, 160), seed=0):
    rng = np.random.default_rng(seed)
    peak = (1 << bits) - 1
    base = np.linspace(0, peak, shape[-1])[None, None] * np.ones(shape)  # a ramp, plus noise
    return np.clip(base + rng.normal(0, peak / 50, shape), 0, peak).astype(np.uint8 if bits <= 8 else np.uint16)


@pytest.mark.parametrize("code_range", [CodeRange(8, False), CodeRange(8, True), CodeRange(10, False)])
@pytest.mark.parametrize("size", [(80, 45), (64, 36), (320, 180)])
def test_torch_resizing_matches_opencv(code_range, size):
    codes = _codes(code_range.bits)
    ours = working_luma(torch.from_numpy(codes.astype(np.int32)), code_range, size).numpy()  # (B, h, w)
    ref = np.stack([to_working(c, code_range, size) for c in codes])
    assert ours.shape == ref.shape == (3, size[1], size[0])
    # OpenCV resizes the codes (rounding to whole codes), torch the floats: half a code apart at most,
    # plus the filters' edge handling
    assert np.abs(ours - ref).mean() < 1.0 / 219
    assert 0.0 <= ours.min() and ours.max() <= 1.0


@pytest.mark.parametrize("width, height", [(1920, 1080), (1440, 1080), (720, 576), (175, 143)])
def test_the_gpus_resizing_is_the_cpus_to_a_code(width, height):
    """torch (what CUDA runs; here on CPU tensors) and OpenCV give the same working luma within
    one 8-bit code, at ratios that are not whole numbers, shrinking and enlarging."""
    rng = np.random.default_rng(0)
    ramp = np.linspace(16, 235, width)[None] * np.ones((height, 1))
    ramp[height // 3 : height // 2, width // 3 : width // 2] = 235  # a sharp bright block
    ramp[::7] = 16  # and dark lines
    codes = np.clip(ramp + rng.normal(0, 8, ramp.shape), 0, 255).astype(np.uint8)
    size = working_size(width, height, 256)
    for code_range in (CodeRange(8, False), CodeRange(8, True)):
        cpu = to_working(codes, code_range, size)
        torch_path = working_luma(torch.from_numpy(codes[None].astype(np.int32)), code_range, size)[0].numpy()
        assert torch_path.shape == cpu.shape == (size[1], size[0])
        assert np.abs(torch_path - cpu).max() <= 1.0 / 219


def test_the_cpu_predictor_is_a_pure_function_of_each_frame(tiny_weights):
    """A frame's chroma does not depend on the frames batched with it or before it."""
    model = load_model(tiny_weights, torch.device("cpu"))
    codes = _codes()
    p = Predictor(model, torch.device("cpu"), CodeRange(), (64, 36))
    work, chroma = p.submit(list(codes)).result()
    assert work.shape == (3, 36, 64) and chroma.shape == (3, 2, 36, 64)
    np.testing.assert_allclose(work, np.stack([to_working(c, CodeRange(), (64, 36)) for c in codes]))
    for i in (2, 0, 1):
        _, alone = p.submit([codes[i]]).result()
        np.testing.assert_allclose(alone[0], chroma[i], atol=1e-5)
    assert np.abs(chroma[0] - chroma[2]).max() > 1e-4  # other frames, other colour: the model did look


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("amp", ["off", "bf16"])
def test_the_cuda_predictor_agrees_with_the_cpu(tiny_weights, amp):
    codes = _codes()
    cpu = Predictor(load_model(tiny_weights, torch.device("cpu")), torch.device("cpu"), CodeRange(), (64, 36))
    gpu = Predictor(
        load_model(tiny_weights, torch.device("cuda")), torch.device("cuda"), CodeRange(), (64, 36), amp=amp
    )
    pending = [gpu.submit(list(codes)) for _ in range(3)]  # several in flight at once
    want = cpu.submit(list(codes)).result()[1]
    for p in pending:
        work, chroma = p.result()
        assert np.abs(chroma - want).max() < (0.02 if amp == "off" else 0.08)
    assert 1 <= gpu.auto_batch_size((90, 160), np.uint8) <= 64


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_cuda_render_keeps_every_frame(tmp_path, tiny_weights):
    film = make_film(tmp_path / "in.mp4", frames=12)
    r = render(film, tmp_path / "out.mp4", render_config(weights=tiny_weights, device="cuda", model_size=32))
    assert r.frames == 12
