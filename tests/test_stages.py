"""The overlapped stages (`filmcolor.stages`): order, bounded queues, errors and early stops,
with fake stages and no film."""

import threading
import time

import numpy as np
import pytest

from filmcolor.stages import overlapped


def _threads() -> int:
    return sum(t.name.startswith("filmcolor-") for t in threading.enumerate())


def test_order_is_kept_with_uneven_stages():
    rng = np.random.default_rng(0)
    delays = rng.uniform(0, 0.004, size=(3, 60))

    def stage(k):
        def fn(x):
            time.sleep(delays[k, x[0]])
            return (x[0], x[1] + [k])

        return fn

    out = list(overlapped(((i, []) for i in range(60)), [stage(0), stage(1), stage(2)], depth=2))
    assert out == [(i, [0, 1, 2]) for i in range(60)]
    assert _threads() == 0


def test_queues_stay_bounded_behind_a_slow_stage():
    depth, n_stages = 2, 2
    pulled = []

    def source():
        for i in range(40):
            pulled.append(i)
            yield i

    def slow(x):
        time.sleep(0.01)
        return x

    ahead = []
    for got in overlapped(source(), [lambda x: x, slow], depth=depth):
        ahead.append(len(pulled) - got)
    # in flight at most: each queue full, one item in each stage, one in the source's hand
    bound = depth * (n_stages + 1) + n_stages + 1
    assert max(ahead) <= bound
    assert max(ahead) >= depth  # the fast stages did run ahead: the stages overlap
    assert len(pulled) == 40


def test_a_failing_stage_raises_after_the_items_before_it():
    def fail_at_5(x):
        if x == 5:
            raise ValueError("bad frame 5")
        return x

    got = []
    with pytest.raises(ValueError, match="bad frame 5"):
        for x in overlapped(range(100), [lambda x: x, fail_at_5]):
            got.append(x)
    assert got == [0, 1, 2, 3, 4]
    assert _threads() == 0


def test_a_failing_source_raises_too():
    def source():
        yield 1
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        list(overlapped(source(), [lambda x: x]))
    assert _threads() == 0


def test_stopping_early_stops_every_thread():
    def endless():
        i = 0
        while True:
            yield i
            i += 1

    for x in overlapped(endless(), [lambda x: x * 2, lambda x: x + 1], depth=3):
        if x > 20:
            break
    assert _threads() == 0
    with pytest.raises(ValueError):
        next(overlapped([1], [], depth=0))
