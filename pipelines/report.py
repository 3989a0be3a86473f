"""Writing the recipes' results into docs/: each recipe owns a section of docs/evaluation.md
(between `<!-- NAME -->` and `<!-- /NAME -->`), rewritten whole each time it runs, the rest left as it is."""

from __future__ import annotations

import re
from pathlib import Path

TITLE = "# Evaluation: filmcolor on films with a known colour truth\n\nEach section below is written by the recipe it names; every film in it comes from the corpus' test split (docs/corpus.md) or the held-out sample, never from what the weights trained on.\n"


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
