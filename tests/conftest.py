import logging
import os
from pathlib import Path

import pytest
import torch

from filmcolor.media.priority import realtime_threads, to_normal
from filmcolor.models import Generator, GeneratorConfig, save_weights


@pytest.fixture(scope="session", autouse=True)
def _graphs_cached_apart(tmp_path_factory):
    """The ONNX graphs the tests' weights need are exported into a cache of the test run's own
    (subprocesses inherit it), never into the user's."""
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = old


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory) -> Path:
    """A small random generator: the tests check the plumbing, not the colours."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("weights") / "tiny.pt"
    save_weights(Generator(GeneratorConfig(base=8, blocks=1)), path)
    return path


@pytest.fixture(autouse=True)
def _filmcolor_logs_reach_caplog():
    """`filmcolor.cli.main` stops the package's log records at its own console handler (no
    second copy from the root logger); a test run in the same process after it must still see
    them in `caplog`, whatever ran before."""
    yield
    logging.getLogger("filmcolor").propagate = True


_STARTED_REALTIME = bool(realtime_threads())  # the tests run under `chrt`: the user's choice, not a test's


@pytest.fixture(autouse=True)
def _no_real_time_priority_left():
    """No test leaves this process's threads at a real-time scheduling policy: every process a
    later test starts would be born there, and a browser spinning at SCHED_FIFO 99 takes a
    2-core machine whole (CI hung three times on what an SVT-AV1 render had left;
    `filmcolor.media.priority`). The test that did it errors, and the threads are set back.
    Not checked where the tests were started at a real-time policy (under `chrt`)."""
    yield
    left = realtime_threads()
    if left and not _STARTED_REALTIME:
        to_normal(left)
        pytest.fail(f"the test left {len(left)} of this process's threads at a real-time scheduling policy")
