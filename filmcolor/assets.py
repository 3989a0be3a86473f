"""The files filmcolor ships with and uses by default: the generator's weights and the small
colour set `train` takes as domain B. Each is resolved here and nowhere else."""

from __future__ import annotations

from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def shipped_weights() -> Path:
    """The default generator weights (their model card: weights/README.md)."""
    return _ROOT / "weights" / "filmcolor.pt"


def shipped_colour_set() -> Path:
    """The default domain B of `filmcolor train`: a folder of colour photographs."""
    return _ROOT / "samples" / "colour"


def weights_path(weights: str | Path | None) -> Path:
    """The weights file a command uses: the user's, or the shipped default."""
    return Path(weights) if weights else shipped_weights()
