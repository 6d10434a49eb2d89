"""Exactly-once delivery of notices to each sink that wants them, remembered in the state directory.

The store (``ledger_store``: SQLite in the state directory) holds, per sink, the ids it has
taken, and the notices still owed to some sink with their attempts. What a sink took is written
down as it goes (a transaction at most every ``SAVE_EVERY`` seconds during a long backlog, and
whenever a sink has nothing more due), so a restart after a kill re-sends at most what was sent
in that last moment, with the same ids, which the jsonl sink and a receiver honouring
``webhook-id`` drop. A save that fails (a full disk) keeps what it held in memory and is tried
again.
A sink that fails is tried again later, waiting twice as long after each failure.

Each sink delivers from its own thread, so a slow or silent receiver delays no other sink:
``deliver`` runs one thread per sink and waits for them (a scheduled run); ``Couriers`` keeps
one per sink running beside the watcher's loop. A sink's ``on:`` says which notices it is owed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from reconciler.errors import SinkError
from reconciler.model import backoff, box_time, stamp
from reconciler.notify.history import History
from reconciler.notify.ledger_store import Store
from reconciler.notify.notices import Notice
from reconciler.notify.sinks import Sink, wants
from reconciler.notify.statedir import StateDir

log = logging.getLogger(__name__)

FIRST_WAIT = timedelta(seconds=5)
SAVE_EVERY = 0.5  # seconds: the whole file is rewritten on each save
LONGEST_WAIT = timedelta(minutes=30)


@dataclass
class Outcome:
    delivered: list[tuple[str, str]] = field(default_factory=list)  # (sink, notice id)
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (sink, id, why)
    owed: int = 0  # deliveries still waiting after this pass


class Ledger:
    """Thread-safe: the loop offers while each sink's thread drains what it is owed."""

    def __init__(self, state: StateDir, *, first_wait: timedelta = FIRST_WAIT) -> None:
        self._first_wait = first_wait
        self._lock = threading.RLock()
        self._store = Store(state)
        self.history = History(state)
        self._sinks: list[Sink] = []
        self._dirty = False
        self._saved_at = time.monotonic()

    @property
    def sent(self) -> dict[str, set[str]]:
        """Per sink, the ids it took."""
        return self._store.sent

    @property
    def owed(self) -> dict[str, dict[str, Any]]:
        """The notices some sink has not taken, by id: document, kind and tries per sink."""
        return self._store.owed

    def _save(self) -> None:
        with self._lock:
            self._store.save()
            self._dirty = False
            self._saved_at = time.monotonic()

    def save(self) -> None:
        """Write down what was taken, if anything was since the last save."""
        with self._lock:
            if self._dirty:
                self._save()

    def offer(self, notices: Iterable[Notice], sinks: Sequence[Sink]) -> int:
        """Owe each notice to every sink that wants it and has not taken it; returns how many
        are new. Decisions are first settled against what was announced before (re-marks)."""
        added = 0
        with self._lock:
            self._sinks = list(sinks)
            settled = self.history.settle(notices)
            for notice in settled:
                if notice.id in self.owed or not self._lacking(notice.id, notice):
                    continue
                entry = {"document": notice.document, "kind": notice.kind, "tries": {}}
                self._store.put_owed(notice.id, entry)
                added += 1
            unwanted = [i for i in self.owed if not self._lacking(i, self._notice(i))]
            for ident in unwanted:
                self._store.drop_owed(ident)  # no sink wants it any more (the sinks changed)
            if added or unwanted:
                self._save()
            self.history.save()  # after the ledger: a crash between replays the same ids
        return added

    def _lacking(self, ident: str, notice: Notice) -> list[Sink]:
        return [
            s for s in self._sinks if wants(s, notice) and ident not in self.sent.get(s.name, ())
        ]

    def use(self, sinks: Sequence[Sink]) -> None:
        """The sinks in force: what is owed, and when a notice is done, is judged by them."""
        with self._lock:
            self._sinks = list(sinks)

    def deliver(self, sinks: Sequence[Sink], *, now: datetime | None = None) -> Outcome:
        """Send what is owed to each sink whose wait is over, oldest first, each sink from its
        own thread; returns when every sink has gone through what was due."""
        self.use(sinks)
        outcome = Outcome()
        threads = [
            threading.Thread(
                target=self.drain, args=(sink, outcome, now), name=f"notify {sink.name}"
            )
            for sink in sinks
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.save()
        outcome.owed = self.owed_count()
        return outcome

    def owed_count(self) -> int:
        with self._lock:
            return sum(len(self._lacking(i, self._notice(i))) for i in self.owed)

    def _notice(self, ident: str) -> Notice:
        entry = self.owed[ident]
        return Notice(ident, str(entry["kind"]), dict(entry["document"]))

    def drain(
        self,
        sink: Sink,
        outcome: Outcome | None = None,
        now: datetime | None = None,
        stopping: threading.Event | None = None,
    ) -> float | None:
        """Send ``sink`` everything owed to it and due, oldest first. Returns the seconds until
        its next retry is due, or None when it is owed nothing."""
        outcome = outcome if outcome is not None else Outcome()
        with self._lock:
            order = sorted(self.owed, key=lambda i: (self.owed[i]["document"].get("seen_at"), i))
        next_due: datetime | None = None
        for ident in order:
            if stopping is not None and stopping.is_set():
                break
            moment = now or datetime.now(timezone.utc)
            with self._lock:
                if ident not in self.owed:
                    continue
                notice = self._notice(ident)
                if sink not in self._lacking(ident, notice):
                    continue
                tries = self.owed[ident]["tries"].get(sink.name) or {"count": 0, "next": None}
            due = box_time(tries["next"])
            if due is not None and due > moment:
                next_due = due if next_due is None else min(next_due, due)
                continue
            try:
                sink.send(notice)
            except SinkError as err:
                count = tries["count"] + 1
                wait = backoff(count, first=self._first_wait, longest=LONGEST_WAIT)
                self._failed(ident, sink, count, moment + wait)
                next_due = moment + wait if next_due is None else min(next_due, moment + wait)
                outcome.failed.append((sink.name, ident, str(err)))
                log.warning("notify: %s (again in %ss)", err, int(wait.total_seconds()))
                continue
            self._taken(ident, sink)
            outcome.delivered.append((sink.name, ident))
        self.save()
        if next_due is None:
            return None
        return max(0.0, (next_due - datetime.now(timezone.utc)).total_seconds())

    def _failed(self, ident: str, sink: Sink, count: int, due: datetime) -> None:
        with self._lock:
            entry = self.owed.get(ident)
            if entry is not None:
                entry["tries"][sink.name] = {"count": count, "next": stamp(due, microseconds=True)}
                self._store.put_owed(ident, entry)
                self._dirty = True

    def _taken(self, ident: str, sink: Sink) -> None:
        with self._lock:
            self._store.mark_sent(sink.name, ident)
            entry = self.owed.get(ident)
            if entry is not None:
                if entry["tries"].pop(sink.name, None) is not None:
                    self._store.put_owed(ident, entry)
                if not self._lacking(ident, self._notice(ident)):
                    self._store.drop_owed(ident)
            self._dirty = True
            if time.monotonic() - self._saved_at >= SAVE_EVERY:
                self._save()
