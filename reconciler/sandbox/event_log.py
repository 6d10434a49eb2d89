"""The sandbox's event log: recorded events in stream order, and the wake-up of long polls.

No HTTP here. ``services/events.py`` decides what an event looks like and who sees it;
``services/event_stream.py`` serves the streams. Positions are one sequence over the whole
enterprise (1, 2, 3, ...); a user's stream is the log filtered to the events that user may see,
so a position taken from one stream is meaningful in every other.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

#: Box's realtime server answers ``reconnect`` a little before its ``retry_timeout`` (610 s)
DEFAULT_LONG_POLL_TIMEOUT_S = 600.0


@dataclass
class EventRecord:
    """One recorded event, with its views frozen as they were when it happened."""

    position: int
    event_id: str
    created_at: str
    created_by_id: str
    enterprise_type: str  # the admin_logs name, e.g. UPLOAD, COLLABORATION_ACCEPT
    enterprise_source: dict[str, Any]
    additional_details: dict[str, Any] = field(default_factory=dict)
    user_type: str | None = None  # the user-stream name, e.g. ITEM_UPLOAD; None: enterprise only
    user_source: dict[str, Any] | None = None
    #: users whose ``all`` stream shows it; ``changes`` is the subset below
    audience_all: list[str] = field(default_factory=list)
    audience_changes: list[str] = field(default_factory=list)


class EventLog:
    """Every event of the emulated enterprise, oldest first; guarded by the state's lock."""

    def __init__(self, lock: threading.RLock) -> None:
        self.records: list[EventRecord] = []
        # A condition over the state lock: a long poll waits with the lock released, and a
        # recording (always made under the lock) wakes it once the change is committed.
        self.changed = threading.Condition(lock)
        self.long_poll_timeout_s = DEFAULT_LONG_POLL_TIMEOUT_S
        #: the long-poll URL OPTIONS /events hands out; None: the sandbox's own /subscribe
        self.realtime_url: str | None = None
        #: realtime channel -> the user whose stream it watches
        self.channels: dict[str, str] = {}
        #: bumped to send every waiting long poll away (``reconnect``)
        self.interruptions = 0

    @property
    def latest(self) -> int:
        return self.records[-1].position if self.records else 0

    def append(self, record: EventRecord) -> None:
        self.records.append(record)
        self.changed.notify_all()

    def after(self, position: int) -> list[EventRecord]:
        """The records past ``position`` (positions are 1-based and dense)."""
        return self.records[max(0, position) :]

    def open_channel(self, user_id: str) -> str:
        channel = secrets.token_hex(10)
        self.channels[channel] = user_id
        return channel

    def interrupt(self) -> None:
        """The sandbox stops or swaps its state: every waiting long poll answers at once."""
        with self.changed:
            self.interruptions += 1
            self.changed.notify_all()

    # -- persistence --

    def to_list(self) -> list[dict[str, Any]]:
        return [dataclasses.asdict(r) for r in self.records]

    def load(self, rows: list[dict[str, Any]]) -> None:
        self.records = [EventRecord(**row) for row in rows]
