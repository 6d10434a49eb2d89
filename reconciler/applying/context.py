"""What the executors of one apply share: the Box reader and writer, the clock, and the outputs of
the changes made so far (an invitation's user id, for the work that follows its acceptance)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from reconciler.box.reader import BoxReader
from reconciler.box.writer import BoxWriter
from reconciler.model import InviteStatus
from reconciler.plan import Change, ChangeKey, Kind


class Waiting(Exception):
    """A follow-through change whose invitation Box left pending: nothing to do yet."""


@dataclass
class Context:
    """What executors share during one apply."""

    writer: BoxWriter
    reader: BoxReader
    me_id: str = ""
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    outputs: dict[ChangeKey, dict[str, str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Box refused an expiry in this run: the enterprise setting is off for every collaboration
    expiry_refused: bool = False

    def output_of(self, key: ChangeKey) -> dict[str, str]:
        with self.lock:
            return dict(self.outputs.get(key, {}))

    def user_id_for(self, change: Change) -> str | None:
        """The Box user behind a change's principal: known at plan time, or from the invitation
        this run created (on acceptance)."""
        if change.user_id:
            return change.user_id
        for key in change.depends_on:
            found = self.output_of(key)
            if found.get("kind") == Kind.COLLABORATION.value:
                if found.get("status") != InviteStatus.ACCEPTED.value:
                    raise Waiting(f"waits until {change.principal} accepts the invitation")
                if found.get("user_id"):
                    return found["user_id"]
        return None
