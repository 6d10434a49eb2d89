"""The assignments stage: who must approve each reviewed file, their reach, adds, removals, waits.

Box assigns a task only to someone with access to the file, so an approver is assigned once their
invitation to the folder is accepted. Until then the files wait on them (one line per delivery,
folder and approver, handed on as ``Wait``), or the assignment follows their invitation in the
same apply when this plan creates it. Approved and rejected assignments are history: never
touched, never recreated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from reconciler.model import (
    Client,
    Delivery,
    InviteStatus,
    ItemRef,
    LiveAssignment,
    LiveItem,
    LiveState,
    Principal,
    PrincipalKind,
)
from reconciler.plan import Action, Change, ChangeKey, Kind
from reconciler.planning.invitations import most_advanced, own_access
from reconciler.planning.stage import (
    Extras,
    Handoff,
    Inputs,
    Review,
    Step,
    Subject,
    Wait,
    box_object,
    change_on,
    where,
)

INCOMPLETE = "incomplete"


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


class _Reaches:
    """Each approver's reach on each folder, worked out once per plan."""

    def __init__(self, live: LiveState, handoff: Handoff) -> None:
        self.live = live
        self.invitations = handoff.invitations
        self.known: dict[tuple[ItemRef, Principal], Reach] = {}

    def of(self, principal: Principal, folder: LiveItem) -> Reach:
        key = (folder.ref, principal)
        if key not in self.known:
            self.known[key] = self._reach(principal, folder)
        return self.known[key]

    def _reach(self, principal: Principal, item: LiveItem) -> Reach:
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
        own = own_access(principal, item, self.live)
        if own is not None:
            return Reach(user_id=own)
        invitation = self.invitations.get((item.ref, principal))
        if invitation is not None:
            return Reach(invitation=invitation)
        return Reach(waits_because=f"until {principal} is invited and accepts")


def stage(inputs: Inputs, handoff: Handoff) -> Step:
    reaches = _Reaches(inputs.live, handoff)
    waiting: Counter[tuple[ItemRef, Approver]] = Counter()
    folders: dict[ItemRef, LiveItem] = {}
    changes: list[Change] = []
    for review in handoff.reviews:
        people = approvers(review.selecting)
        # A completed review is decided: Box refuses new assignees on it, nobody waits for it.
        assignable = review.task is None or not review.task.is_completed
        for approver in people if assignable else ():
            reach = reaches.of(approver.principal, review.folder)
            if review.task is not None and _assigned(review.task.assignments, approver, reach):
                continue
            if reach.user_id is None and reach.invitation is None:
                waiting[(review.folder.ref, approver)] += 1
                folders[review.folder.ref] = review.folder
                continue
            changes.append(_assign(approver, review, reach))
        changes.extend(
            c for c in _unassign(review, people, reaches) if box_object(c) not in handoff.revoking
        )
    waits = tuple(_waits(waiting, folders, reaches))
    changes.extend(_wait_change(wait) for wait in waits)
    return Step(tuple(changes), replace(handoff, waits=waits))


def approvers(selecting: Iterable[Delivery]) -> list[Approver]:
    """Approvers of every delivery that selects a file; the first delivery names each one."""
    seen: dict[Principal, Approver] = {}
    for delivery in selecting:
        for client in delivery.approvers():
            seen.setdefault(client.principal, Approver(delivery, client))
    return sorted(seen.values(), key=lambda a: a.principal)


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


def _assign(approver: Approver, review: Review, reach: Reach) -> Change:
    task = review.task
    ids = {"task_id": task.id} if task is not None else {}
    depends_on = (review.task_key,) if review.task_key is not None else ()
    reason = "approver not yet assigned this file's review task"
    if reach.user_id is not None:
        ids["user_id"] = reach.user_id
    else:
        # No user id on purpose: the applier learns it from the invitation, once accepted.
        assert reach.invitation is not None
        depends_on = (reach.invitation, *depends_on)
        reason = "on acceptance of the invitation created in this plan"
    subject = Subject(
        Kind.TASK_ASSIGNMENT, approver.delivery, review.folder, approver.principal, review.file
    )
    extras = Extras(
        origin=where(approver.client.origin),
        on_acceptance=reach.user_id is None,
        depends_on=depends_on,
        box_ids=ids,
    )
    return change_on(Action.ADD, subject, reason, extras=extras)


def _unassign(review: Review, people: list[Approver], reaches: _Reaches) -> Iterator[Change]:
    """Open assignments of people no selecting delivery lists as approvers, under prune."""
    pruning = [d for d in review.selecting if d.prune]
    task = review.task
    if not pruning or task is None:
        return
    for assignment in sorted(task.assignments, key=lambda a: a.id):
        if assignment.resolution_state != INCOMPLETE:
            continue
        if any(
            _is_theirs(assignment, a.principal, reaches.of(a.principal, review.folder))
            for a in people
        ):
            continue
        who = (
            Principal.email(assignment.assignee_login)
            if assignment.assignee_login
            else Principal.user(assignment.assignee_id)
        )
        yield change_on(
            Action.REMOVE,
            Subject(Kind.TASK_ASSIGNMENT, pruning[0], review.folder, who, review.file),
            f"not an approver of any delivery of this file; {pruning[0].name} prunes",
            before={"resolution_state": assignment.resolution_state},
            extras=Extras(
                box_ids={
                    "assignment_id": assignment.id,
                    "task_id": task.id,
                    "user_id": assignment.assignee_id,
                }
            ),
        )


def _waits(
    waiting: Counter[tuple[ItemRef, Approver]], folders: dict[ItemRef, LiveItem], reaches: _Reaches
) -> Iterator[Wait]:
    """One wait per folder, delivery and approver, however many files wait on them."""
    ordered = sorted(
        waiting.items(), key=lambda w: (w[0][0], w[0][1].delivery.name, w[0][1].principal)
    )
    for (ref, approver), count in ordered:
        folder = folders[ref]
        yield Wait(
            delivery=approver.delivery.name,
            folder=folder,
            principal=approver.principal,
            files=count,
            because=reaches.of(approver.principal, folder).waits_because,
            origin=where(approver.client.origin),
        )


def _wait_change(wait: Wait) -> Change:
    files = "1 file waits" if wait.files == 1 else f"{wait.files} files wait"
    separator = "" if wait.because.startswith(":") else " "
    return Change(
        action=Action.WAIT,
        kind=Kind.TASK_ASSIGNMENT,
        delivery=wait.delivery,
        item=wait.folder.ref,
        item_name=wait.folder.name,
        principal=wait.principal,
        reason=f"{files}{separator}{wait.because}",
        after={"files": wait.files},
        origin=wait.origin,
    )
