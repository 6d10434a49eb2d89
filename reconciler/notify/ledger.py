"""Exactly-once delivery of notices to each sink, remembered in the state directory.

The store (``ledger_store``: SQLite in the state directory) holds, per sink, the ids it has
taken, and the notices still owed to some sink with their attempts. What a sink took is written
down as it goes (a transaction at most every ``SAVE_EVERY`` seconds during a long backlog, and
at the end of each pass), so a restart after a kill re-sends at most what was sent in that last
moment, with the same ids, which the jsonl sink and a receiver honouring ``X-Reconcile-Id``
drop. A save that fails (a full disk) keeps what it held in memory and is tried again.
A sink that fails is tried again on later passes, waiting twice as long after each failure.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from reconciler.errors import SinkError
from reconciler.model import box_time
from reconciler.notify.ledger_store import Store
from reconciler.notify.notices import Notice
from reconciler.notify.sinks import Sink
from reconciler.statedir import StateDir

log = logging.getLogger(__name__)

FIRST_WAIT = timedelta(seconds=5)
SAVE_EVERY = 0.5  # seconds
LONGEST_WAIT = timedelta(minutes=30)


@dataclass
class Outcome:
    delivered: list[tuple[str, str]] = field(default_factory=list)  # (sink, notice id)
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (sink, id, why)
    owed: int = 0  # deliveries still waiting after this pass


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Ledger:
    def __init__(self, state: StateDir, *, first_wait: timedelta = FIRST_WAIT) -> None:
        self._first_wait = first_wait
        self._store = Store(state)

    @property
    def sent(self) -> dict[str, set[str]]:
        """Per sink, the ids it took."""
        return self._store.sent

    @property
    def owed(self) -> dict[str, dict[str, Any]]:
        """The notices some sink has not taken, by id: document, kind and tries per sink."""
        return self._store.owed

    def _save(self) -> None:
        self._store.save()

    def offer(self, notices: Iterable[Notice], sinks: Sequence[Sink]) -> int:
        """Owe each notice to every sink that has not taken it; returns how many are new."""
        added = 0
        for notice in notices:
            if notice.id in self.owed:
                continue
            if all(notice.id in self.sent.get(s.name, ()) for s in sinks):
                continue
            entry = {"document": notice.document, "kind": notice.kind, "tries": {}}
            self._store.put_owed(notice.id, entry)
            added += 1
        if added:
            self._save()
        return added

    def deliver(self, sinks: Sequence[Sink], *, now: datetime | None = None) -> Outcome:
        """Send what is owed to each sink whose wait is over, oldest first."""
        moment = now or datetime.now(timezone.utc)
        outcome = Outcome()
        saved = time.monotonic()

        def progress() -> None:
            nonlocal saved
            if time.monotonic() - saved >= SAVE_EVERY:
                self._save()
                saved = time.monotonic()

        for ident in sorted(self.owed, key=lambda i: (self.owed[i]["document"].get("seen_at"), i)):
            entry = self.owed[ident]
            notice = Notice(ident, str(entry["kind"]), dict(entry["document"]))
            for sink in sinks:
                if ident in self.sent.get(sink.name, ()):
                    continue
                tries = entry["tries"].get(sink.name) or {"count": 0, "next": None}
                due = box_time(tries["next"])
                if due is not None and due > moment:
                    continue
                try:
                    sink.send(notice)
                except SinkError as err:
                    wait = min(self._first_wait * (2 ** tries["count"]), LONGEST_WAIT)
                    entry["tries"][sink.name] = {
                        "count": tries["count"] + 1,
                        "next": _stamp(moment + wait),
                    }
                    self._store.put_owed(ident, entry)
                    outcome.failed.append((sink.name, ident, str(err)))
                    log.warning("notify: %s (again in %ss)", err, int(wait.total_seconds()))
                    continue
                self._store.mark_sent(sink.name, ident)
                if entry["tries"].pop(sink.name, None) is not None:
                    self._store.put_owed(ident, entry)
                outcome.delivered.append((sink.name, ident))
                progress()
            if all(ident in self.sent.get(s.name, ()) for s in sinks):
                self._store.drop_owed(ident)
        if outcome.delivered or outcome.failed:
            self._save()
        outcome.owed = sum(
            1 for i in self.owed for s in sinks if i not in self.sent.get(s.name, ())
        )
        return outcome
