"""A clock for ``reconciler.watch.clock.Clock`` that moves only when its test says so: the hint
queue's windows and timeouts are then fake seconds, and no test depends on how fast the machine
runs."""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable

#: how long (real seconds) a held wait may block before the test counts it as hung
HUNG = 60.0


class FakeClock:
    """Fake seconds from 0. ``at(when, action)`` schedules something (a hint put, a close) at a
    fake time. A ``wait`` with something scheduled before its deadline moves the clock there and
    does it, on the waiting thread, as another thread would have meanwhile; with nothing
    scheduled it moves the clock to its deadline, or, when ``hold``, leaves the clock where it
    is and waits for a real notify from another thread (``waiting`` is set first)."""

    def __init__(self, *, hold: bool = False) -> None:
        self.now = 0.0
        self._hold = hold
        self._due: list[tuple[float, int, Callable[[], object]]] = []
        self._order = itertools.count()
        self.waiting = threading.Event()

    def monotonic(self) -> float:
        return self.now

    def at(self, when: float, action: Callable[[], object]) -> None:
        heapq.heappush(self._due, (when, next(self._order), action))

    def wait(self, ready: threading.Condition, timeout: float) -> None:
        deadline = self.now + timeout
        if self._due and self._due[0][0] <= deadline:
            when, _, action = heapq.heappop(self._due)
            self.now = max(self.now, when)
            action()
        elif self._hold:
            self.waiting.set()
            ready.wait(HUNG)
        else:
            self.now = deadline
