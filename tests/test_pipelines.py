"""Every recipe in pipelines/ imports: a rename in filmcolor that a recipe still uses fails here,
not months later when someone reruns it."""

import importlib
import sys
from pathlib import Path

import pytest

PIPELINES = Path(__file__).resolve().parents[1] / "pipelines"


@pytest.mark.parametrize("script", sorted(p.stem for p in PIPELINES.glob("*.py")))
def test_every_recipe_imports(script, monkeypatch):
    monkeypatch.syspath_prepend(str(PIPELINES))  # the recipes import each other by name, as when run
    module = importlib.import_module(script)
    assert module.__doc__, f"pipelines/{script}.py says nothing of what it is for"
    sys.modules.pop(script, None)


def test_the_hints_evaluation_places_hints_as_a_colourist_would(monkeypatch):
    """eval_hints' strokes: one in each of the largest regions of the truth, inside it, in its
    mean colour; its random hints: 3x3 points of the truth's colour there."""
    import numpy as np

    monkeypatch.syspath_prepend(str(PIPELINES))
    eval_hints = importlib.import_module("eval_hints")
    rgb = np.zeros((48, 64, 3), np.uint8)
    rgb[:, :32], rgb[:, 32:] = (200, 40, 40), (40, 40, 200)
    cbcr = eval_hints.rgb_to_ycbcr(rgb.astype(np.float32) / 255.0, "bt601")[..., 1:]
    labels = eval_hints.regions(rgb)
    chroma, known = eval_hints.colourist_hints(labels, cbcr, 2)
    assert 0 < known.sum() < 0.1 * known.size
    assert np.abs(chroma[known] - cbcr[known]).max() < 1e-5  # each region one colour: its mean is its own
    chroma, known = eval_hints.random_hints(cbcr, 3, 0)
    assert 0 < known.sum() <= 27 and np.abs(chroma[known] - cbcr[known]).max() < 1e-5
    sys.modules.pop("eval_hints", None)
