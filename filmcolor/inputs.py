"""The input paths: what is not a film file refused before FFmpeg sees it, with a message a user
can act on. Apart from `filmcolor.media` (FFmpeg, NumPy) so the command line can answer a
mistyped name before it loads anything heavy."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .errors import InputError


def check_input(path: str | Path) -> Path:
    """Refuse what is not a file before FFmpeg sees it, with a message a user can act on."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a film file")
    if path.stat().st_size == 0:
        raise InputError(f"{path} is empty")
    return path


def check_files(paths: Iterable[str | Path]) -> list[Path]:
    """Refuse a path that is not a file (a picture's, a hint's), saying whether it is there at all."""
    out = [Path(p) for p in paths]
    for p in out:
        if not p.is_file():
            raise InputError(f"{p} is not a file" if p.exists() else f"{p} does not exist")
    return out


def folder(path: str | Path, flag: str) -> Path:
    """The folder option `flag` names: InputError where none is given, or it names no folder."""
    if not str(path):
        raise InputError(f"{flag} is required: a folder of pictures")
    path = Path(path)
    if not path.is_dir():
        raise InputError(f"{flag} {path} is not a folder" if path.exists() else f"{flag} {path} does not exist")
    return path
