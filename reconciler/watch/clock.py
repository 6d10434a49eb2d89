"""The watcher's time, in one object a test can replace: a monotonic reading and a wait on a
condition (never a sleep: a wait ends early when another thread notifies). A fake clock that
moves only when its test says so makes the hint queue and the loop's timers testable without
the wall clock.

Also what the loop builds on it: a ``Timer`` for something done every so many seconds, and a
``Backoff`` for waits that double after each failure.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from reconciler.model import backoff

#: After a failure, wait this long (doubling, up to RETRY_LONGEST) before trying again.
RETRY_FIRST = 5.0
RETRY_LONGEST = 300.0


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (only differences mean anything)."""
        ...

    def wait(self, ready: threading.Condition, timeout: float) -> None:
        """Wait on ``ready``, which the caller holds, until it is notified or ``timeout``
        seconds pass. It may return early: the caller checks again what it waits for."""
        ...


class SystemClock:
    """The machine's clock: ``time.monotonic`` and ``Condition.wait``."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, ready: threading.Condition, timeout: float) -> None:
        ready.wait(timeout)


SYSTEM = SystemClock()


class Timer:
    """Something done every ``every`` seconds, on ``clock``; first ``every`` seconds from now."""

    def __init__(self, clock: Clock, every: float) -> None:
        self._clock = clock
        self.every = every
        self.at = clock.monotonic() + every

    def passed(self) -> bool:
        return self._clock.monotonic() >= self.at

    def due(self) -> bool:
        """The time has come: True, and the next one set ``every`` seconds from now."""
        if not self.passed():
            return False
        self.again()
        return True

    def again(self, seconds: float | None = None) -> None:
        """Next in ``seconds`` from now (``every`` when None)."""
        self.at = self._clock.monotonic() + (self.every if seconds is None else seconds)


class Backoff:
    """Waits after failures in a row (``model.backoff``'s rule): ``first``, doubling each time,
    at most ``longest``."""

    def __init__(self, first: float = RETRY_FIRST, longest: float = RETRY_LONGEST) -> None:
        self._first = first
        self._longest = longest
        self._failures = 0

    def peek(self) -> float:
        """The wait after the next failure."""
        return backoff(self._failures + 1, first=self._first, longest=self._longest)

    def failed(self) -> float:
        """A failure: the wait now (the next one is doubled)."""
        self._failures += 1
        return backoff(self._failures, first=self._first, longest=self._longest)

    def reset(self) -> None:
        """A success: the next failure waits ``first`` again."""
        self._failures = 0
