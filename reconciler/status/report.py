"""Pure status: how far each delivery's clients got with their invitations and approvals.

``report(desired, live)`` reads two snapshots and returns a ``StatusReport``: no I/O, no SDK, no
clock. Only the reconciler's own review tasks count (``live.me``): a task someone else put on a
file says nothing about the delivery's approval.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from reconciler.manifest import globs
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
    in_utc,
    reviews_by,
)
from reconciler.planning.invitations import most_advanced
from reconciler.planning.lifecycle import invitation_age
from reconciler.status.model import (
    FORMAT_VERSION,
    INVITATION_RANK,
    RESOLVED,
    Approvals,
    ClientStatus,
    DeliveryStatus,
    FileState,
    FileStatus,
    Invitation,
    ItemInvitation,
    StatusReport,
)

__all__ = [
    "FORMAT_VERSION",
    "INVITATION_RANK",
    "RESOLVED",
    "Approvals",
    "ClientStatus",
    "DeliveryStatus",
    "FileState",
    "FileStatus",
    "Invitation",
    "ItemInvitation",
    "StatusReport",
    "delivery_files",
    "report",
]


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
    clients = tuple(_client_status(delivery, c, files, live) for c in delivery.clients)
    if delivery.revoke:
        clients = tuple(_revoked(c) for c in clients)
    return DeliveryStatus(
        name=delivery.name, manifest=delivery.file, clients=clients, revoked=delivery.revoke
    )


#: What a revoked delivery never waits for: nobody is to accept or be assigned any more.
_NOT_AFTER_REVOKE = frozenset({FileState.WAITING, FileState.NOT_ASSIGNED})


def _revoked(client: ClientStatus) -> ClientStatus:
    """A client of a revoked delivery: access removed reads *revoked*, never *not invited*;
    decisions already made stay as history, and nothing waits for acceptance."""
    gone = Invitation.REVOKED

    def state(was: Invitation) -> Invitation:
        return gone if was is Invitation.NOT_INVITED else was

    items = tuple(ItemInvitation(i.item, state(i.state)) for i in client.items)
    files = tuple(f for f in client.files if f.state not in _NOT_AFTER_REVOKE)
    approvals = Approvals.of(files) if client.approvals is not None else None
    return replace(
        client,
        invitation=state(client.invitation),
        items=items,
        files=files,
        approvals=approvals,
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
    return in_utc(stamp) if stamp else None  # an unreadable time is kept as Box sent it
