"""Frozen dataclasses for desired state (from manifests) and live state (from Box)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum


class ItemKind(str, Enum):
    FOLDER = "folder"
    FILE = "file"
    HUB = "hub"


class PrincipalKind(str, Enum):
    EMAIL = "email"
    USER = "user"
    GROUP = "group"


class InviteStatus(str, Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


#: Box's collaboration roles on folders and files, as sent on the wire (POST accepts all but owner).
ITEM_ROLES: tuple[str, ...] = (
    "editor",
    "viewer",
    "previewer",
    "uploader",
    "previewer uploader",
    "viewer uploader",
    "co-owner",
)
#: Single-file collaborations support only these (Box product documentation).
FILE_ROLES: tuple[str, ...] = ("editor", "viewer")
HUB_ROLES: tuple[str, ...] = ("viewer", "editor", "co-owner")

#: Access from least to most, for policy checks such as ``max_role``.
ROLE_RANK: Mapping[str, int] = {
    "previewer": 1,
    "uploader": 1,
    "previewer uploader": 2,
    "viewer": 3,
    "viewer uploader": 4,
    "editor": 5,
    "co-owner": 6,
    "owner": 7,
}


@dataclass(frozen=True, order=True)
class Origin:
    """Where in which manifest a value was written (1-based line and column)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class ItemRef:
    kind: ItemKind
    id: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"


@dataclass(frozen=True, order=True)
class Principal:
    """Who gets access. Equality and order use ``key``; ``display`` keeps what was written."""

    kind: PrincipalKind
    key: str
    display: str = field(compare=False)

    @classmethod
    def email(cls, address: str) -> Principal:
        return cls(PrincipalKind.EMAIL, address.strip().casefold(), address.strip())

    @classmethod
    def user(cls, user_id: str) -> Principal:
        return cls(PrincipalKind.USER, str(user_id), str(user_id))

    @classmethod
    def group(cls, group_id: str) -> Principal:
        return cls(PrincipalKind.GROUP, str(group_id), str(group_id))

    def __str__(self) -> str:
        return self.display if self.kind is PrincipalKind.EMAIL else f"{self.kind.value}:{self.key}"


# --- desired state -------------------------------------------------------------------------


@dataclass(frozen=True)
class Expiry:
    """When access ends: at the end of a day (``expires``), or ``days`` after the invitation."""

    on: date | None = None
    days: int | None = None
    origin: Origin | None = None

    def moment(self, invited: datetime | None) -> datetime | None:
        """The ``expires_at`` this asks for; a relative expiry needs the invitation time."""
        if self.on is not None:
            return datetime.combine(self.on, time(23, 59, 59), tzinfo=timezone.utc)
        if self.days is not None and invited is not None:
            return invited + timedelta(days=self.days)
        return None

    def words(self) -> str:
        if self.on is not None:
            return self.on.isoformat()
        return f"{self.days} day{'' if self.days == 1 else 's'} after the invitation"


@dataclass(frozen=True)
class Resending:
    """Chasing invitations: a pending one older than ``after_days`` is sent again, at most
    ``max_resends`` times."""

    after_days: int
    max_resends: int = 2
    origin: Origin | None = None


@dataclass(frozen=True)
class Client:
    principal: Principal
    role: str
    hub_role: str = "viewer"
    approver: bool = True
    origin: Origin | None = None  # where the email, user or group was written
    role_origin: Origin | None = None
    hub_role_origin: Origin | None = None  # None when hub_role was left to its default
    expiry: Expiry | None = None  # the client's own; wins over the delivery's


@dataclass(frozen=True)
class ApprovalRule:
    message: str = "Approve the content?"
    due_in_days: int | None = None
    completion_rule: str = "all_assignees"
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    origin: Origin | None = None


@dataclass(frozen=True)
class Delivery:
    name: str
    file: str
    description: str = ""
    folders: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    hubs: tuple[str, ...] = ()
    clients: tuple[Client, ...] = ()
    approval: ApprovalRule | None = None
    notify: bool = True
    prune: bool = False
    origin: Origin | None = None
    expiry: Expiry | None = None
    invitations: Resending | None = None  # None: reconcile.yaml's, if any
    #: ending the delivery: everything it declared is planned for removal
    revoke: bool = False
    #: where each folder, file and hub id was written, for messages about that item
    item_origins: tuple[tuple[ItemRef, Origin], ...] = field(default=(), compare=False)

    def origin_of(self, ref: ItemRef) -> Origin | None:
        return next((where for item, where in self.item_origins if item == ref), self.origin)

    def items(self) -> tuple[ItemRef, ...]:
        """Folders and files this delivery shares (hubs are memberships, see ``hub_refs``)."""
        return tuple(ItemRef(ItemKind.FOLDER, f) for f in self.folders) + tuple(
            ItemRef(ItemKind.FILE, f) for f in self.files
        )

    def hub_refs(self) -> tuple[ItemRef, ...]:
        return tuple(ItemRef(ItemKind.HUB, h) for h in self.hubs)

    def refs(self) -> tuple[ItemRef, ...]:
        """Every folder, file and hub this delivery names."""
        return self.items() + self.hub_refs()

    def expiry_of(self, client: Client) -> Expiry | None:
        return client.expiry or self.expiry

    def approvers(self) -> tuple[Client, ...]:
        return tuple(
            c for c in self.clients if c.approver and c.principal.kind is not PrincipalKind.GROUP
        )


@dataclass(frozen=True)
class DesiredState:
    deliveries: tuple[Delivery, ...] = ()


@dataclass(frozen=True)
class Policy:
    """Repo-wide settings from ``reconcile.yaml``."""

    allowed_domains: tuple[str, ...] = ()
    internal_domains: tuple[str, ...] = ()  # the enterprise's own people; others are external
    max_role_external: str | None = None
    protected: tuple[str, ...] = ()
    max_removals: int = 20
    max_removal_fraction: float = 0.25
    concurrency: int = 8
    max_requests_per_second: float = 15.0
    invitations: Resending | None = None
    origin: Origin | None = None

    def is_protected(self, principal: Principal) -> bool:
        keys = {p.strip().casefold() for p in self.protected}
        return principal.key.casefold() in keys

    def is_external(self, principal: Principal) -> bool:
        """People given by email outside ``internal_domains``; ids and groups are not judged."""
        if principal.kind is not PrincipalKind.EMAIL:
            return False
        domain = principal.key.rpartition("@")[2]
        return domain not in {d.strip().casefold() for d in self.internal_domains}


# --- live state ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveUser:
    id: str
    login: str
    name: str = ""


@dataclass(frozen=True)
class LiveCollaboration:
    """A direct collaboration on a folder, file or hub, as Box reports it.

    ``user_id``/``login`` are None for a pending invitation of an email with no Box account
    (Box then sends ``accessible_by: null`` and ``invite_email``).
    """

    id: str
    item: ItemRef
    role: str
    status: InviteStatus
    principal_type: str | None  # "user", "group", or None when accessible_by is null
    principal_id: str | None
    login: str | None
    invite_email: str | None
    name: str = ""
    expires_at: str | None = None
    created_at: str | None = None
    created_by_id: str | None = None
    acknowledged_at: str | None = None  # when the invitation was accepted

    def matches(self, principal: Principal) -> bool:
        if principal.kind is PrincipalKind.GROUP:
            return self.principal_type == "group" and self.principal_id == principal.key
        if principal.kind is PrincipalKind.USER:
            return self.principal_type == "user" and self.principal_id == principal.key
        emails = {e.casefold() for e in (self.login, self.invite_email) if e}
        return principal.key in emails

    def box_ids(self) -> dict[str, str]:
        """The ids a change about this collaboration carries: its own, and its user's or group's."""
        ids = {"collaboration_id": self.id}
        if self.principal_type in ("user", "group") and self.principal_id:
            ids[f"{self.principal_type}_id"] = self.principal_id
        return ids


@dataclass(frozen=True)
class LiveItem:
    ref: ItemRef
    name: str
    owner_id: str | None
    collaborations: tuple[LiveCollaboration, ...] = ()


@dataclass(frozen=True)
class LiveAssignment:
    id: str
    assignee_id: str
    assignee_login: str
    resolution_state: str  # incomplete | approved | rejected | completed (read as Box sends it)
    completed_at: str | None = None
    message: str = ""  # what the assignee wrote when resolving it


@dataclass(frozen=True)
class LiveTask:
    id: str
    file_id: str
    action: str
    message: str
    completion_rule: str
    due_at: str | None
    created_by_id: str
    assignments: tuple[LiveAssignment, ...] = ()
    created_at: str | None = None
    #: Box completes a review by its completion rule; it then refuses new assignees (403)
    is_completed: bool = False

    def created(self) -> datetime | None:
        return box_time(self.created_at)

    def due(self) -> datetime | None:
        return box_time(self.due_at)

    def age(self) -> tuple[bool, datetime, int, str]:
        """Sort key, oldest first; a task without a readable ``created_at`` counts as newest."""
        created = self.created()
        number = int(self.id) if self.id.isdigit() else 0
        return (
            created is None,
            created or datetime.min.replace(tzinfo=timezone.utc),
            number,
            self.id,
        )


REVIEW = "review"


def reviews_by(tasks: Iterable[LiveTask], user_id: str) -> list[LiveTask]:
    """The review tasks one account created, oldest first: the reconciler keeps the oldest."""
    return sorted(
        (t for t in tasks if t.action == REVIEW and t.created_by_id == user_id), key=LiveTask.age
    )


def box_time(text: str | None) -> datetime | None:
    """A Box timestamp (ISO 8601 with an offset or ``Z``) as an aware datetime; None if unreadable.

    A time without an offset is taken as UTC, so every result compares with every other.
    """
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class LiveFile:
    id: str
    name: str
    path: str  # below the delivered folder, with "/" separators
    folder_id: str  # the delivered folder it was found under
    tasks: tuple[LiveTask, ...] = ()


@dataclass(frozen=True)
class InvitationRecord:
    """The reconciler's ledger in Box about one invitation on one item: when it was first
    sent and how often it was sent again (Box keeps no such history on a collaboration)."""

    invited_at: str
    resends: int = 0


@dataclass(frozen=True)
class LiveState:
    me: LiveUser
    items: Mapping[ItemRef, LiveItem] = field(default_factory=dict)
    files: Mapping[str, tuple[LiveFile, ...]] = field(default_factory=dict)  # by folder id
    #: when the snapshot was read: the "now" of expiries and of invitations' ages
    read_at: datetime | None = None
    #: the invitation ledger, by (item, email casefolded), for items whose deliveries keep one
    invitations: Mapping[tuple[ItemRef, str], InvitationRecord] = field(default_factory=dict)
    #: items Box would not give (not found, not visible, an error), each with why, as
    #: "FILE:LINE:COL: what happened"; the deliveries naming them are left out of the run
    unreadable: Mapping[ItemRef, str] = field(default_factory=dict)

    def resends_of(self, collab: LiveCollaboration) -> int:
        email = collab.invite_email or collab.login
        entry = self.invitations.get((collab.item, email.casefold())) if email else None
        return entry.resends if entry is not None else 0


@dataclass(frozen=True)
class LiveWebhook:
    """A Box webhook of this app and user: which item it watches, where it delivers, on what."""

    id: str
    target: ItemRef
    address: str
    triggers: tuple[str, ...]


@dataclass(frozen=True)
class WebhookSpec:
    """``webhooks:`` of reconcile.yaml: the webhook every delivered folder carries."""

    address: str
    triggers: tuple[str, ...]
    origin: str | None = None  # "file:line" of the section

    def wanted(self) -> dict[str, object]:
        return {"address": self.address, "triggers": sorted(self.triggers)}
