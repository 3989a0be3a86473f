"""Settings as dataclasses, each field defined once: its default, its help (which the command
line shows), and whether it shapes the output or only how fast it comes.

A command's config is a tree of these dataclasses. The CLI builds its options from them
(`filmcolor.cli.config_options`), and a resumed render compares `output_settings` of its
config with the first run's, so a new setting is compared the moment it exists.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import field
from pathlib import Path
from typing import Any


def setting(
    default: Any = None,
    help: str = "",
    *,
    runtime: bool = False,
    resumable: bool = False,
    choices: tuple[str, ...] | None = None,
    factory=None,
):  # noqa: A002
    """A dataclass field with its help text. `runtime`: it changes how fast the output comes,
    never what it is (a device, a batch size), so runs may differ in it. `resumable`: a
    training run may change it when resumed. `choices`: the only values allowed."""
    metadata = {"help": help, "runtime": runtime, "resumable": resumable, "choices": choices}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def output_settings(config: Any) -> dict:
    """Every setting of a config tree that shapes the output, as plain JSON-ready values;
    files (Path values) by their identity, so renaming a weights file changes nothing."""
    out = {}
    for f in dataclasses.fields(config):
        if f.metadata.get("runtime"):
            continue
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value):
            value = output_settings(value)
        elif isinstance(value, Path):
            value = file_identity(value)["sha256_ends"]
        out[f.name] = value
    return out


def file_identity(path: Path) -> dict:
    """What tells one file from another without reading it all: name, size, change time, and a
    hash of its first and last MiB; of a folder (keyframes), a hash of every file's name and ends."""
    path = Path(path).resolve()
    stat = path.stat()
    digest = hashlib.sha256()
    if path.is_dir():
        for child in sorted(p for p in path.iterdir() if p.is_file()):
            digest.update(child.name.encode() + file_identity(child)["sha256_ends"].encode())
        return {"path": str(path), "sha256_ends": digest.hexdigest()}
    with open(path, "rb") as f:
        digest.update(f.read(1 << 20))
        f.seek(max(0, stat.st_size - (1 << 20)))
        digest.update(f.read(1 << 20))
    return {"path": str(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256_ends": digest.hexdigest()}
