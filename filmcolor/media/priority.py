"""Encoders kept at the normal scheduling priority.

SVT-AV1 (libsvtav1), run as root, as in CI and in many containers, sets the thread that opens it
and its own 40-odd threads to SCHED_FIFO 99. The encoder then outranks the render's own work and
everything else on the machine, and every process started from this one afterwards (a segment's
worker, the studio's jobs, a test's browser) is born at that priority, where one that spins
leaves a 2-core machine nothing: CI hung on it three times before it was found.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

# scheduling policies that outrank every normal thread (POSIX only)
REALTIME = {os.SCHED_FIFO, os.SCHED_RR} if hasattr(os, "SCHED_FIFO") else set()


def realtime_threads() -> set[int]:
    """This process's threads (their ids) at a real-time policy; none where the OS cannot say."""
    if not REALTIME or not os.path.isdir("/proc/self/task"):
        return set()
    found = set()
    for name in os.listdir("/proc/self/task"):
        try:
            if os.sched_getscheduler(int(name)) in REALTIME:
                found.add(int(name))
        except OSError:  # the thread ended meanwhile
            pass
    return found


def to_normal(threads: set[int]) -> None:
    """`threads` of this process set to the normal policy (SCHED_OTHER); threads they start
    later inherit it."""
    for tid in threads:
        try:
            os.sched_setscheduler(tid, os.SCHED_OTHER, os.sched_param(0))
        except OSError:  # the thread ended meanwhile
            pass


@contextmanager
def normal_priority() -> Iterator[None]:
    """Every thread the block puts at a real-time policy is set back to the normal one when it
    ends; threads that were there before (filmcolor run under `chrt`) keep theirs."""
    before = realtime_threads()
    try:
        yield
    finally:
        to_normal(realtime_threads() - before)
