"""Debian's Chromium driven by Playwright, for the tests of the studio's page.

As root it is started at the normal scheduling policy and unable to take a real-time one
(`chromium-no-realtime`): CI runs hung when its processes spun at SCHED_FIFO 99 and took both
cores. They had inherited that policy from the test process, where an SVT-AV1 render had put
it (`filmcolor.media.priority` now sets it back, and conftest.py fails a test that leaves it).

Closing is bounded: Chromium may never answer the close (CI once waited 82 minutes there, most
likely on the same real-time spin). So
when the Playwright session ends, its driver and every browser it started get a minute to close;
after that they are killed and the test is warned, not failed: the page had done all it was
asked."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CLOSE_SECONDS = 60  # what a closing driver and its browsers get before they are killed
# as root, Chromium started without the right to take real-time priority (the script says why)
LAUNCHER = Path(__file__).with_name("chromium-no-realtime")


def BROWSER(test):  # a decorator, named in capitals as the markers it stands for
    """A test of the page in Chromium: marked `browser` (left out of the fast lane), skipped
    where Chromium is not installed."""
    skip = pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="no Chromium at /usr/bin/chromium (apt-get install chromium): the studio's page is tested in a real browser",
    )
    return pytest.mark.browser(skip(test))


@contextmanager
def browsers() -> Iterator:
    """Playwright's sync API (skipped without it), ended within CLOSE_SECONDS: every browser
    launched in it is closed on the way out."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the studio's page is tested with Playwright (pip install playwright)"
    )
    manager = sync_api.sync_playwright()
    p = manager.start()
    try:
        yield p
    finally:
        stuck = [pid for pid in _children(os.getpid()) if b"run-driver" in _cmdline(pid)]
        trees = [pid for driver in stuck for pid in _tree(driver)]
        killed: list[int] = []
        timer = threading.Timer(CLOSE_SECONDS, lambda: killed.extend(_kill(trees)))
        timer.start()
        try:
            p.stop()
        finally:
            timer.cancel()
        if killed:
            warnings.warn(
                f"Chromium did not close within {CLOSE_SECONDS} s: its {len(killed)} processes were killed",
                stacklevel=3,
            )


def launch(p):
    """Chromium, headless; as root, through LAUNCHER (only root may drop what it holds)."""
    root = os.geteuid() == 0 and shutil.which("setpriv") is not None and shutil.which("chrt") is not None
    return p.chromium.launch(executable_path=str(LAUNCHER if root else CHROMIUM), headless=True, args=["--no-sandbox"])


def open_page(p, url: str, errors: list[str] | None = None, size: tuple[int, int] = (1200, 900)):
    """Chromium, headless, on the studio's `url`; the page's script errors collected into
    `errors`. The page's Content-Security-Policy is set aside here: Playwright's waits evaluate
    strings, which it forbids (`test_the_page_under_its_policy` runs the page under it)."""
    page = launch(p).new_page(viewport={"width": size[0], "height": size[1]}, bypass_csp=True)
    if errors is not None:
        page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    return page


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _parents() -> dict[int, int]:
    """pid -> parent pid, of every process now."""
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after the command's name, which may hold spaces
        except OSError:
            continue
        out[int(stat.parent.name)] = int(fields[1])
    return out


def _children(pid: int) -> list[int]:
    return [child for child, parent in _parents().items() if parent == pid]


def _tree(root: int) -> list[int]:
    """`root` and every process below it."""
    parents = _parents()
    tree, frontier = [root], [root]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def _kill(pids: list[int]) -> list[int]:
    """SIGKILL to each of `pids` still running; those it reached."""
    reached = []
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
            reached.append(pid)
        except ProcessLookupError:
            pass
    return reached
