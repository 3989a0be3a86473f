"""The studio's token, kept from one start to the next on the same keyframes folder.

A tab left open while the studio is restarted (same port) still holds the token in its page
and its cookie: with a new token each start, every request of that tab was refused, and the
strokes painted in it were not saved. So the token is kept in a file beside the folder's lock
(`.NAME.studio-token`, next to `.NAME.filmcolor-lock`), not inside the folder, where
`filmcolor keyframes --overwrite` would take it for a file of the user's. The file is readable
by its owner only (mode 0600); one that another user could read or write, or that is not a
plain file (a link put there), is not trusted: a new token is made and kept in its place.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from pathlib import Path

TOKEN = re.compile(r"[A-Za-z0-9_-]{32,128}")  # what secrets.token_urlsafe(24) makes, and no shorter


def token_path(folder: Path) -> Path:
    """Where the token of the studio on keyframes folder `folder` is kept: beside its lock."""
    folder = Path(os.path.abspath(folder))
    return folder.parent / f".{folder.name}.studio-token"


def studio_token(folder: Path) -> str:
    """The token kept for `folder` when it is the user's own and private, else a new one, kept."""
    path = token_path(folder)
    kept = _read(path)
    if kept is not None:
        return kept
    token = secrets.token_urlsafe(24)
    _write(path, token)
    return token


def _read(path: Path) -> str | None:
    """The token in `path`; None when there is none, or it may have been read or put there by another user."""
    try:  # (not blocking on a pipe put there: it is refused below, unread)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        owner = getattr(os, "getuid", None)
        if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077 or (owner is not None and info.st_uid != owner()):
            return None
        text = file.read(256).decode("ascii", "replace").strip()
    return text if TOKEN.fullmatch(text) else None


def _write(path: Path, token: str) -> None:
    """Keep `token` in `path`, mode 0600 from its creation on (never readable by others, even for a moment)."""
    part = path.with_name(path.name + ".part")
    part.unlink(missing_ok=True)
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(token + "\n")
    os.replace(part, path)
