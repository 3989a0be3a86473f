"""Overlapped stages: each stage of a stream runs in its own thread, joined by bounded queues.

The render's stages (decode, model, smoothing and chroma upsampling, encode) each wait on
something that releases the GIL (FFmpeg, torch, OpenCV, numpy), so in threads they run at
the same time and the slowest one sets the pace. Each queue holds at most `depth` items, so
memory is bounded whatever the film's length, and every stage sees the items in order, so a
stage may keep state from one item to the next (the smoother does).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

_END = object()  # put after the last item
_POLL = 0.1  # seconds between checks for a stop while waiting on a full or empty queue


class _Failed:
    """Carries a stage's exception downstream, to be raised in the consumer's thread."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


def overlapped(source: Iterable[Any], stages: Sequence[Callable[[Any], Any]], depth: int = 2) -> Iterator[Any]:
    """Yield `stages[-1](... stages[0](item))` for each item of `source`, in order.

    Iterating `source` and each stage run in their own threads; between two of them at most
    `depth` items wait. An exception in any of them is raised here, in the consumer's thread,
    once the items before it have been yielded; if the consumer stops early (an exception, a
    break), every thread is told to stop and is joined before this generator closes.
    """
    if depth < 1:
        raise ValueError("depth must be at least 1")
    stop = threading.Event()
    queues: list[queue.Queue[Any]] = [queue.Queue(maxsize=depth) for _ in range(len(stages) + 1)]

    def put(q: queue.Queue, item: Any) -> bool:
        """Put, unless told to stop first; False when stopped."""
        while not stop.is_set():
            try:
                q.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def get(q: queue.Queue) -> Any:
        while True:
            try:
                return q.get(timeout=_POLL)
            except queue.Empty:
                if stop.is_set():
                    return _END

    def feed() -> None:
        try:
            for item in source:
                if not put(queues[0], item):
                    return
        except BaseException as error:  # noqa: BLE001 (handed to the consumer)
            put(queues[0], _Failed(error))
            return
        put(queues[0], _END)

    def work(fn: Callable[[Any], Any], inbox: queue.Queue, outbox: queue.Queue) -> None:
        while True:
            item = get(inbox)
            if item is _END or isinstance(item, _Failed):
                put(outbox, item)
                return
            try:
                result = fn(item)
            except BaseException as error:  # noqa: BLE001 (handed to the consumer)
                put(outbox, _Failed(error))
                return
            if not put(outbox, result):
                return

    threads = [threading.Thread(target=feed, name="filmcolor-source", daemon=True)]
    threads += [
        threading.Thread(target=work, args=(fn, queues[i], queues[i + 1]), name=f"filmcolor-stage-{i}", daemon=True)
        for i, fn in enumerate(stages)
    ]
    for t in threads:
        t.start()
    try:
        while True:
            item = get(queues[-1])
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        for t in threads:
            t.join()
