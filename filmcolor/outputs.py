"""Writing outputs safely: never over what the user has without --overwrite, never a partial file.

Every output is written under a temporary name beside its target and renamed onto it only
once complete, so an interrupted or failed run leaves the target as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError


def check_output(path: str | os.PathLike, overwrite: bool, inputs: tuple[Path, ...] = ()) -> Path:
    """Validate a target path before any work starts; returns it as a Path."""
    path = Path(path)
    if not path.parent.is_dir():
        raise OutputError(f"output folder {path.parent} does not exist; create it first")
    if path.is_dir():
        raise OutputError(f"output {path} is a folder; give a file name")
    if any(path.resolve() == Path(i).resolve() for i in inputs):
        raise OutputError(f"output {path} is also an input; choose another name")
    if path.exists() and not overwrite:
        raise OutputError(f"output {path} exists; pass --overwrite to replace it")
    return path


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path` (same suffix, so formats are still guessed right);
    rename it onto `path` when the block succeeds, delete it when it fails."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".part{path.suffix}", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
