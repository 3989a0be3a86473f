"""What the recipes share, written once: where the repository and the training corpus are, the
line that says which machine a figure was measured on, and how results are written (printed as
JSON; into docs/evaluation.md, where each recipe owns a section between `<!-- NAME -->` and
`<!-- /NAME -->`, rewritten whole each time it runs, the rest left as it is)."""

from __future__ import annotations

import json
import platform
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository
CORPUS = Path.home() / ".cache" / "filmcolor" / "corpus"  # pipelines/corpus.py's work folder by default
TITLE = "# Evaluation: filmcolor on films with a known colour truth\n\nEach section below is written by the recipe it names; every film in it comes from the corpus' test split (docs/corpus.md) or the held-out sample, never from what the weights trained on.\n"


def machine(device: str = "CPU") -> str:
    """Where a figure was measured, recorded beside it ('x86_64, 2 threads, torch 2.14.1, CPU'):
    speeds are compared only between runs on the same machine, and this says which one it was."""
    import torch  # here, not at the top: the recipes that import this module without measuring need no torch

    return f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}, {device}"


def print_json(results: dict, path: Path | None = None) -> None:
    """`results` on stdout as JSON, and into `path` too when one is given."""
    text = json.dumps(results, indent=1)
    print(text)
    if path is not None:
        path.write_text(text + "\n")


def write_section(path: Path, name: str, markdown: str) -> None:
    """Put `markdown` in `path` as the section `name`, replacing the one there (or adding it)."""
    text = path.read_text() if path.exists() else TITLE
    block = f"<!-- {name} -->\n{markdown.strip()}\n<!-- /{name} -->\n"
    pattern = re.compile(rf"<!-- {re.escape(name)} -->.*?<!-- /{re.escape(name)} -->\n?", re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block
    path.write_text(text)


def fmt(x, spec: str) -> str:
    """A number for a table: '-' for none, 'inf' for infinity."""
    return "-" if x is None else ("inf" if x == "inf" else format(x, spec))
