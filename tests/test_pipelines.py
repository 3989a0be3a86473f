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
