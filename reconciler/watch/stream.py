"""Where the watcher is in Box's event stream, kept in the state directory (``stream.json``),
and whether that place is still one Box can resume from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from reconciler.model import box_time
from reconciler.statedir import StateDir

FILE = "stream.json"


@dataclass(frozen=True)
class StreamPlace:
    stream_type: str
    position: str
    saved_at: datetime

    def usable(self, stream_type: str, retention: timedelta, now: datetime) -> bool:
        """Same stream, and young enough that Box still holds the events after it."""
        return self.stream_type == stream_type and now - self.saved_at < retention


def load_place(state: StateDir) -> StreamPlace | None:
    doc = state.read(FILE)
    saved_at = box_time(doc.get("saved_at"))
    if not doc.get("position") or saved_at is None:
        return None
    return StreamPlace(str(doc.get("stream_type") or ""), str(doc["position"]), saved_at)


def save_place(
    state: StateDir, stream_type: str, position: str, now: datetime | None = None
) -> None:
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    state.write(
        FILE,
        {
            "stream_type": stream_type,
            "position": position,
            "saved_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )
