"""The loop's own times: the periodic full resync (sooner after a failed pass), looking whether
the manifests changed, checking that the long polls still deliver; and how long the loop may
wait for hints before one of them, or the review poll, is due."""

from __future__ import annotations

from reconciler.manifest.service import WatchSettings
from reconciler.watch.clock import Backoff, Clock, Timer

#: how often the loop looks for reviews due to be read (and notices owed), in seconds
REVIEW_TICK = 1.0


class Schedule:
    """Timings from ``settings`` as they are when the loop starts."""

    def __init__(self, clock: Clock, settings: WatchSettings) -> None:
        self._clock = clock
        self.resync = Timer(clock, settings.resync_minutes * 60)
        self.manifests = Timer(clock, settings.manifest_poll_seconds)
        self.long_polls = Timer(clock, settings.long_poll_check_seconds)
        #: after a failed pass, the wait before a full resync
        self.retry = Backoff()

    def timeout(self, follow_at: float | None, *, ticking: bool) -> float:
        """Seconds the loop may wait for hints: until the first timer, or ``follow_at`` (when
        the streams are to be followed again), at most a review tick when ``ticking``."""
        timers = (self.resync, self.manifests, self.long_polls)
        wake = min(t.at for t in timers)
        if follow_at is not None:
            wake = min(wake, follow_at)
        if ticking:
            wake = min(wake, self._clock.monotonic() + REVIEW_TICK)
        return max(0.0, wake - self._clock.monotonic())
