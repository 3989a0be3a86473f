"""Writing outputs safely: never over what the user has without --overwrite, never a partial
file, one writer at a time.

Every output is written under a temporary name beside its target and renamed onto it only
once complete, so an interrupted or failed run leaves the target as it was. The temporary name
is the target's own (`.NAME.part.EXT`), so a run killed with `kill -9` leaves at most one such
file per output, which the next run of the same command reuses; a lock beside the output
(`.NAME.filmcolor-lock`) keeps a second run from writing it at the same time.

A command that writes a folder (extract, keyframes) writes it whole into `.NAME.part` and
swaps it in (`folder_output`). Its listing file (manifest.json, keyframes.json) names every
file it wrote, so --overwrite replaces a folder holding those and nothing else, and refuses
one holding anything the user put there.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, and no second render is stopped
    fcntl = None  # type: ignore[assignment]


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


NAME_MAX = 255  # bytes in one file name, on every common file system


def beside(path: Path, suffix: str) -> Path:
    """The hidden file `.NAME{suffix}` beside `path`, where filmcolor keeps what it needs while
    writing `path` (its lock, its part, its work folder). A legal output name near the limit
    would make that name too long for the file system, so the name is then cut and a hash of
    the whole name added: still one name per output, still telling whose it is."""
    name = f".{path.name}{suffix}"
    if len(os.fsencode(name)) <= NAME_MAX:
        return path.parent / name
    digest = hashlib.sha256(os.fsencode(path.name)).hexdigest()[:16]
    room = NAME_MAX - len(os.fsencode(f".~{digest}{suffix}"))
    stem = os.fsencode(path.name)[:room].decode(errors="ignore")  # not cut inside a character
    return path.parent / f".{stem}~{digest}{suffix}"


def part_path(path: Path) -> Path:
    """Where `path` is written until it is complete: beside it, named after it (same extension,
    so formats are still guessed right)."""
    return beside(path, f".part{path.suffix}")


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
    """Hold the lock of output `path` while the block runs, as command `what`: OutputError,
    naming the holder's command and process, when another run holds it. The operating system drops the lock of a process that
    dies, even by `kill -9`, so a stale lock file never blocks anyone; it is removed on the way out."""
    lock = beside(path, ".filmcolor-lock")
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
            raise OutputError(
                f"{path} is being written by another run ({holder}); wait for it to finish, or choose another output"
            ) from None
        if os.path.exists(lock) and os.stat(lock).st_ino == os.fstat(fd).st_ino:
            break  # ours, and still the file at that name (not one a finishing run just removed)
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"filmcolor {what}, process {os.getpid()}".encode())
        yield
    finally:
        lock.unlink(missing_ok=True)
        os.close(fd)


@dataclass(frozen=True)
class FolderKind:
    """What one command writes as a folder of its own: how to tell that folder, and every file
    in it, from what the user keeps there."""

    command: str  # the command's name, for messages and the lock: "extract", "keyframes"
    listing: str  # the JSON file it writes last, naming the rest: "manifest.json"
    format: str  # that file's "format" tag: "filmcolor-extract"
    files: Callable[[dict], list[str]]  # the names of the other files a listing says were written
    # folders in it that hold only copies of its files (the studio's for a render), never the user's own
    copies: tuple[str, ...] = ()


def written_files(folder: Path, kind: FolderKind) -> set[str] | None:
    """The names of the files `kind`'s command wrote into `folder` (its listing among them), or
    None when `folder` holds no readable listing of that kind."""
    try:
        listing = json.loads((folder / kind.listing).read_text())
        names = set(kind.files(listing)) if isinstance(listing, dict) and listing.get("format") == kind.format else None
    except (OSError, ValueError, TypeError, KeyError, AttributeError):  # unreadable or not of this kind
        return None
    return None if names is None else names | {kind.listing}


def _foreign(folder: Path, kind: FolderKind) -> list[str]:
    """What in `folder` its command did not write: everything, when it holds no listing (a
    folder of copies, left by a killed studio, is not the user's: it goes with the folder)."""
    ours = written_files(folder, kind) or set()
    copies = set(kind.copies) if ours else set()
    return sorted(
        p.name + ("/" if p.is_dir() else "")
        for p in folder.iterdir()
        if not (p.name in ours and p.is_file() and not p.is_symlink())
        and not (p.name in copies and p.is_dir() and not p.is_symlink())
    )


def check_folder(path: str | os.PathLike, kind: FolderKind, overwrite: bool) -> bool:
    """Refuse, before any work, a folder target that would lose what the user has; True when it
    holds an earlier output of `kind`'s command that --overwrite lets it replace."""
    path = Path(path)
    parent = Path(os.path.abspath(path)).parent
    if not parent.is_dir():
        raise OutputError(f"output folder {parent} does not exist; create it first")
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path} is a file; give a folder for the {kind.command} output")
    if not path.is_dir() or not any(path.iterdir()):
        return False
    foreign = _foreign(path, kind)
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        if written_files(path, kind) is None:
            raise OutputError(
                f"{path} exists and is not empty ({shown}), and is no earlier filmcolor {kind.command} output; choose another folder"
            )
        raise OutputError(
            f"{path} holds files filmcolor {kind.command} did not write ({shown}); --overwrite replaces only its own: move those out, or choose another folder"
        )
    if not overwrite:
        raise OutputError(
            f"{path} holds what filmcolor {kind.command} wrote before; pass --overwrite to replace it, or choose another folder"
        )
    return True


@contextmanager
def folder_output(path: str | os.PathLike, kind: FolderKind, overwrite: bool) -> Iterator[Path]:
    """Lock folder `path`, check it again (`check_folder`), and yield an empty temporary folder
    beside it to write into; when the block succeeds, swap it in for `path`, the earlier
    folder set aside and deleted only once the new one is in place. A failure or interruption
    leaves `path` as it was; a swap cut short by `kill -9` is put right by the next run."""
    target = Path(os.path.abspath(path))  # "frames/" and "." alike get a parent and a name
    tmp = beside(target, ".part")  # named after the target: a killed run's is replaced next time
    old = beside(target, ".old")
    with locked(target, kind.command):
        _recover(target, old, kind)
        shutil.rmtree(tmp, ignore_errors=True)  # a killed run's
        replacing = check_folder(path, kind, overwrite)
        tmp.mkdir()
        try:
            yield tmp
            _swap(tmp, target, old, kind, replacing)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _recover(target: Path, old: Path, kind: FolderKind) -> None:
    """Put right what a run killed inside `_swap` left: the earlier folder set aside and
    nothing in its place goes back; set aside with the new one in place, it goes (when it
    holds only what the command wrote: anything else is the user's to look at)."""
    if old.is_dir():
        if not target.exists():
            os.replace(old, target)
        elif not _foreign(old, kind):
            shutil.rmtree(old, ignore_errors=True)
        else:
            raise OutputError(
                f"{old}, set aside by an interrupted filmcolor {kind.command}, holds files it did not write; look at them, then move or remove that folder"
            )


def _swap(tmp: Path, target: Path, old: Path, kind: FolderKind, replacing: bool) -> None:
    try:
        if not replacing:
            os.replace(tmp, target)  # onto nothing, or onto an empty folder
            return
        os.replace(target, old)
        if _foreign(old, kind):  # the user put something there since the check: it stays
            os.replace(old, target)
            raise OutputError(
                f"files were added to {target} while filmcolor {kind.command} ran; it was left as it was: run it again"
            )
        try:
            os.replace(tmp, target)
        except BaseException:
            os.replace(old, target)
            raise
    except OSError as exc:
        raise OutputError(
            f"could not move the new files into {target} ({exc.strerror}); did the folder change meanwhile?"
        ) from None
    shutil.rmtree(old, ignore_errors=True)
