"""The one progress callback every long job takes: the library reports, the CLI draws.

`progress(done, total)` after each unit of work (frames, pictures, steps); `info` is a short
text a job may add (a training run's losses). `total` is the best count known so far: a
reader that only estimates it never reports `done == total` before the end.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def __call__(self, done: int, total: int, info: str = "") -> None: ...
