"""The status report as data: invitations, reviews and decisions per delivery, client and file,
and the views a user reads (JSON, counts, the ``--since`` filter)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Any

from reconciler.model import (
    ItemRef,
    PrincipalKind,
    box_time,
)

FORMAT_VERSION = 1


@dataclass(frozen=True)
class ClientComment:
    author: str  # the author's login
    message: str
    created_at: str  # UTC, ISO 8601
    id: str = ""  # Box's comment id: what a comment notice is about


@dataclass(frozen=True)
class FileComments:
    """A file's comments by the delivery's clients, newest first, and whether the latest of
    them still waits for an answer from someone who is not a client."""

    by_clients: tuple[ClientComment, ...] = ()
    unanswered: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "comments": [
                {"author": c.author, "message": c.message, "created_at": c.created_at}
                for c in self.by_clients
            ],
            "unanswered_comments": self.unanswered,
        }


#: a file whose comments were not read, or that has none by clients
NO_COMMENTS = FileComments()


class Invitation(str, Enum):
    NOT_INVITED = "not_invited"
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    #: the delivery is revoked and the client's access is gone, as the manifest asks
    REVOKED = "revoked"


#: Least advanced first. A rejection ranks lowest: it is the one state that needs the team.
INVITATION_RANK: Mapping[Invitation, int] = {
    Invitation.REJECTED: 0,
    Invitation.NOT_INVITED: 1,
    Invitation.PENDING: 2,
    Invitation.ACCEPTED: 3,
    Invitation.REVOKED: 4,
}


class FileState(str, Enum):
    APPROVED = "approved"
    REJECTED = "rejected"
    TO_REVIEW = "to_review"  # assigned, not yet decided
    #: not assigned because the client's invitation is not accepted yet: the plan's "waiting"
    WAITING = "waiting_for_acceptance"
    NOT_ASSIGNED = "not_assigned"  # selected by the approval rule, accepted, no assignment yet


#: Box resolution states that end a review; "completed" belongs to "complete" tasks and means
#: the person signed the file off, which billing reads as an approval.
RESOLVED: Mapping[str, FileState] = {
    "approved": FileState.APPROVED,
    "completed": FileState.APPROVED,
    "rejected": FileState.REJECTED,
}


@dataclass(frozen=True)
class ItemInvitation:
    item: ItemRef
    state: Invitation


@dataclass(frozen=True)
class FileStatus:
    file_id: str
    path: str
    state: FileState
    resolved_at: str | None = None  # UTC, ISO 8601, when approved or rejected
    assignment_id: str | None = None  # the assignment that decided, or the one still open
    message: str = ""  # what the reviewer wrote with the decision
    #: the file's overall result under its review's completion rule, over every assignee
    result: FileState | None = None
    completion_rule: str = ""
    due_at: str | None = None  # UTC, ISO 8601
    overdue: bool = False  # still to review past its due date, by Box's clock
    comments: FileComments = NO_COMMENTS  # the clients' Box comments, when status read them

    def decided(self) -> bool:
        return self.state in (FileState.APPROVED, FileState.REJECTED)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "path": self.path,
            "state": self.state.value,
            "resolved_at": self.resolved_at,
            "message": self.message,
            "assignment_id": self.assignment_id,
            "result": self.result.value if self.result is not None else None,
            "completion_rule": self.completion_rule or None,
            "due_at": self.due_at,
            "overdue": self.overdue,
            **self.comments.to_dict(),
        }


@dataclass(frozen=True)
class Approvals:
    approved: int = 0
    rejected: int = 0
    to_review: int = 0
    waiting: int = 0  # for acceptance
    not_assigned: int = 0
    last_resolved_at: str | None = None

    @classmethod
    def of(cls, files: Iterable[FileStatus]) -> Approvals:
        found = tuple(files)
        states = [f.state for f in found]
        resolved = [f.resolved_at for f in found if f.resolved_at]
        return cls(
            approved=states.count(FileState.APPROVED),
            rejected=states.count(FileState.REJECTED),
            to_review=states.count(FileState.TO_REVIEW),
            waiting=states.count(FileState.WAITING),
            not_assigned=states.count(FileState.NOT_ASSIGNED),
            last_resolved_at=max(resolved, default=None),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "approved": self.approved,
            "rejected": self.rejected,
            "to_review": self.to_review,
            "waiting_for_acceptance": self.waiting,
            "not_assigned": self.not_assigned,
            "last_resolved_at": self.last_resolved_at,
        }


@dataclass(frozen=True)
class ClientStatus:
    """One client of one delivery. ``approvals`` is None for those who never approve."""

    client: str  # as written in the manifest: an email, a user id or a group id
    kind: PrincipalKind
    invitation: Invitation  # the least advanced over the delivery's folders and files
    items: tuple[ItemInvitation, ...] = ()  # folders, files and hubs, one each
    approvals: Approvals | None = None
    files: tuple[FileStatus, ...] = ()
    #: while an invitation is pending: its age in whole days (by Box's clock) and how often the
    #: reconciler sent it again (from its ledger in Box); the oldest over the items
    pending_days: int | None = None
    resends: int | None = None
    name: str = ""  # a group's or user's name as Box gives it
    invited_at: str | None = None  # UTC: the earliest invitation over the delivery's items
    accepted_at: str | None = None  # UTC: the latest acceptance, once every item is accepted

    def to_dict(self, *, files: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "client": self.client,
            "name": self.name,
            "kind": self.kind.value,
            "invited_at": self.invited_at,
            "accepted_at": self.accepted_at,
            "invitation": self.invitation.value,
            "pending_days": self.pending_days,
            "resends": self.resends,
            "items": [{"item": str(i.item), "invitation": i.state.value} for i in self.items],
            "approver": self.approvals is not None,
            "counts": self.approvals.to_dict() if self.approvals is not None else None,
        }
        if files and self.approvals is not None:
            out["files"] = [f.to_dict() for f in self.files]
        return out


@dataclass(frozen=True)
class DeliveryStatus:
    name: str
    manifest: str
    clients: tuple[ClientStatus, ...] = ()
    revoked: bool = False  # the manifest says ``revoke: true``

    def to_dict(self, *, files: bool = False) -> dict[str, Any]:
        return {
            "name": self.name,
            "manifest": self.manifest,
            "revoked": self.revoked,
            "clients": [c.to_dict(files=files) for c in self.clients],
        }


@dataclass(frozen=True)
class StatusReport:
    deliveries: tuple[DeliveryStatus, ...] = ()

    def to_dict(self, *, files: bool = False) -> dict[str, Any]:
        """The versioned JSON document; ``files`` adds each approver's file rows."""
        return {
            "format_version": FORMAT_VERSION,
            "deliveries": [d.to_dict(files=files) for d in self.deliveries],
        }

    def since(self, start: datetime) -> StatusReport:
        """Only the decisions made at or after ``start``, with each approver's counts over them."""
        return StatusReport(tuple(_since(d, start) for d in self.deliveries))

    def with_group_names(self, names: Mapping[str, str]) -> StatusReport:
        """The report with each group client of ``names`` (by id) given that name."""

        def named(client: ClientStatus) -> ClientStatus:
            if client.kind is PrincipalKind.GROUP and client.client in names:
                return replace(client, name=names[client.client])
            return client

        return StatusReport(
            tuple(replace(d, clients=tuple(named(c) for c in d.clients)) for d in self.deliveries)
        )

    def rejected_files(self) -> int:
        return len(self.rejections())

    def rejections(self) -> tuple[tuple[DeliveryStatus, ClientStatus, FileStatus], ...]:
        """Each file a client rejected, with who and in which delivery: the team's to-do list."""
        return tuple(
            (d, c, f)
            for d in self.deliveries
            for c in d.clients
            for f in c.files
            if f.state is FileState.REJECTED
        )


def _since(delivery: DeliveryStatus, start: datetime) -> DeliveryStatus:
    clients = []
    for client in delivery.clients:
        if client.approvals is None:
            clients.append(client)
            continue
        kept = tuple(f for f in client.files if f.decided() and _on_or_after(f.resolved_at, start))
        clients.append(replace(client, files=kept, approvals=Approvals.of(kept)))
    return replace(delivery, clients=tuple(clients))


def _on_or_after(stamp: str | None, start: datetime) -> bool:
    when = box_time(stamp)
    return when is not None and when >= start
