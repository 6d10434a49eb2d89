"""How often the enterprise stream is read: Box offers no long poll for it, so every read is a
call. Often (``event_poll_seconds``) for ``active_minutes`` after somebody other than the
reconciler acted in a delivery, since a decision is then likely; seldom
(``idle_event_poll_seconds``) otherwise."""

from __future__ import annotations

import time
from collections.abc import Callable

from reconciler.manifest.service import WatchSettings


class Pace:
    def __init__(
        self, settings: Callable[[], WatchSettings], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._settings = settings  # read each time: the manifests may be reloaded
        self._clock = clock
        self._acted_at: float | None = None

    def active(self) -> bool:
        window = self._settings().active_minutes * 60
        return self._acted_at is not None and self._clock() - self._acted_at < window

    def interval(self) -> float:
        settings = self._settings()
        return settings.event_poll_seconds if self.active() else settings.idle_event_poll_seconds

    def acted(self) -> bool:
        """A client acted. True when this starts an active spell: read the stream now."""
        starts = not self.active()
        self._acted_at = self._clock()
        return starts
