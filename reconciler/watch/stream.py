"""Where the watcher is in Box's event streams, kept in the state directory (``stream.json``),
and whether that place is still one Box can resume from.

The watcher follows one stream, or two with the enterprise stream (the account's own
``changes`` stream beside it), so the file holds a position per stream type::

    {"positions": {"admin_logs_streaming": "1733...", "changes": "2871..."},
     "saved_at": "2026-03-02T18:00:04Z"}

A file of the older one-stream form (``stream_type`` and ``position``) is read as that one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from reconciler.model import box_time, stamp
from reconciler.notify.statedir import StateDir

FILE = "stream.json"


@dataclass(frozen=True)
class StreamPlace:
    positions: Mapping[str, str]  # stream type -> position
    saved_at: datetime

    def usable(self, streams: Iterable[str], retention: timedelta, now: datetime) -> bool:
        """A position for every stream followed, young enough that Box still holds the events
        after it."""
        return all(s in self.positions for s in streams) and now - self.saved_at < retention

    def describe(self) -> str:
        return ", ".join(sorted(self.positions)) or "no"


def load_place(state: StateDir) -> StreamPlace | None:
    doc = state.read(FILE)
    saved, found = doc.get("saved_at"), doc.get("positions")
    if not isinstance(saved, (str, type(None))) or not isinstance(found, (dict, type(None))):
        raise state.wrong_shape(FILE, '"saved_at" or "positions" is not what a place holds')
    saved_at = box_time(saved)
    if isinstance(found, dict):
        positions = {str(k): str(v) for k, v in found.items() if v}
    elif doc.get("position"):
        positions = {str(doc.get("stream_type") or ""): str(doc["position"])}
    else:
        positions = {}
    if not positions or saved_at is None:
        return None
    return StreamPlace(positions, saved_at)


def save_place(state: StateDir, positions: Mapping[str, str], now: datetime | None = None) -> None:
    moment = now or datetime.now(timezone.utc)
    state.write(
        FILE,
        {"positions": dict(sorted(positions.items())), "saved_at": stamp(moment)},
    )
