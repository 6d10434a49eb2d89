"""The sandbox's state: plain records in tables, ids, the clock, and durable snapshots.

No HTTP here. Services (users, items, collaborations, ...) read and change these tables under
``State.lock``; the server serialises every request that touches state through that lock.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from reconciler.sandbox.event_log import EventLog

Clock = Callable[[], datetime]


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


# --- records -------------------------------------------------------------------------------


#: the enterprise roles that may administer users, use As-User and list every hub
ADMIN_ROLES = ("admin", "coadmin")


@dataclass
class User:
    id: str
    login: str
    name: str
    enterprise_id: str | None  # None: an external person with a free Box account
    role: str = "user"  # admin | coadmin | user
    status: str = "active"
    is_service_account: bool = False
    created_at: str = ""
    modified_at: str = ""
    space_amount: int = 10_737_418_240
    space_used: int = 0
    language: str = "en"
    timezone: str = "America/Los_Angeles"
    job_title: str = ""
    phone: str = ""
    address: str = ""
    auto_accept: bool = True  # accepts invitations at once, as Box accounts do by default
    #: other email addresses of the account: invitations to them reach it
    aliases: list[str] = field(default_factory=list)


def is_admin(user: User) -> bool:
    """An enterprise admin or co-admin, or a service account: Box lets either act as one."""
    return user.role in ADMIN_ROLES or user.is_service_account


@dataclass
class Token:
    token: str
    user_id: str
    expires_at: str | None = None  # ISO time; None never expires


@dataclass
class App:
    client_id: str
    client_secret: str
    enterprise_id: str
    service_account_id: str
    #: JWT public keys by key id (PEM text)
    public_keys: dict[str, str] = field(default_factory=dict)


@dataclass
class Group:
    id: str
    name: str
    description: str = ""
    provenance: str = ""
    external_sync_identifier: str = ""
    invitability_level: str = "admins_only"
    member_viewability_level: str = "admins_only"
    group_type: str = "managed_group"
    created_at: str = ""
    modified_at: str = ""


@dataclass
class Membership:
    id: str
    user_id: str
    group_id: str
    role: str = "member"  # member | admin
    created_at: str = ""
    modified_at: str = ""


@dataclass
class Folder:
    id: str
    name: str
    parent_id: str | None  # None only for the root folder "0"
    owner_id: str
    description: str = ""
    created_at: str = ""
    modified_at: str = ""
    sequence_id: int = 0
    created_by_id: str = ""


@dataclass
class File:
    id: str
    name: str
    parent_id: str
    owner_id: str
    size: int = 0
    sha1: str = ""
    version_id: str = ""
    description: str = ""
    created_at: str = ""
    modified_at: str = ""
    sequence_id: int = 0
    created_by_id: str = ""


@dataclass
class Collaboration:
    id: str
    item_type: str  # folder | file
    item_id: str
    accessible_by_type: str  # user | group
    accessible_by_id: str | None  # None while an email with no Box account is pending
    invite_email: str | None
    role: str
    status: str  # pending | accepted | rejected
    created_by_id: str
    created_at: str = ""
    modified_at: str = ""
    acknowledged_at: str | None = None
    expires_at: str | None = None
    is_access_only: bool = False
    can_view_path: bool = False


@dataclass
class TrashedItem:
    """A deleted folder or file, in its owner's trash until purged; its contents went with it."""

    id: str
    type: str  # folder | file
    name: str
    parent_id: str
    owner_id: str
    trashed_by_id: str
    trashed_at: str
    description: str = ""
    size: int = 0
    created_at: str = ""
    modified_at: str = ""
    sequence_id: int = 0
    sha1: str = ""  # files only
    version_id: str = ""  # files only


@dataclass
class Task:
    id: str
    file_id: str
    action: str  # review | complete
    message: str
    completion_rule: str  # all_assignees | any_assignee
    due_at: str | None
    created_by_id: str
    created_at: str = ""
    is_completed: bool = False


@dataclass
class TaskAssignment:
    id: str
    task_id: str
    file_id: str
    assigned_to_id: str
    assigned_by_id: str
    message: str = ""
    resolution_state: str = "incomplete"  # incomplete | approved | rejected | completed
    assigned_at: str = ""
    completed_at: str | None = None
    reminded_at: str | None = None


@dataclass
class Comment:
    id: str
    file_id: str
    message: str
    created_by_id: str
    created_at: str = ""
    modified_at: str = ""
    reply_to_id: str | None = None  # the comment answered; None for a comment on the file


@dataclass
class Hub:
    id: str
    title: str
    owner_id: str
    description: str = ""
    created_at: str = ""
    updated_at: str = ""
    updated_by_id: str = ""
    view_count: int = 0
    is_ai_enabled: bool = False
    is_collaboration_restricted_to_enterprise: bool = False
    can_non_owners_invite: bool = True
    can_shared_link_be_created: bool = True
    can_public_shared_link_be_created: bool = True
    copy_hub_access: str = "all"


@dataclass
class HubCollaboration:
    id: str
    hub_id: str
    accessible_by_type: str  # user | group
    accessible_by_id: str
    role: str  # viewer | editor | co-owner
    status: str  # accepted | pending | rejected
    created_by_id: str = ""
    created_at: str = ""


@dataclass
class HubItem:
    hub_id: str
    item_type: str  # file | folder | web_link
    item_id: str


@dataclass
class Webhook:
    id: str
    target_type: str  # file | folder
    target_id: str
    address: str
    triggers: list[str]
    created_by_id: str
    app_client_id: str = ""
    created_at: str = ""
    #: Box's automatic clean-up judges a webhook by these two (developer.box.com
    #: /guides/webhooks/v2/limitations-v2, "Reasons for webhook deletion")
    last_success_at: str = ""
    last_trigger_at: str = ""


@dataclass
class WebhookDelivery:
    """One payload on its way to a webhook's address, tried again on Box's schedule."""

    id: str  # the payload's id: the same on every try
    webhook_id: str
    address: str
    body: str  # the JSON payload, byte for byte the same on every try
    due_at: str  # by the state's clock
    attempts: int = 0
    status: str = "pending"  # pending | sending | delivered | failed
    last_status: int | None = None  # the receiver's answer; None when it could not be reached
    retries: bool = True  # WEBHOOK.DELETED goes once: its webhook is gone


@dataclass
class Enterprise:
    id: str
    name: str
    #: webhook signature keys (primary, secondary), as the developer console shows them
    primary_signature_key: str = "sandbox-primary-key"
    secondary_signature_key: str = "sandbox-secondary-key"
    #: Box's "Automatically remove invited collaborators: Allow folder owners to extend the
    #: expiry date": without it, a collaboration cannot be given ``expires_at``
    collaboration_expiry: bool = False


@dataclass
class MetadataInstance:
    """Key/value metadata on a folder or file (only the free-form ``global.properties``)."""

    id: str
    item_type: str  # folder | file
    item_id: str
    scope: str
    template: str
    values: dict[str, Any] = field(default_factory=dict)
    version: int = 0


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
        return state

    def save(self, path: Path) -> None:
        """Write a snapshot atomically: a killed server leaves the old or the new file, whole."""
        data = json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))
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
