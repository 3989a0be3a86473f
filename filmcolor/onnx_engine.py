"""The generator on the CPU through ONNX Runtime: the same graph as torch's, run faster.

On the 2-core CPU the generator is the render's largest stage. ONNX Runtime's CPU provider runs
the exported graph about 1.5-3x faster than torch's eager mode (graph fusion, its own
convolution kernels; docs/benchmarks.md), and agrees with it within 1e-4 of chroma (a tenth of
an 8-bit code). torch stays the path on CUDA, and for `--compile`.

The graph is exported once per set of weights, never on every render: the shipped weights'
graph ships beside them (`pipelines/export_onnx.py`), and any other weights' graph is exported
on first use into the user's cache, named by a fingerprint of the weights' values, so a
retrained model never meets a stale graph.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import torch

from .assets import shipped_onnx_folder
from .errors import InputError
from .models import Generator

OPSET = 17  # ONNX opset the graph is exported at: ONNX Runtime 1.17 and later run it


def fingerprint(model: Generator) -> str:
    """sha256 of what the generator computes: its config and every weight's values, in order."""
    digest = hashlib.sha256(repr(model.config).encode())
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def cache_folder() -> Path:
    """Where graphs of the user's own weights are kept: $XDG_CACHE_HOME/filmcolor/onnx."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "filmcolor" / "onnx"


def graph_name(key: str) -> str:
    return f"generator-{key[:16]}.onnx"


def export(model: Generator, path: Path) -> None:
    """Write `model`'s graph to `path` (via a temporary name, so a half-written graph is never
    taken): luma (B, 1, H, W) in, chroma (B, 2, H, W) out, batch and size free."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    example = torch.rand(1, 1, 64, 96)
    with warnings.catch_warnings(), redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")  # the exporter's notes on instance norm and tracing: about training
        torch.onnx.export(
            model.cpu().eval(),
            (example,),
            str(part),
            dynamo=False,  # the TorchScript exporter: no onnxscript needed, dynamic sizes kept
            input_names=["luma"],
            output_names=["chroma"],
            dynamic_axes={
                "luma": {0: "batch", 2: "height", 3: "width"},
                "chroma": {0: "batch", 2: "height", 3: "width"},
            },
            opset_version=OPSET,
        )
    part.replace(path)


def int8_graph_name(key: str) -> str:
    return f"generator-{key[:16]}-int8.onnx"


def int8_graph_for(model: Generator) -> Path:
    """The int8 graph of `model`'s weights (`--engine onnx-int8`): only the shipped weights have
    one, calibrated on the corpus' validation split and checked there (pipelines/export_onnx.py,
    docs/benchmarks.md); other weights would need pictures to calibrate on and a check of what
    8 bits cost them, so InputError."""
    path = shipped_onnx_folder() / int8_graph_name(fingerprint(model))
    if not path.is_file():
        raise InputError(
            "--engine onnx-int8 runs the shipped weights' int8 graph, and these weights have none: use --engine onnx"
        )
    return path


def graph_for(model: Generator) -> Path:
    """The graph of `model`'s weights: shipped, cached, or exported now into the cache."""
    name = graph_name(fingerprint(model))
    shipped = shipped_onnx_folder() / name
    if shipped.is_file():
        return shipped
    cached = cache_folder() / name
    if not cached.is_file():
        export(model, cached)
    return cached


class OnnxGenerator:
    """A generator called like the torch module, (B, 1, h, w) luma tensor -> (B, 2, h, w)
    chroma tensor, run by ONNX Runtime's CPU provider on `threads` threads; with `int8`, its
    int8 graph (`int8_graph_for`)."""

    def __init__(self, model: Generator, threads: int, int8: bool = False) -> None:
        import onnxruntime as ort  # only the CPU engine needs it

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: its notes are not the user's
        # threads that wait spinning take the cores the decoder, smoother and encoder share
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        graph = int8_graph_for(model) if int8 else graph_for(model)
        self.session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])

    def __call__(self, luma: torch.Tensor) -> torch.Tensor:
        x = np.ascontiguousarray(luma.detach().cpu().numpy(), dtype=np.float32)  # (B, 1, h, w)
        (chroma,) = self.session.run(["chroma"], {"luma": x})
        return torch.from_numpy(chroma)  # (B, 2, h, w)


def available() -> bool:
    """Whether ONNX Runtime is installed (it is a dependency; a trimmed environment may lack it)."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def choose(engine: str, device: torch.device, compile: bool) -> str:
    """The engine a run uses: `auto` is ONNX Runtime on the CPU (measured faster there) unless
    `--compile` asks for torch, and torch on CUDA."""
    if engine != "auto":
        return engine
    return "onnx" if device.type == "cpu" and not compile and available() else "torch"
