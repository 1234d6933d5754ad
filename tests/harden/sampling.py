"""Sample a process tree's memory in the background while a test loads it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.support.proctree import tree_rss_mb


@dataclass
class MemorySamples:
    pid: int
    samples: list[float] = field(default_factory=list)

    @property
    def peak(self) -> float:
        return max(self.samples, default=0.0)


@contextmanager
def sampling(pid: int, every: float = 0.2) -> Iterator[MemorySamples]:
    """Sample ``tree_rss_mb(pid)`` every ``every`` seconds until the block ends."""
    memory = MemorySamples(pid)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            memory.samples.append(tree_rss_mb(pid))
            stop.wait(every)

    thread = threading.Thread(target=run, name="rss-sampler", daemon=True)
    thread.start()
    try:
        yield memory
    finally:
        stop.set()
        thread.join()
        memory.samples.append(tree_rss_mb(pid))


def settle(pid: int, target: float, seconds: float = 10.0) -> float:
    """The tree's memory once it is at ``target`` or ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    current = tree_rss_mb(pid)
    while current > target and time.monotonic() < deadline:
        time.sleep(0.5)
        current = tree_rss_mb(pid)
    return current
