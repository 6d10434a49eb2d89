"""The sandbox's state: plain records in tables, ids, the clock, and durable snapshots.

No HTTP here. Services (users, items, collaborations, ...) read and change these tables under
``State.lock``; the server serialises every request that touches state through that lock.
"""

from __future__ import annotations

import dataclasses
import glob
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from reconciler.sandbox.event_log import EventLog
from reconciler.sandbox.records import (
    ADMIN_ROLES,
    App,
    Collaboration,
    Comment,
    Enterprise,
    File,
    Folder,
    Group,
    Hub,
    HubCollaboration,
    HubItem,
    Membership,
    MetadataInstance,
    Quirks,
    Task,
    TaskAssignment,
    Token,
    TrashedItem,
    User,
    Webhook,
    WebhookDelivery,
    is_admin,
)

__all__ = [
    "ADMIN_ROLES",
    "TABLES",
    "App",
    "Clock",
    "Collaboration",
    "Comment",
    "Enterprise",
    "File",
    "Folder",
    "Group",
    "Hub",
    "HubCollaboration",
    "HubItem",
    "Membership",
    "MetadataInstance",
    "Quirks",
    "State",
    "Task",
    "TaskAssignment",
    "Token",
    "TrashedItem",
    "User",
    "Webhook",
    "WebhookDelivery",
    "is_admin",
    "iso",
    "parse_datetime",
    "utc_now",
]

Clock = Callable[[], datetime]
#: One save at a time in this process (the server saves from request threads and its jobs).
_SAVING = threading.Lock()


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def iso(moment: datetime | None) -> str | None:
    """Box's date-time form: ISO 8601 with an explicit offset."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat()


def parse_datetime(text: str) -> datetime:
    """Accept what the SDK sends: ``Z``, ``+00:00``, another offset, or a naive time (UTC)."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


#: table name -> record class; the order is the order of the persisted document
TABLES: dict[str, type] = {
    "users": User,
    "tokens": Token,
    "apps": App,
    "groups": Group,
    "memberships": Membership,
    "folders": Folder,
    "files": File,
    "collaborations": Collaboration,
    "tasks": Task,
    "task_assignments": TaskAssignment,
    "comments": Comment,
    "hubs": Hub,
    "hub_collaborations": HubCollaboration,
    "webhooks": Webhook,
    "trashed_items": TrashedItem,
    "metadata": MetadataInstance,
    "webhook_deliveries": WebhookDelivery,
}


class State:
    """Every table of the emulated enterprise, the id sequence, and the clock."""

    def __init__(self, enterprise: Enterprise, *, clock: Clock = utc_now) -> None:
        self.enterprise = enterprise
        self.clock = clock
        self.lock = threading.RLock()
        self.next_id = 100_000
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self.apps: dict[str, App] = {}
        self.groups: dict[str, Group] = {}
        self.memberships: dict[str, Membership] = {}
        self.folders: dict[str, Folder] = {}
        self.files: dict[str, File] = {}
        self.collaborations: dict[str, Collaboration] = {}
        self.tasks: dict[str, Task] = {}
        self.task_assignments: dict[str, TaskAssignment] = {}
        self.comments: dict[str, Comment] = {}
        self.hubs: dict[str, Hub] = {}
        self.hub_collaborations: dict[str, HubCollaboration] = {}
        self.hub_items: list[HubItem] = []
        self.webhooks: dict[str, Webhook] = {}
        self.trashed_items: dict[str, TrashedItem] = {}
        self.webhook_deliveries: dict[str, WebhookDelivery] = {}
        self.event_log = EventLog(self.lock)
        self.metadata: dict[str, MetadataInstance] = {}
        self.quirks = Quirks()

    # -- ids and time --

    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def now(self) -> str:
        stamp = iso(self.clock())
        assert stamp is not None
        return stamp

    def reserve_ids(self, ids: Iterator[str]) -> None:
        """Make sure generated ids never collide with ids given by a seed."""
        for value in ids:
            if value.isdigit():
                self.next_id = max(self.next_id, int(value))

    # -- persistence --

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "enterprise": dataclasses.asdict(self.enterprise),
            "next_id": self.next_id,
        }
        for name in TABLES:
            doc[name] = [dataclasses.asdict(r) for r in getattr(self, name).values()]
        doc["hub_items"] = [dataclasses.asdict(h) for h in self.hub_items]
        doc["events"] = self.event_log.to_list()
        doc["quirks"] = dataclasses.asdict(self.quirks)
        return doc

    @classmethod
    def from_dict(cls, doc: dict[str, Any], *, clock: Clock = utc_now) -> State:
        state = cls(Enterprise(**doc["enterprise"]), clock=clock)
        state.next_id = int(doc.get("next_id", state.next_id))
        for name, record_type in TABLES.items():
            table = getattr(state, name)
            key = "token" if name == "tokens" else "client_id" if name == "apps" else "id"
            for row in doc.get(name, []):
                record = record_type(**row)
                table[getattr(record, key)] = record
        state.hub_items = [HubItem(**h) for h in doc.get("hub_items", [])]
        state.event_log.load(doc.get("events", []))
        state.quirks = Quirks(**doc.get("quirks", {}))
        return state

    def save(self, path: Path) -> None:
        """Write a snapshot atomically: a killed server leaves the old or the new file, whole.

        The temporary file a killed save left behind is removed by the next save: saves run
        one at a time, so any such file found then belongs to no save under way.
        """
        data = json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        with _SAVING:
            for stale in path.parent.glob(f".{glob.escape(path.name)}.*"):
                stale.unlink(missing_ok=True)
            self._write(path, data)

    @staticmethod
    def _write(path: Path, data: str) -> None:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path, *, clock: Clock = utc_now) -> State:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")), clock=clock)
