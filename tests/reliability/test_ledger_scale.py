"""The notify ledger with a year of history: 365k ids per sink save as fast as none, and ids
older than Box keeps events are forgotten."""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

from reconciler.manifest.notify_config import NOTICE_KINDS
from reconciler.notify.ledger import Ledger
from reconciler.notify.notices import Notice
from reconciler.notify.statedir import StateDir

PER_SINK = 365_000
SINKS = ("jsonl:decisions.jsonl", "http:https://billing.example/hook")


class Taker:
    on = frozenset(NOTICE_KINDS)

    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, notice: Notice) -> None:
        del notice


def notice(n: int) -> Notice:
    document = {"id": f"new-{n}", "type": "acceptance", "seen_at": f"2026-03-01T12:{n:02d}"}
    return Notice(f"new-{n}", "acceptance", document)


def test_a_save_with_365k_ids_per_sink_writes_only_what_changed(tmp_path: Path) -> None:
    # How long it takes is measured by benchmarks/ledger_bench.py; what a test can hold is
    # that a save's work does not grow with the history: it writes the rows that changed.
    history = {sink: [f"n{k:07d}" for k in range(PER_SINK)] for sink in SINKS}
    (tmp_path / "notify.json").write_text(json.dumps({"sent": history, "owed": {}}))
    sinks = [Taker(name) for name in SINKS]
    with StateDir.open(tmp_path) as state:
        ledger = Ledger(state)  # takes the old file over once
        db = ledger._store._db  # the ledger's own connection: its count of rows written
        for n in range(15):
            before = db.total_changes
            ledger.offer([notice(n)], sinks)
            outcome = ledger.deliver(sinks, now=datetime(2026, 3, 1, tzinfo=timezone.utc))
            assert len(outcome.delivered) == 2 and outcome.owed == 0
            # one owed row in and out, one sent row per sink
            assert db.total_changes - before <= 4
    with StateDir.open(tmp_path) as state:  # everything was kept
        again = Ledger(state)
        assert all(len(again.sent[sink]) == PER_SINK + 15 for sink in SINKS)
        assert again.offer([notice(3)], sinks) == 0


def test_ids_older_than_box_keeps_events_are_forgotten(tmp_path: Path) -> None:
    sinks = [Taker("jsonl:decisions.jsonl")]
    with StateDir.open(tmp_path) as state:
        ledger = Ledger(state)
        ledger.offer([notice(1), notice(2)], sinks)
        ledger.deliver(sinks)
    two_years = time.time() - 2 * 365 * 86400
    with closing(sqlite3.connect(tmp_path / "notify.db")) as db, db:
        db.execute("UPDATE sent SET at = ? WHERE id = ?", (two_years, "new-1"))
    with StateDir.open(tmp_path) as state:
        ledger = Ledger(state)
        assert ledger.sent["jsonl:decisions.jsonl"] == {"new-2"}
