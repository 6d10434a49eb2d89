"""Who must approve a delivered file: each approver's reach, assignment adds and removals, waits.

Box assigns a task only to someone with access to the file, so an approver is assigned once their
invitation to the folder is accepted. Until then the files wait on them (one line per delivery,
folder and approver), or the assignment follows their invitation in the same apply when this plan
creates it. Approved and rejected assignments are history: never touched, never recreated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.invitations import most_advanced
from reconciler.model import (
    Client,
    Delivery,
    InviteStatus,
    ItemRef,
    LiveAssignment,
    LiveFile,
    LiveItem,
    LiveState,
    LiveTask,
    Origin,
    Principal,
    PrincipalKind,
)
from reconciler.plan import Action, Change, ChangeKey, Kind

INCOMPLETE = "incomplete"

#: The folder invitations a plan creates, by folder and principal.
Invitations = Mapping[tuple[ItemRef, Principal], ChangeKey]


@dataclass(frozen=True)
class Approver:
    """One person who must approve, for the first delivery (by name) that asks for them."""

    delivery: Delivery
    client: Client

    @property
    def principal(self) -> Principal:
        return self.client.principal


@dataclass(frozen=True)
class Reach:
    """Whether an approver can be assigned on one folder: now, after an invite, or not yet."""

    user_id: str | None = None
    invitation: ChangeKey | None = None
    waits_because: str = ""


@dataclass
class Folder:
    """One delivered folder with approval rules, and what its files are waiting on."""

    item: LiveItem
    rules: list[Delivery]  # deliveries with an approval rule on this folder, by name
    reach: dict[Principal, Reach] = field(default_factory=dict)
    waiting: dict[Approver, int] = field(default_factory=dict)  # files per approver


def approvers(selecting: list[Delivery]) -> list[Approver]:
    """Approvers of every delivery that selects a file; the first delivery names each one."""
    seen: dict[Principal, Approver] = {}
    for delivery in selecting:
        for client in delivery.approvers():
            seen.setdefault(client.principal, Approver(delivery, client))
    return sorted(seen.values(), key=lambda a: a.principal)


def plan_assignments(
    file: LiveFile,
    task: LiveTask | None,
    task_key: ChangeKey | None,
    folder: Folder,
    selecting: list[Delivery],
    live: LiveState,
    invitations: Invitations,
) -> list[Change]:
    """Assignments to add or remove on a file's review task (``task_key`` when it is new);
    approvers who cannot be assigned yet are counted in ``folder.waiting``."""
    out: list[Change] = []
    people = approvers(selecting)
    # A completed review is decided: Box refuses new assignees on it, and nobody waits for it.
    assignable = task is None or not task.is_completed
    for approver in people if assignable else ():
        reach = _reach_of(approver, folder, live, invitations)
        if task is not None and _assigned(task.assignments, approver, reach):
            continue
        if reach.user_id is None and reach.invitation is None:
            folder.waiting[approver] = folder.waiting.get(approver, 0) + 1
            continue
        out.append(_assign(approver, folder.item, file, task, task_key, reach))
    if task is not None:
        out.extend(_unassign(task, folder, file, selecting, people, live, invitations))
    return out


def _reach_of(
    approver: Approver, folder: Folder, live: LiveState, invitations: Invitations
) -> Reach:
    known = folder.reach.get(approver.principal)
    if known is None:
        known = _reach(approver.principal, folder.item, live, invitations)
        folder.reach[approver.principal] = known
    return known


def _reach(
    principal: Principal, item: LiveItem, live: LiveState, invitations: Invitations
) -> Reach:
    """Box assigns a task only to someone with access to the file, i.e. an accepted invite."""
    best = most_advanced(c for c in item.collaborations if c.matches(principal))
    if best is not None and best.status is InviteStatus.ACCEPTED:
        user_id = principal.key if principal.kind is PrincipalKind.USER else best.principal_id
        if user_id:
            return Reach(user_id=user_id)
    if best is not None and best.status is InviteStatus.PENDING:
        return Reach(waits_because=f"until {principal} accepts the invitation")
    if best is not None and best.status is InviteStatus.REJECTED:
        return Reach(waits_because=f": {principal} rejected the invitation")
    own = _own_access(principal, item, live)
    if own is not None:
        return Reach(user_id=own)
    invitation = invitations.get((item.ref, principal))
    if invitation is not None:
        return Reach(invitation=invitation)
    return Reach(waits_because=f"until {principal} is invited and accepts")


def _own_access(principal: Principal, item: LiveItem, live: LiveState) -> str | None:
    """The owner and the reconciler's account reach the folder without an invitation."""
    if principal.kind is PrincipalKind.USER and principal.key in {item.owner_id, live.me.id}:
        return principal.key
    if principal.kind is PrincipalKind.EMAIL and principal.key == live.me.login.casefold():
        return live.me.id
    return None


def _is_theirs(assignment: LiveAssignment, principal: Principal, reach: Reach) -> bool:
    if reach.user_id is not None and assignment.assignee_id == reach.user_id:
        return True
    if principal.kind is PrincipalKind.USER:
        return assignment.assignee_id == principal.key
    if principal.kind is PrincipalKind.EMAIL:
        return assignment.assignee_login.casefold() == principal.key
    return False


def _assigned(assignments: Iterable[LiveAssignment], approver: Approver, reach: Reach) -> bool:
    """Any assignment counts, approved and rejected ones too: they are never made again."""
    return any(_is_theirs(a, approver.principal, reach) for a in assignments)


def _assign(
    approver: Approver,
    item: LiveItem,
    file: LiveFile,
    task: LiveTask | None,
    task_key: ChangeKey | None,
    reach: Reach,
) -> Change:
    ids = {"task_id": task.id} if task is not None else {}
    depends_on = (task_key,) if task_key is not None else ()
    reason = "approver without an assignment on this file's review task"
    if reach.user_id is not None:
        ids["user_id"] = reach.user_id
    else:
        # No user id on purpose: the applier learns it from the invitation, once accepted.
        assert reach.invitation is not None
        depends_on = (reach.invitation, *depends_on)
        reason = "on acceptance of the invitation created in this plan"
    return file_change(
        Action.ADD,
        Kind.TASK_ASSIGNMENT,
        approver.delivery,
        item,
        file,
        approver.principal,
        reason,
        origin=where(approver.client.origin),
        on_acceptance=reach.user_id is None,
        depends_on=depends_on,
        box_ids=ids,
    )


def _unassign(
    task: LiveTask,
    folder: Folder,
    file: LiveFile,
    selecting: list[Delivery],
    approvers: list[Approver],
    live: LiveState,
    invitations: Invitations,
) -> Iterable[Change]:
    """Open assignments of people no selecting delivery lists as approvers, under prune."""
    pruning = [d for d in selecting if d.prune]
    if not pruning:
        return
    for assignment in sorted(task.assignments, key=lambda a: a.id):
        if assignment.resolution_state != INCOMPLETE:
            continue
        if any(
            _is_theirs(assignment, a.principal, _reach_of(a, folder, live, invitations))
            for a in approvers
        ):
            continue
        who = (
            Principal.email(assignment.assignee_login)
            if assignment.assignee_login
            else Principal.user(assignment.assignee_id)
        )
        yield file_change(
            Action.REMOVE,
            Kind.TASK_ASSIGNMENT,
            pruning[0],
            folder.item,
            file,
            who,
            f"not an approver of any delivery of this file; {pruning[0].name} prunes",
            before={"resolution_state": assignment.resolution_state},
            box_ids={
                "assignment_id": assignment.id,
                "task_id": task.id,
                "user_id": assignment.assignee_id,
            },
        )


def waits(folder: Folder) -> Iterable[Change]:
    """One line per delivery and approver, however many files wait on them."""
    ordered = sorted(folder.waiting.items(), key=lambda w: (w[0].delivery.name, w[0].principal))
    for approver, count in ordered:
        because = folder.reach[approver.principal].waits_because
        files = "1 file waits" if count == 1 else f"{count} files wait"
        separator = "" if because.startswith(":") else " "
        yield Change(
            action=Action.WAIT,
            kind=Kind.TASK_ASSIGNMENT,
            delivery=approver.delivery.name,
            item=folder.item.ref,
            item_name=folder.item.name,
            principal=approver.principal,
            reason=f"{files}{separator}{because}",
            after={"files": count},
            origin=where(approver.client.origin),
        )


# --- building changes ----------------------------------------------------------------------


def file_change(
    action: Action,
    kind: Kind,
    delivery: Delivery,
    item: LiveItem,
    file: LiveFile,
    principal: Principal | None,
    reason: str,
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    origin: str | None = None,
    on_acceptance: bool = False,
    depends_on: tuple[ChangeKey, ...] = (),
    box_ids: Mapping[str, str] | None = None,
) -> Change:
    return Change(
        action=action,
        kind=kind,
        delivery=delivery.name,
        item=item.ref,
        item_name=item.name,
        principal=principal,
        reason=reason,
        before=before,
        after=after,
        origin=origin,
        file=file.id,
        file_name=file.path,
        on_acceptance=on_acceptance,
        depends_on=depends_on,
        box_ids=dict(box_ids or {}),
    )


def where(origin: Origin | None) -> str | None:
    return None if origin is None else f"{origin.file}:{origin.line}"
