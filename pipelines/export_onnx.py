"""Recipe for the shipped weights' ONNX graphs (filmcolor/shipped/generator-<fingerprint>.onnx
and generator-<fingerprint>-int8.onnx), which the CPU engines (`filmcolor.onnx_engine`: `--engine
onnx`, `--engine onnx-int8`) run, so that no install exports one on first use. Run it again
whenever the shipped weights change; a test checks that the graphs match them.

    python pipelines/corpus.py && python pipelines/export_onnx.py

The int8 graph: ONNX Runtime's static quantization of the inner convolutions (the first and the
last kept in float; QDQ, weights int8 per channel, activations uint8), calibrated (MinMax) on
the corpus' validation split at the working size. Quantizing every operator ONNX Runtime can
(the norms and the chroma head's table too) cost 4.4 dB of validation PSNR; the inner
convolutions alone keep it (docs/benchmarks.md: pipelines/bench_engines.py measures both).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch
from train_weights import validation

from filmcolor.assets import shipped_onnx_folder, shipped_weights
from filmcolor.colour import PICTURE
from filmcolor.inference import load_model, to_working, working_size
from filmcolor.onnx_engine import export, fingerprint, graph_name, int8_graph_name

KEPT_FLOAT = ["/stem/stem.0/Conv", "/head/Conv"]  # the first and last convolutions: the luma in, the chroma out


def quantize(fp32: Path, int8: Path, pictures: list, convs_only: bool = True) -> None:
    """The int8 graph of `fp32`, calibrated on `pictures`' luma at the working size. With
    `convs_only`, only the convolutions between the first and the last (where the time goes);
    else every operator ONNX Runtime quantizes (the norms, the chroma head's table too)."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.items = iter(
                {"luma": to_working(luma, PICTURE, working_size(luma.shape[1], luma.shape[0], 256))[None, None]}
                for _, _, luma in pictures
            )

        def get_next(self):
            return next(self.items, None)

    with tempfile.TemporaryDirectory() as tmp:  # the shape-inferred graph quantization starts from
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(fp32), str(prepared))
        quantize_static(
            str(prepared),
            str(int8),
            Reader(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            weight_type=QuantType.QInt8,
            activation_type=QuantType.QUInt8,
            **({"op_types_to_quantize": ["Conv"], "nodes_to_exclude": KEPT_FLOAT} if convs_only else {}),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("~/.cache/filmcolor/corpus").expanduser())
    args = parser.parse_args()
    model = load_model(shipped_weights(), torch.device("cpu"))
    folder = shipped_onnx_folder()
    for stale in folder.glob("generator-*.onnx"):
        stale.unlink()
    key = fingerprint(model)
    path = folder / graph_name(key)
    export(model, path)
    int8 = folder / int8_graph_name(key)
    quantize(path, int8, validation(args.corpus, video=True))
    for p in (path, int8):
        print(f"{p}: {p.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
