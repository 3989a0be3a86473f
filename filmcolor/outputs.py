"""Writing outputs safely: never over what the user has without --overwrite, never a partial
file, one writer at a time.

Every output is written under a temporary name beside its target and renamed onto it only
once complete, so an interrupted or failed run leaves the target as it was. The temporary name
is the target's own (`.NAME.part.EXT`), so a run killed with `kill -9` leaves at most one such
file per output, which the next run of the same command reuses; a lock beside the output
(`.NAME.filmcolor-lock`) keeps a second run from writing it at the same time.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, and no second render is stopped
    fcntl = None


def check_output(path: str | os.PathLike, overwrite: bool, inputs: tuple[Path, ...] = ()) -> Path:
    """Validate a target path before any work starts; returns it as a Path."""
    path = Path(path)
    if path.parent.exists() and not path.parent.is_dir():
        raise OutputError(f"{path.parent} is a file, not a folder: the output {path.name} cannot go inside it")
    if not path.parent.is_dir():
        raise OutputError(f"output folder {path.parent} does not exist; create it first")
    if path.is_dir():
        raise OutputError(f"output {path} is a folder; give a file name")
    if any(path.resolve() == Path(i).resolve() for i in inputs):
        raise OutputError(f"output {path} is also an input; choose another name")
    if path.exists() and not overwrite:
        raise OutputError(f"output {path} exists; pass --overwrite to replace it")
    return path


def part_path(path: Path) -> Path:
    """Where `path` is written until it is complete: beside it, named after it (same extension,
    so formats are still guessed right)."""
    return path.parent / f".{path.name}.part{path.suffix}"


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield `part_path(path)`; rename it onto `path` when the block succeeds, delete it when it
    fails. A part left by a killed run is simply written over."""
    tmp = part_path(path)
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def locked(path: Path, what: str = "filmcolor") -> Iterator[None]:
    """Hold the lock of output `path` while the block runs: OutputError, naming the holder's
    process, when another run holds it. The operating system drops the lock of a process that
    dies, even by `kill -9`, so a stale lock file never blocks anyone; it is removed on the way out."""
    lock = path.parent / f".{path.name}.filmcolor-lock"
    if fcntl is None:
        yield
        return
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            holder = lock.read_text().strip() or "another process"
            raise OutputError(f"{path} is being written by another {what} run ({holder}); wait for it to finish, or choose another output") from None
        if os.path.exists(lock) and os.stat(lock).st_ino == os.fstat(fd).st_ino:
            break  # ours, and still the file at that name (not one a finishing run just removed)
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"process {os.getpid()}".encode())
        yield
    finally:
        lock.unlink(missing_ok=True)
        os.close(fd)
