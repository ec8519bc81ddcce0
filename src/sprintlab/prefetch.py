"""Run an iterator in a background thread, a few items ahead of its consumer.

Decoding video (FFmpeg) and running the pose model (OpenVINO, PyTorch) both release the GIL, so
on two cores decoding the next frames while the model looks at the current one hides most of the
decoding time. The queue is bounded: at most ``depth`` items wait, so memory stays small however
long the clip.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetch(items: Iterable[T], depth: int = 8) -> Iterator[T]:
    """Yield the items of ``items``, produced by a background thread up to ``depth`` ahead.

    An exception raised while producing is re-raised in the consumer at the point it happened.
    Closing the generator early (``break``, garbage collection) stops the producer.

    Parameters
    ----------
    items : iterable
        Produced in a daemon thread; must not be consumed anywhere else.
    depth : int
        Largest number of produced items waiting to be consumed (at least 1).
    """
    if depth < 1:
        raise ValueError(f"depth must be >= 1, got {depth}")
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        # Wait for room, but give up when the consumer has gone.
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as err:  # handed to the consumer, which re-raises it
            put(_Failure(err))
        finally:
            close = getattr(items, "close", None)
            if close is not None and stop.is_set():
                close()

    thread = threading.Thread(target=produce, name="sprintlab-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join(timeout=5.0)
