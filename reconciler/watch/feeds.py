"""Following Box's event streams: where to start (the stored place, or now after a full read),
one feed per stream, each page of events turned into a hint on the queue, and the place saved
once a burst's pass is done.

With the enterprise stream, the account's own ``changes`` stream is followed beside it (long
polled: acceptances and uploads at once), and the enterprise stream, which Box offers no long
poll for, is read often only while somebody other than the reconciler has acted lately
(``watch.pace``). A long-polled stream whose long poll falls silent is read by polling until
its server answers again (``watch.longpoll``). A stream that stops asks for a full resync, and
is followed again from now, later each time it keeps stopping.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone

from reconciler.box.events import (
    ENTERPRISE,
    ENTERPRISE_ONLY_TYPES,
    ENTERPRISE_TYPES,
    BoxEvent,
    EventFeed,
    current_position,
)
from reconciler.manifest.service import WatchSettings
from reconciler.model import ItemRef, stamp
from reconciler.notify.statedir import StateDir
from reconciler.watch.clock import RETRY_FIRST, Backoff, Clock
from reconciler.watch.event_hints import Reading
from reconciler.watch.hints import Hint, HintQueue
from reconciler.watch.inputs import Inputs
from reconciler.watch.longpoll import Health, LongPollHealth, log_change
from reconciler.watch.pace import Pace
from reconciler.watch.stream import load_place, save_place

log = logging.getLogger(__name__)

#: turns a page of a stream's events (read whole or not) into a hint
Read = Callable[[str, list[BoxEvent], bool], Reading]


class Feeds:
    def __init__(
        self, inputs: Inputs, state: StateDir, hints: HintQueue, read: Read, clock: Clock
    ) -> None:
        self._inputs = inputs
        self._state = state
        self._hints = hints
        self._read = read
        self._clock = clock
        self.pace = Pace(lambda: inputs.settings, clock.monotonic)
        self.long_polls = LongPollHealth()
        #: delivered items another account owns (their acceptances miss our changes stream)
        self.unowned: tuple[ItemRef, ...] = ()
        self._feeds: list[EventFeed] = []
        #: stream type -> the position after the last burst handled (what stream.json holds)
        self._positions: dict[str, str] = {}
        self._ends = Backoff()  # the stream stopped this many times since its last event
        self.follow_at: float | None = None  # when to follow the streams again, after an end

    def begin(self) -> None:
        """Where to follow from: the stored place when Box still holds the events after it,
        else from now (taken before the start's full read, so nothing during it is missed)."""
        settings = self._inputs.settings
        place = load_place(self._state)
        now = datetime.now(timezone.utc)
        retention = timedelta(days=settings.retention_days)
        if place is not None and place.usable(settings.streams, retention, now):
            self._positions = {s: place.positions[s] for s in settings.streams}
            for stream, position in self._positions.items():
                log.info("resuming the %s stream from position %s", stream, position)
        else:
            if place is not None:
                log.info(
                    "the stored position (of %s; saved %s) is older than Box keeps events or "
                    "not of the streams followed: full resync, then following from now",
                    place.describe(),
                    stamp(place.saved_at),
                )
            self._from_now()
        log_what_is_read(settings)

    def follow(self, stopping: threading.Event) -> None:
        """Start a feed per stream from its position (none once ``stopping`` is set)."""
        if stopping.is_set():
            return
        for stream, position in self._positions.items():
            self._start(stream, position)

    def _start(self, stream: str, position: str, *, polled: bool = False) -> None:
        both = len(self._inputs.settings.streams) > 1
        feed = EventFeed(
            self._inputs.connection.client,
            stream,
            position,
            interval=self.pace.interval,
            # Beside the changes stream, only what it does not carry: no event twice.
            # Unless some folder is another account's: its acceptances reach only its
            # owner's changes stream, so the enterprise stream must bring them.
            event_types=ENTERPRISE_ONLY_TYPES if both and not self.unowned else ENTERPRISE_TYPES,
            polled=polled,
        )
        feed.start(functools.partial(self._on_events, stream), self._on_end)
        self._feeds.append(feed)

    def _on_events(self, stream: str, events: list[BoxEvent], whole_page: bool) -> None:
        self._ends.reset()
        reading = self._read(stream, events, whole_page)
        if reading.acted and self.pace.acted():
            for feed in self._feeds:
                feed.nudge()  # a decision may follow: read the enterprise stream now
        self._hints.put(reading.hint)

    def _on_end(self, reason: str) -> None:
        self._hints.put(Hint(source="stream", resync=True, reason=f"event stream: {reason}"))

    def check_long_polls(self) -> None:
        """Each long-polled stream still delivers; a silent one is read by polling until its
        long-poll server answers again (see ``watch.longpoll``)."""
        for feed in [f for f in self._feeds if f.stream_type != ENTERPRISE]:
            health = self.long_polls.check(feed, self._inputs.connection)
            if health not in (Health.SILENT, Health.RECOVERED):
                continue
            log_change(feed, health, self.long_polls.reason)
            feed.stop()
            self._feeds.remove(feed)
            self._start(feed.stream_type, feed.position, polled=health is Health.SILENT)

    def ended(self) -> None:
        """The full resync a stopped stream asked for is done: follow again from now (the
        full read covered the gap), later each time the stream keeps stopping, so a refusing
        Box is not hammered with full reads."""
        wait = self._ends.failed()
        self.follow_at = self._clock.monotonic() + wait
        log.warning("following the event stream again in %gs", wait)

    def follow_again_if_due(self, stopping: threading.Event) -> None:
        """After a stream stopped: once its wait is over, follow every stream from now."""
        if self.follow_at is None or self._clock.monotonic() < self.follow_at:
            return
        self.follow_at = self._clock.monotonic() + RETRY_FIRST  # again soon, if this fails
        self.stop()
        self._from_now()
        self.follow(stopping)
        self.follow_at = None

    def handled(self, positions: Mapping[str, str]) -> None:
        """A burst's pass is done: its streams' positions are stored."""
        if positions:
            self._positions.update(positions)
            save_place(self._state, self._positions)

    def _from_now(self) -> None:
        client = self._inputs.connection.client
        self._positions = {s: current_position(client, s) for s in self._inputs.settings.streams}
        save_place(self._state, self._positions)

    def stop(self) -> None:
        for feed in self._feeds:
            feed.stop()
        self._feeds = []


def log_what_is_read(settings: WatchSettings) -> None:
    """Say at start how decisions on reviews reach the watcher."""
    if settings.stream_carries_decisions:
        log.info(
            "reading the enterprise stream every %gs while a client has acted in the last "
            "%g minutes, every %gs otherwise; following the changes stream beside it",
            settings.event_poll_seconds,
            settings.active_minutes,
            settings.idle_event_poll_seconds,
        )
    else:
        log.info(
            "the %s stream carries no decisions on review tasks: polling the files with open "
            "review tasks, newest first, within %g calls a minute (an old open review task "
            "at least every %g minutes)",
            settings.stream_type,
            settings.review_calls_per_minute,
            settings.review_poll_minutes,
        )
