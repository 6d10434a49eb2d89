"""Waiting longer after each failure in a row: the one doubling rule for every retry the
reconciler schedules itself (a notify sink that failed, a watcher pass that failed, an event
stream that keeps ending). Box's own retries are the SDK's, paced by ``Retry-After``.

No jitter: each caller retries one thing of its own, so there is no crowd to spread out.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

#: Seconds (a float) or a ``timedelta``: the wait comes back in the unit it was asked in.
Delay = TypeVar("Delay", float, timedelta)


def backoff(failures: int, *, first: Delay, longest: Delay) -> Delay:
    """How long to wait after ``failures`` failures in a row: ``first`` after one, twice as
    long after each further one, never more than ``longest``.

    The wait doubles step by step and stops growing at ``longest``, so a count that has grown
    for days (a sink down over a weekend) cannot overflow a ``timedelta``.
    """
    wait = first
    for _ in range(failures - 1):
        if wait >= longest:
            break
        wait = wait * 2
    return min(wait, longest)
