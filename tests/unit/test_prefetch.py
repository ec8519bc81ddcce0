"""prefetch: order, errors and early stop of the background producer."""

from __future__ import annotations

import threading
import time

import pytest

from sprintlab.prefetch import prefetch


def test_items_arrive_in_order_and_all_of_them():
    assert list(prefetch(iter(range(1000)), depth=3)) == list(range(1000))


def test_producer_runs_in_another_thread_and_ahead_of_the_consumer():
    produced: list[int] = []
    threads: set[str] = set()

    def gen():
        for i in range(10):
            threads.add(threading.current_thread().name)
            produced.append(i)
            yield i

    it = prefetch(gen(), depth=4)
    assert next(it) == 0
    time.sleep(0.3)
    # One taken, up to four waiting in the queue and one blocked on a full queue.
    assert 4 <= len(produced) <= 6
    assert threads == {"sprintlab-prefetch"}
    assert list(it) == list(range(1, 10))


def test_an_error_while_producing_reaches_the_consumer_after_the_good_items():
    def gen():
        yield 1
        yield 2
        raise OSError("disk gone")

    got = []
    with pytest.raises(OSError, match="disk gone"):
        for item in prefetch(gen()):
            got.append(item)
    assert got == [1, 2]


def test_stopping_early_stops_and_closes_the_producer():
    closed = threading.Event()
    produced: list[int] = []

    def gen():
        try:
            for i in range(10_000):
                produced.append(i)
                yield i
        finally:
            closed.set()

    it = prefetch(gen(), depth=2)
    for item in it:
        if item == 3:
            break
    it.close()
    assert closed.wait(2.0), "the producer's generator was not closed"
    n = len(produced)
    time.sleep(0.2)
    assert len(produced) == n < 100


def test_depth_must_be_positive():
    with pytest.raises(ValueError, match="depth"):
        next(prefetch(iter([1]), depth=0))
