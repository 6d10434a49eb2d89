"""Live state: what a read of Box found (items, collaborations, files, tasks and their
assignments, webhooks), and Box's timestamps read as aware datetimes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

from reconciler.model.refs import InviteStatus, ItemRef, Principal, PrincipalKind
from reconciler.model.time import box_time


@dataclass(frozen=True)
class LiveComment:
    """One comment or reply on a file, as Box holds it."""

    id: str
    author_id: str
    author_login: str
    message: str
    created_at: str  # as Box sent it
    reply_to: str | None = None  # the comment this one answers


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
    assigned_at: str | None = None  # when it was assigned (a task may be older: new assignees)

    def assigned(self) -> datetime | None:
        return box_time(self.assigned_at)


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
