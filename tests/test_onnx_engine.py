"""The generator through ONNX Runtime (`filmcolor.onnx_engine`): the same chroma as torch's,
its graph exported once per set of weights, the shipped graph the shipped weights'."""

import av
import numpy as np
import pytest
import torch
from clirun import assert_one_line_error, run_cli
from configs import render_config
from testfilms import make_film

from filmcolor import onnx_engine
from filmcolor.assets import shipped_weights
from filmcolor.colour import CodeRange
from filmcolor.errors import InputError
from filmcolor.inference import Predictor, load_model
from filmcolor.render import render

CPU = torch.device("cpu")


def _codes(shape=(3, 90, 160), seed=0):
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 255, shape[-1])[None, None] * np.ones(shape)
    return np.clip(ramp + rng.normal(0, 20, shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("size", [(64, 36), (97, 53)])
def test_the_engines_give_the_same_chroma(tiny_weights, size):
    """Within a tenth of an 8-bit chroma code, at any working size (the graph's size is free)."""
    model = load_model(tiny_weights, CPU)
    codes = list(_codes())
    by_torch = Predictor(model, CPU, CodeRange(), size, engine="torch").submit(codes).result()[1]
    onnx = Predictor(model, CPU, CodeRange(), size, engine="onnx")
    assert onnx.engine == "onnx" and isinstance(onnx.run, onnx_engine.OnnxGenerator)
    by_onnx = onnx.submit(codes).result()[1]
    assert by_onnx.shape == by_torch.shape == (3, 2, size[1], size[0])
    assert np.abs(by_onnx - by_torch).max() < 1e-4


def test_auto_is_onnx_on_the_cpu_and_torch_for_compile_or_cuda():
    assert onnx_engine.choose("auto", CPU, compile=False) == "onnx"
    assert onnx_engine.choose("auto", CPU, compile=True) == "torch"
    assert onnx_engine.choose("auto", torch.device("cuda"), compile=False) == "torch"
    assert onnx_engine.choose("torch", CPU, compile=False) == "torch"


def test_a_graph_is_exported_once_per_set_of_weights(tiny_weights, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    exported = []
    real = onnx_engine.export
    monkeypatch.setattr(onnx_engine, "export", lambda model, path: (exported.append(path), real(model, path)))
    model = load_model(tiny_weights, CPU)
    first = onnx_engine.graph_for(model)
    assert onnx_engine.graph_for(load_model(tiny_weights, CPU)) == first  # the same weights: the same graph
    assert exported == [first] and first.parent == tmp_path / "cache" / "filmcolor" / "onnx"
    with torch.no_grad():
        model.stem[0].bias += 0.1  # other weights: another graph, never the stale one
    assert onnx_engine.graph_for(model) != first and len(exported) == 2


def test_the_shipped_graph_is_the_shipped_weights(tmp_path, monkeypatch):
    """No install exports the shipped weights' graph: it ships beside them
    (pipelines/export_onnx.py), and computes what they compute."""
    monkeypatch.setattr(onnx_engine, "export", lambda *a: pytest.fail("exported the shipped weights' graph"))
    model = load_model(shipped_weights(), CPU)
    graph = onnx_engine.graph_for(model)
    assert graph.parent == shipped_weights().parent
    x = torch.rand(2, 1, 64, 112)
    with torch.no_grad():
        want = model(x).numpy()
    got = onnx_engine.OnnxGenerator(model, 1)(x).numpy()
    assert np.abs(got - want).max() < 1e-4


def test_the_shipped_int8_graph_is_the_shipped_weights(tiny_weights):
    """`--engine onnx-int8` runs the int8 graph shipped beside the weights (its colour checked on
    the validation split: docs/benchmarks.md); close to fp32's on a picture, not equal."""
    model = load_model(shipped_weights(), CPU)
    assert onnx_engine.int8_graph_for(model).parent == shipped_weights().parent
    x = torch.from_numpy(_codes((1, 1, 64, 112)).astype(np.float32) / 255.0)
    fp32 = onnx_engine.OnnxGenerator(model, 1)(x).numpy()
    int8 = onnx_engine.OnnxGenerator(model, 1, int8=True)(x).numpy()
    assert int8.shape == fp32.shape and 0 < np.abs(int8 - fp32).mean() < 0.01  # under 2.5 codes on average
    with pytest.raises(InputError, match="--engine onnx"):
        onnx_engine.int8_graph_for(load_model(tiny_weights, CPU))  # no int8 graph but the shipped weights'


def test_renders_by_either_engine_differ_by_at_most_one_code(tmp_path, tiny_weights):
    src = make_film(tmp_path / "in.mp4", width=96, height=64, frames=6)
    planes = {}
    for engine in ("torch", "onnx"):
        out = tmp_path / f"{engine}.mkv"
        render(src, out, render_config(weights=tiny_weights, codec="ffv1", engine=engine))
        with av.open(str(out)) as c:
            planes[engine] = np.stack([f.to_ndarray() for f in c.decode(video=0)]).astype(int)
    assert planes["torch"].shape == planes["onnx"].shape
    assert np.abs(planes["torch"] - planes["onnx"]).max() <= 1


@pytest.mark.slow
def test_a_render_by_the_int8_graph_keeps_the_luma_and_stays_near_fp32s_colour(tmp_path):
    src = make_film(tmp_path / "in.mp4", width=96, height=64, frames=4)
    planes = {}
    for engine in ("onnx", "onnx-int8"):
        out = tmp_path / f"{engine}.mkv"
        # unsmoothed: each frame the graph's own colour (smoothing would hold the first frame's difference)
        render(
            src,
            out,
            render_config(weights=shipped_weights(), codec="ffv1", engine=engine, pix_fmt="yuv444p", smooth=False),
        )
        with av.open(str(out)) as c:
            planes[engine] = np.stack([f.to_ndarray() for f in c.decode(video=0)]).astype(int)  # (T, 3, H, W)
    luma, chroma = (planes["onnx"] - planes["onnx-int8"])[:, 0], (planes["onnx"] - planes["onnx-int8"])[:, 1:]
    assert not luma.any() and chroma.any() and np.abs(chroma).mean() < 2


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--engine", "onnx", "--compile"], "--compile"),
        (["--engine", "onnx", "--device", "cuda"], "--engine onnx runs on the CPU only"),
        (["--engine", "onnx-int8", "--device", "cuda"], "--engine onnx-int8 runs on the CPU only"),
        (["--engine", "tensorflow"], "--engine"),
    ],
)
def test_engine_options_that_cannot_run_get_one_line(tmp_path, capsys, args, expected):
    src = make_film(tmp_path / "in.mp4")
    code, err = run_cli(["render", src, "-o", tmp_path / "out.mp4", *args], capsys)
    assert_one_line_error(code, err, expected)
    assert not (tmp_path / "out.mp4").exists()
