"""Benchmark of the CPU engines for the generator: ONNX Runtime (the render's), OpenVINO, and
ONNX Runtime on an int8 graph (static quantization, calibrated on the validation split).

    pip install openvino && python pipelines/corpus.py && python pipelines/bench_engines.py --work /tmp/fc-engines

- Speed: the shipped generator on a batch of 4 at the 1080p working size (455x256), 2 threads,
  the engines taking turns for `--rounds` rounds (a machine's load drifting over the run falls
  on all of them alike); the median ms a frame of each. torch (eager) is the reference.
- Agreement: each engine's largest difference from torch's chroma on that batch.
- Quality, for int8: the validation
  split's pictures, clean, as old film and as camera video (`train_weights.validation`),
  coloured as the render colours them with the fp32 graph and with the int8 graph, scored as
  the weights were chosen (`train_weights.score`: RGB PSNR against the truth, colourfulness
  against the truth's). The bar (issue 31): int8 only where the PSNR stays within 0.02 dB and
  the colourfulness within 2% of fp32's.
The int8 graph is calibrated on the same validation pictures at the working size (MinMax,
QDQ, weights int8 per channel, activations uint8), as the issue asks: the test split is never
looked at. By default only the convolutions are quantized, the first and the last kept in
float (`--int8-all`: every operator ONNX Runtime can quantize).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from export_onnx import quantize
from train_weights import score, validation

from filmcolor import onnx_engine
from filmcolor.assets import shipped_weights
from filmcolor.inference import load_model

BATCH, SIZE, THREADS = 4, (455, 256), 2  # the render's batch on the CPU, the 1080p working size (w, h)


def ort_session(path: Path):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = THREADS, 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # as the render runs it
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return lambda x: session.run(["chroma"], {"luma": x})[0]


def openvino_model(path: Path, precision: str | None = "f32"):
    """OpenVINO's CPU plugin on the same graph; `precision` None: its own choice (bf16 on a CPU
    with AVX-512 BF16, which does not agree with torch within a code)."""
    import openvino as ov

    config: dict = {"INFERENCE_NUM_THREADS": THREADS, "PERFORMANCE_HINT": "LATENCY"}
    if precision:
        config["INFERENCE_PRECISION_HINT"] = precision
    compiled = ov.Core().compile_model(str(path), "CPU", config)
    request = compiled.create_infer_request()
    return lambda x: request.infer({0: x})[0]


def speed(engines: dict, rounds: int) -> dict[str, float]:
    """Median ms a frame of each engine on the same batch, in turns."""
    x = np.random.default_rng(0).random((BATCH, 1, SIZE[1], SIZE[0]), dtype=np.float32)
    for run in engines.values():
        run(x)  # warm-up: first-call allocations, OpenVINO's compile
    times: dict[str, list[float]] = {name: [] for name in engines}
    rng = random.Random(0)
    for _ in range(rounds):
        for name in rng.sample(list(engines), len(engines)):
            t0 = time.perf_counter()
            engines[name](x)
            times[name].append((time.perf_counter() - t0) * 1000 / BATCH)
    return {name: round(statistics.median(t), 1) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=Path("~/.cache/filmcolor/corpus").expanduser())
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--no-quality", action="store_true", help="speed only")
    parser.add_argument(
        "--int8-all", action="store_true", help="quantize every operator, not only the inner convolutions"
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(THREADS)
    model = load_model(shipped_weights(), torch.device("cpu"))
    fp32 = onnx_engine.graph_for(model)
    pictures = validation(args.corpus, video=True)
    int8 = args.work / f"generator-int8-{'all' if args.int8_all else 'convs'}.onnx"
    if not int8.exists():
        quantize(fp32, int8, pictures, convs_only=not args.int8_all)

    def torch_run(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return model(torch.from_numpy(x)).numpy()

    engines = {"torch": torch_run, "onnxruntime": ort_session(fp32), "onnxruntime int8": ort_session(int8)}
    try:
        engines["openvino"] = openvino_model(fp32)
        engines["openvino, its default precision"] = openvino_model(fp32, None)
    except ImportError:
        print("openvino is not installed: pip install openvino")
    x = np.random.default_rng(1).random((BATCH, 1, SIZE[1], SIZE[0]), dtype=np.float32)
    reference = torch_run(x)
    agree = {name: float(np.abs(run(x) - reference).max()) for name, run in engines.items()}
    result: dict = {"ms_a_frame": speed(engines, args.rounds), "max_abs_vs_torch": agree}
    print(json.dumps(result, indent=1), flush=True)
    if not args.no_quality:
        graph_for = onnx_engine.graph_for
        scores = {}
        for name, graph in (("fp32", fp32), ("int8", int8)):
            onnx_engine.graph_for = lambda _model, graph=graph: graph  # the render's ONNX path, this graph
            scores[name] = score(model, pictures, torch.device("cpu"))
        onnx_engine.graph_for = graph_for
        result["validation"] = scores
        result["int8_psnr_change_db"] = round(scores["int8"]["rgb_psnr_db"] - scores["fp32"]["rgb_psnr_db"], 3)
        result["int8_colourfulness_change"] = round(
            scores["int8"]["colourfulness_ratio"] / scores["fp32"]["colourfulness_ratio"] - 1, 4
        )
        print(json.dumps(result, indent=1))
    (args.work / "bench_engines.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
