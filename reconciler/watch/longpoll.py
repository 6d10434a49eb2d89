"""Whether a long-polled stream still delivers: Box's SDK retries an unreachable long-poll
server (on another host than the API, in real Box) silently and forever, so a watcher could
wait for events that never come.

Every few minutes one plain ``GET /events`` from the position the feed last handed on says
whether Box holds events after it. Events there at two checks in a row, with the feed not
having moved, mean the long poll is silent: the watcher then reads the stream by polling until
the long-poll server can be reached again.
"""

from __future__ import annotations

import logging
from enum import Enum

from reconciler.box import probe
from reconciler.box.connection import Connection
from reconciler.box.events import EventFeed, waiting_after

log = logging.getLogger(__name__)

#: how long a connection to the long-poll server may take, to count as reachable again
REACH_TIMEOUT = 3.0


class Health(str, Enum):
    OK = "ok"
    SILENT = "silent"  # Box holds events the long poll has not brought
    RECOVERED = "recovered"  # a polled stream's long-poll server answers again
    UNREACHABLE = "unreachable"  # ... or still does not


class LongPollHealth:
    """Remembers, per stream, what the previous check found."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, bool]] = {}  # stream -> (feed position, events after)
        self.reason = ""  # why the long-poll server is not reachable, at the last check

    def check(self, feed: EventFeed, connection: Connection) -> Health:
        """One check of ``feed`` (a user stream): long polled, is it silent; polled for want
        of its long poll, can the long-poll server be reached again."""
        client = connection.client
        if feed.polled:
            self.reason = probe.unreachable(probe.realtime_url(client), REACH_TIMEOUT)
            if self.reason:
                return Health.UNREACHABLE
            self._seen.pop(feed.stream_type, None)
            return Health.RECOVERED
        now = (feed.position, waiting_after(client, feed.stream_type, feed.position))
        before = self._seen.get(feed.stream_type)
        self._seen[feed.stream_type] = now
        if before is not None and before == now and now[1]:
            self.reason = probe.unreachable(probe.realtime_url(client), REACH_TIMEOUT)
            return Health.SILENT
        return Health.OK


def log_change(feed: EventFeed, health: Health, reason: str) -> None:
    """Say what a check that changes how ``feed`` is read found (SILENT or RECOVERED)."""
    if health is Health.SILENT:
        log.error(
            "the long poll of the %s stream is silent: Box holds events after position "
            "%s that it has not brought (%s). Reading the stream every few seconds "
            "until the long-poll server answers again; allow this host to reach it "
            "(reconcile doctor names it)",
            feed.stream_type,
            feed.position,
            reason or "the long-poll server accepts connections",
        )
    elif health is Health.RECOVERED:
        log.info(
            "long polling the %s stream again: its long-poll server accepts connections",
            feed.stream_type,
        )
