"""Recipe for the shipped weights' ONNX graph (filmcolor/shipped/generator-<fingerprint>.onnx),
which the CPU engine (`filmcolor.onnx_engine`) runs, so that no install exports it on first use.
Run it again whenever the shipped weights change; a test checks that the graph matches them.

    python pipelines/export_onnx.py
"""

from __future__ import annotations

import torch

from filmcolor.assets import shipped_onnx_folder, shipped_weights
from filmcolor.inference import load_model
from filmcolor.onnx_engine import export, fingerprint, graph_name


def main() -> None:
    model = load_model(shipped_weights(), torch.device("cpu"))
    folder = shipped_onnx_folder()
    for stale in folder.glob("generator-*.onnx"):
        stale.unlink()
    path = folder / graph_name(fingerprint(model))
    export(model, path)
    print(f"{path}: {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
