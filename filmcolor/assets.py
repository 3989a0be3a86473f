"""The files filmcolor ships with and uses by default: the generator's weights and the small
colour set `train` takes as domain B. They are package data (filmcolor/shipped/, in the wheel),
each resolved here and nowhere else."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _asset(name: str) -> Path:
    """A file or folder of filmcolor/shipped, as a path: installed packages are unpacked on disk."""
    return Path(str(resources.files("filmcolor") / "shipped" / name))


def shipped_weights() -> Path:
    """The default generator weights (their model card: weights/README.md in the repository)."""
    return _asset("filmcolor.pt")


def shipped_onnx_folder() -> Path:
    """Where the shipped weights' ONNX graph lies (`filmcolor.onnx_engine`), beside them."""
    return _asset("")


def shipped_colour_set() -> Path:
    """The default domain B of `filmcolor train`: a folder of colour photographs."""
    return _asset("colour")


def weights_path(weights: str | Path | None) -> Path:
    """The weights file a command uses: the user's, or the shipped default."""
    return Path(weights) if weights else shipped_weights()
