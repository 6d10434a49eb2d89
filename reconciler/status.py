"""Pure status: how far each delivery's clients got with their invitations and approvals.

``report(desired, live)`` reads two snapshots and returns a ``StatusReport``: no I/O, no SDK, no
clock. Only the reconciler's own review tasks count (``live.me``): a task someone else put on a
file says nothing about the delivery's approval.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from reconciler import globs
from reconciler.comments import NO_COMMENTS, FileComments
from reconciler.model import (
    Client,
    Delivery,
    DesiredState,
    InviteStatus,
    ItemKind,
    ItemRef,
    LiveAssignment,
    LiveFile,
    LiveState,
    LiveTask,
    PrincipalKind,
    box_time,
    reviews_by,
)
from reconciler.planning.invitations import most_advanced
from reconciler.planning.lifecycle import invitation_age

FORMAT_VERSION = 1

#: The task action whose assignments carry Approve/Reject buttons.


class Invitation(str, Enum):
    NOT_INVITED = "not_invited"
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


#: Least advanced first. A rejection ranks lowest: it is the one state that needs the team.
INVITATION_RANK: Mapping[Invitation, int] = {
    Invitation.REJECTED: 0,
    Invitation.NOT_INVITED: 1,
    Invitation.PENDING: 2,
    Invitation.ACCEPTED: 3,
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

    def to_dict(self, *, files: bool = False) -> dict[str, Any]:
        return {
            "name": self.name,
            "manifest": self.manifest,
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


def report(desired: DesiredState, live: LiveState) -> StatusReport:
    """Every delivery (by name) and its clients (in manifest order), read from ``live``."""
    return StatusReport(
        tuple(_delivery_status(d, live) for d in sorted(desired.deliveries, key=lambda d: d.name))
    )


def delivery_files(delivery: Delivery, live: LiveState) -> tuple[LiveFile, ...]:
    """The files the delivery's approval rule selects, in folder then path order."""
    rule = delivery.approval
    if rule is None:
        return ()
    return tuple(
        f
        for folder in delivery.folders
        for f in sorted(live.files.get(folder, ()), key=lambda f: (f.path, f.id))
        if globs.selected(f.path, rule.include, rule.exclude)
    )


def _delivery_status(delivery: Delivery, live: LiveState) -> DeliveryStatus:
    files = delivery_files(delivery, live)
    return DeliveryStatus(
        name=delivery.name,
        manifest=delivery.file,
        clients=tuple(_client_status(delivery, c, files, live) for c in delivery.clients),
    )


def _client_status(
    delivery: Delivery, client: Client, files: tuple[LiveFile, ...], live: LiveState
) -> ClientStatus:
    items = tuple(ItemInvitation(ref, _invitation(client, ref, live)) for ref in delivery.refs())
    # Hub membership waits for an accepted invitation, so it does not count as one.
    shared = [i.state for i in items if i.item.kind is not ItemKind.HUB]
    summary = min(shared, key=INVITATION_RANK.__getitem__, default=Invitation.NOT_INVITED)
    approves = (
        delivery.approval is not None
        and client.approver
        and client.principal.kind is not PrincipalKind.GROUP
    )
    days, resends = _pending(client, delivery, live)
    who = _who(client, delivery, live, summary)
    if not approves:
        return ClientStatus(
            client.principal.display,
            client.principal.kind,
            summary,
            items,
            pending_days=days,
            resends=resends,
            **who,
        )
    ids = _account_ids(client, delivery, live)
    accepted = summary is Invitation.ACCEPTED or client.principal.kind is PrincipalKind.USER
    statuses = tuple(_file_status(f, client, ids, live, accepted) for f in files)
    return ClientStatus(
        client.principal.display,
        client.principal.kind,
        summary,
        items,
        Approvals.of(statuses),
        statuses,
        pending_days=days,
        resends=resends,
        **who,
    )


def _who(
    client: Client, delivery: Delivery, live: LiveState, summary: Invitation
) -> dict[str, Any]:
    """The client's name as Box gives it, when they were invited and when they accepted."""
    mine = [
        c
        for ref in delivery.items()
        if (item := live.items.get(ref)) is not None
        for c in item.collaborations
        if c.matches(client.principal)
    ]
    invited = [t for c in mine if (t := _utc(c.created_at))]
    accepted = [t for c in mine if (t := _utc(c.acknowledged_at))]
    done = summary is Invitation.ACCEPTED
    return {
        "name": next((c.name for c in mine if c.name), ""),
        "invited_at": min(invited, default=None),
        "accepted_at": max(accepted, default=None) if done else None,
    }


def _pending(client: Client, delivery: Delivery, live: LiveState) -> tuple[int | None, int | None]:
    """The age in days of the client's oldest pending invitation, and its resends."""
    waiting = [
        c
        for ref in delivery.items()
        if (item := live.items.get(ref)) is not None
        for c in item.collaborations
        if c.status is InviteStatus.PENDING and c.matches(client.principal)
    ]
    if not waiting:
        return None, None
    ages = [age.days for c in waiting if (age := invitation_age(c, live)) is not None]
    return max(ages, default=None), max(live.resends_of(c) for c in waiting)


def _invitation(client: Client, ref: ItemRef, live: LiveState) -> Invitation:
    item = live.items.get(ref)
    if item is None:
        return Invitation.NOT_INVITED
    found = most_advanced(c for c in item.collaborations if c.matches(client.principal))
    if found is None:
        return Invitation.NOT_INVITED
    return Invitation(found.status.value)


def _account_ids(client: Client, delivery: Delivery, live: LiveState) -> frozenset[str]:
    """Box user ids that are this client: the id itself, or whoever accepted its invitation."""
    if client.principal.kind is PrincipalKind.USER:
        return frozenset({client.principal.key})
    return frozenset(
        c.principal_id
        for ref in delivery.items()
        if (item := live.items.get(ref)) is not None
        for c in item.collaborations
        if c.principal_type == "user" and c.principal_id and c.matches(client.principal)
    )


def _file_status(
    file: LiveFile, client: Client, ids: frozenset[str], live: LiveState, accepted: bool
) -> FileStatus:
    reviews = reviews_by(file.tasks, live.me.id)
    mine = [(t, a) for t in reviews for a in t.assignments if _is_assignee(a, client, ids)]
    resolved = [(t, a) for t, a in mine if a.resolution_state in RESOLVED]
    if resolved:
        # Resolutions are history and never undone; if Box holds several, the latest speaks.
        task, latest = max(resolved, key=lambda ta: (_utc(ta[1].completed_at) or "", ta[1].id))
        return FileStatus(
            file.id,
            file.path,
            RESOLVED[latest.resolution_state],
            _utc(latest.completed_at),
            latest.id,
            latest.message,
            **_task_cells(task, live, open_=False),
        )
    if mine:
        task, first = mine[0]
        return FileStatus(
            file.id,
            file.path,
            FileState.TO_REVIEW,
            assignment_id=first.id,
            **_task_cells(task, live, open_=True),
        )
    state = FileState.NOT_ASSIGNED if accepted else FileState.WAITING
    return FileStatus(file.id, file.path, state, result=_overall(reviews[0]) if reviews else None)


def _task_cells(task: LiveTask, live: LiveState, *, open_: bool) -> dict[str, Any]:
    due = task.due()
    late = open_ and due is not None and live.read_at is not None and due < live.read_at
    return {
        "result": _overall(task),
        "completion_rule": task.completion_rule,
        "due_at": _utc(task.due_at),
        "overdue": late,
    }


def _overall(task: LiveTask) -> FileState:
    """The review's result over every assignee, as its completion rule decides it.

    ``any_assignee``: the first resolution settles the file; ``all_assignees``: one rejection
    rejects it, and it is approved only once everyone approved.
    """
    states = [RESOLVED.get(a.resolution_state) for a in task.assignments]
    if task.completion_rule == "any_assignee":
        done = [a for a in task.assignments if a.resolution_state in RESOLVED]
        if not done:
            return FileState.TO_REVIEW
        first = min(done, key=lambda a: (_utc(a.completed_at) or "", a.id))
        return RESOLVED[first.resolution_state]
    if FileState.REJECTED in states:
        return FileState.REJECTED
    if states and all(s is FileState.APPROVED for s in states):
        return FileState.APPROVED
    return FileState.TO_REVIEW


def _is_assignee(assignment: LiveAssignment, client: Client, ids: frozenset[str]) -> bool:
    if assignment.assignee_id and assignment.assignee_id in ids:
        return True
    return (
        client.principal.kind is PrincipalKind.EMAIL
        and assignment.assignee_login.casefold() == client.principal.key
    )


def _utc(stamp: str | None) -> str | None:
    """Box sends local offsets (``-08:00``); one zone makes the latest the largest string."""
    when = box_time(stamp)
    if when is None:
        return stamp or None  # an unreadable time is kept as Box sent it rather than dropped
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
