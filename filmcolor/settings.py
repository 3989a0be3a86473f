"""Settings as dataclasses, each field defined once: its default, its help (which the command
line shows), and whether it shapes the output or only how fast it comes.

A command's config is a tree of these dataclasses. The CLI builds its options from them
(`filmcolor.cli.config_options`), and a resumed render compares `output_settings` of its
config with the first run's, so a new setting is compared the moment it exists.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Bounds:
    """The values a numeric setting may take: from `low` to `high` (None: no bound), `low`
    itself left out when `above` (a length of time, a rate: more than 0) and `high` when
    `below`; a float is also a finite number (nan and inf are no setting). The command line
    checks every numeric option by its field's bounds, so a bad value is one line before
    any work, never a traceback from deep inside. `words`: how to say it, where the
    plain bounds would not ("more than 0, or 0 for one pass"); `note`: why, after."""

    low: float | None = None
    high: float | None = None
    above: bool = False
    below: bool = False
    words: str = ""
    note: str = ""

    def problem(self, name: str, value: float) -> str | None:
        """What is wrong with `value` given as option `name`, in one line; None when it is fine."""
        fine = (
            (not isinstance(value, float) or math.isfinite(value))
            and (self.low is None or value > self.low or (value == self.low and not self.above))
            and (self.high is None or value < self.high or (value == self.high and not self.below))
        )
        if fine:
            return None
        note = f"; {self.note}" if self.note else ""
        return f"{name} must be {self.words or self._range()} (got {value}){note}"

    def _range(self) -> str:
        if self.low is not None and self.high is not None and self.above == self.below:
            return f"{'between' if self.above else 'from'} {self.low:g} {'and' if self.above else 'to'} {self.high:g}"
        ends = []
        if self.low is not None:
            ends.append(f"{'more than' if self.above else 'at least'} {self.low:g}")
        if self.high is not None:
            ends.append(f"{'less than' if self.below else 'at most'} {self.high:g}")
        return " and ".join(ends) or "a finite number"


SEED = Bounds(0, 2**32 - 1)  # what every random generator seeded takes
STREAM = Bounds(0)  # a stream index, as ffprobe numbers them
SHARE = Bounds(0, 1)  # a share, a chance
POSITIVE = Bounds(0, above=True)  # a length of time, a rate
AMOUNT = Bounds(0)  # a weight, an amount: none at 0
COUNT = Bounds(1)  # frames, steps, pictures
THRESHOLD = Bounds(0, 1, above=True, below=True, note="a share of the frame")  # the cut test's


def setting(
    default: Any = None,
    help: str = "",
    *,
    runtime: bool = False,
    resumable: bool = False,
    choices: tuple[str, ...] | None = None,
    bounds: Bounds | None = None,
    factory=None,
):  # noqa: A002
    """A dataclass field with its help text. `runtime`: it changes how fast the output comes,
    never what it is (a device, a batch size), so runs may differ in it. `resumable`: a
    training run may change it when resumed. `choices`: the only values allowed; `bounds`:
    the range of a number (every numeric option has one)."""
    metadata = {"help": help, "runtime": runtime, "resumable": resumable, "choices": choices, "bounds": bounds}
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
