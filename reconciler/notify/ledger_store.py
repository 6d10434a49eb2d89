"""Where the notify ledger keeps what each sink took and what is still owed: an SQLite database
in the state directory (``notify.db``), changed row by row, so a save costs the same with a
year of history as with none. Ids older than Box keeps events (``FORGET_AFTER``) are forgotten.

A save that fails (a full disk) keeps its changes queued in memory; the state directory runs it
again until it succeeds. An old ``notify.json`` is read strictly and taken over once.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
import time
from datetime import timedelta
from typing import Any

from reconciler.errors import printable
from reconciler.notify.statedir import StateDir, StateError

DB = "notify.db"
LEGACY = "notify.json"
#: Box keeps enterprise events (admin_logs) for a year; an id older than that and a margin can
#: no longer come back from any stream Box serves.
FORGET_AFTER = timedelta(days=365 + 30)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sent (
    sink TEXT NOT NULL, id TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (sink, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sent_at ON sent (at);
CREATE TABLE IF NOT EXISTS owed (id TEXT PRIMARY KEY, entry TEXT NOT NULL) WITHOUT ROWID;
"""

Op = tuple[str, tuple[Any, ...]]


class Store:
    """The ledger's rows: ``sent`` and ``owed`` as loaded, and changes queued until saved."""

    def __init__(self, state: StateDir) -> None:
        self._state = state
        self._path = state.path / DB
        self._lock = threading.Lock()
        self._queued: list[Op] = []
        self._db = _open(self._path)
        self.sent: dict[str, set[str]] = {}
        self.owed: dict[str, dict[str, Any]] = {}
        self._load()
        self._take_over_legacy()

    def _load(self) -> None:
        cutoff = time.time() - FORGET_AFTER.total_seconds()
        try:
            with self._db:
                self._db.execute("DELETE FROM sent WHERE at < ?", (cutoff,))
            for sink, ident in self._db.execute("SELECT sink, id FROM sent"):
                self.sent.setdefault(sink, set()).add(ident)
            for ident, text in self._db.execute("SELECT id, entry FROM owed"):
                self.owed[ident] = _entry(self._path, text)
        except sqlite3.DatabaseError as exc:
            raise StateError(f"{_shown(self._path)}: not a notify ledger ({exc})") from None

    def mark_sent(self, sink: str, ident: str) -> None:
        self.sent.setdefault(sink, set()).add(ident)
        self._queue("INSERT OR IGNORE INTO sent VALUES (?, ?, ?)", (sink, ident, time.time()))

    def put_owed(self, ident: str, entry: dict[str, Any]) -> None:
        self.owed[ident] = entry
        self._queue("INSERT OR REPLACE INTO owed VALUES (?, ?)", (ident, json.dumps(entry)))

    def drop_owed(self, ident: str) -> None:
        self.owed.pop(ident, None)
        self._queue("DELETE FROM owed WHERE id = ?", (ident,))

    def save(self) -> bool:
        """Write the queued changes in one transaction; False when it failed (they stay queued
        and are tried again)."""
        return self._state.save(DB, self._commit)

    def _queue(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._lock:
            self._queued.append((sql, params))

    def _commit(self) -> None:
        with self._lock:
            queued = list(self._queued)
            if not queued:
                return
            try:
                with self._db:
                    for sql, params in queued:
                        self._db.execute(sql, params)
            except sqlite3.Error as exc:  # "database or disk is full", "disk I/O error"
                raise OSError(str(exc)) from None
            del self._queued[: len(queued)]

    def _take_over_legacy(self) -> None:
        """Rows of an old ``notify.json`` (checked strictly), written here once."""
        if not os.path.lexists(self._state.path / LEGACY):
            return
        doc = self._state.read(LEGACY)
        sent, owed = doc.get("sent", {}), doc.get("owed", {})
        if not (
            isinstance(sent, dict)
            and all(
                isinstance(v, list) and all(isinstance(i, str) for i in v) for v in sent.values()
            )
            and isinstance(owed, dict)
            and all(_is_entry(v) for v in owed.values())
        ):
            raise self._state.wrong_shape(LEGACY, '"sent" or "owed" is not what a ledger holds')
        for sink, ids in sent.items():
            for ident in ids:
                self.mark_sent(str(sink), ident)
        for ident, entry in owed.items():
            if ident not in self.owed:
                self.put_owed(str(ident), entry)
        try:
            self._commit()
        except OSError as exc:
            raise StateError(f"{_shown(self._path)}: cannot take over {LEGACY} ({exc})") from None
        os.replace(self._state.path / LEGACY, self._state.path / f"{LEGACY}.taken-over")

    def close(self) -> None:
        self._db.close()


def _open(path: os.PathLike[str]) -> sqlite3.Connection:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise StateError(f"{_shown(path)}: cannot read it ({exc.strerror})") from None
    if mode is not None and not stat.S_ISREG(mode):
        # A FIFO would block the open, a device would never end.
        raise StateError(f"{_shown(path)}: not a state file: not a regular file")
    try:
        db = sqlite3.connect(path, timeout=5, check_same_thread=False, isolation_level=None)
        db.isolation_level = "DEFERRED"  # transactions by "with db:", one per save
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_SCHEMA)
    except sqlite3.DatabaseError as exc:
        raise StateError(f"{_shown(path)}: not a notify ledger ({exc})") from None
    return db


def _entry(path: os.PathLike[str], text: str) -> dict[str, Any]:
    try:
        entry = json.loads(text)
    except ValueError:
        entry = None
    if not _is_entry(entry):
        raise StateError(f"{_shown(path)}: an owed notice of the wrong shape")
    return dict(entry)


def _is_entry(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("document"), dict)
        and isinstance(entry.get("kind"), str)
        and isinstance(entry.get("tries"), dict)
    )


def _shown(path: os.PathLike[str]) -> str:
    return printable(os.fspath(path))
