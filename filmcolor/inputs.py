"""The input paths: what is not a film file refused before FFmpeg sees it, with a message a user
can act on. Apart from `filmcolor.media` (FFmpeg, NumPy) so the command line can answer a
mistyped name before it loads anything heavy."""

from __future__ import annotations

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
