"""Hints: "look at these items now". Any source (Box's event stream, a webhook delivery, the
review poll) puts them on one queue; the loop takes a burst of them at a time, merged.

Hints are never the truth: they only choose what to read. A hint may also ask for a full
resync (the stream lost its place, the manifests changed).

A new source needs nothing but ``queue.put``: a verified Box webhook delivery, for instance,
becomes ``Hint.about(event_items(payload), source="webhook")`` (its ``source`` is the file or
folder, as in an event), and the loop reconciles the deliveries that declare those items.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from reconciler.model import ItemRef
from reconciler.watch.clock import SYSTEM, Clock


@dataclass(frozen=True)
class Hint:
    items: frozenset[ItemRef] = frozenset()
    source: str = "events"  # events | webhook | review-poll | manifests | stream
    #: the stream position to store once what this hint asks for is done, and its stream
    position: str | None = None
    stream: str = ""
    resync: bool = False
    reason: str = ""
    #: the hint is a page of a polled stream, read whole: its burst is already gathered
    whole_page: bool = False
    #: Box said a comment was made: the pass reads the clients' comments too
    comment: bool = False

    @classmethod
    def about(cls, items: Iterable[ItemRef], **kwargs: object) -> Hint:
        return cls(frozenset(items), **kwargs)  # type: ignore[arg-type]


@dataclass
class Batch:
    """Hints taken together: their items, whether any asked for a resync, the last position."""

    items: set[ItemRef] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    resync: bool = False
    reasons: list[str] = field(default_factory=list)
    #: stream type -> the last position its hints carried
    positions: dict[str, str] = field(default_factory=dict)
    count: int = 0
    comment: bool = False  # some hint was about a comment

    def add(self, hint: Hint) -> None:
        self.items |= hint.items
        self.sources.add(hint.source)
        self.resync = self.resync or hint.resync
        if hint.reason:
            self.reasons.append(hint.reason)
        if hint.position is not None:
            self.positions[hint.stream] = hint.position
        self.comment = self.comment or hint.comment
        self.count += 1


def with_resync(batch: Batch | None, reason: str) -> Batch:
    """``batch`` (a new one when there is none) asking for a full resync, for ``reason`` too."""
    batch = batch if batch is not None else Batch()
    batch.resync, batch.reasons = True, [*batch.reasons, reason]
    return batch


class HintQueue:
    """Thread-safe; ``take`` waits for a first hint, then gathers for ``window`` seconds, or
    less when every hint so far came in pages already read whole (their page was the burst).
    Its time is ``clock``'s: a test's fake clock decides when a window or a timeout is over."""

    def __init__(self, clock: Clock = SYSTEM) -> None:
        self._clock = clock
        self._hints: list[Hint] = []
        self._ready = threading.Condition()
        self._closed = False

    def put(self, hint: Hint) -> None:
        with self._ready:
            self._hints.append(hint)
            self._ready.notify_all()

    def close(self) -> None:
        """Wake the taker: nothing more will be waited for."""
        with self._ready:
            self._closed = True
            self._ready.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    def take(self, window: float, timeout: float) -> Batch | None:
        """A burst of hints, or None when none came within ``timeout`` seconds (or closed)."""
        deadline = self._clock.monotonic() + timeout
        with self._ready:
            while not self._hints and not self._closed:
                left = deadline - self._clock.monotonic()
                if left <= 0:
                    return None
                self._clock.wait(self._ready, left)
            if self._closed and not self._hints:
                return None
            # Gather the rest of the burst: one read for many events, not one per event.
            gather_until = self._clock.monotonic() + window
            while not self._closed and not self._whole_pages():
                left = gather_until - self._clock.monotonic()
                if left <= 0:
                    break
                self._clock.wait(self._ready, left)
            batch = Batch()
            for hint in self._hints:
                batch.add(hint)
            self._hints.clear()
            return batch

    def _whole_pages(self) -> bool:
        """Every hint waiting is a whole page of a polled stream: there is no more to gather."""
        return all(hint.whole_page for hint in self._hints)
