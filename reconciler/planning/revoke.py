"""Ending a delivery on purpose: ``revoke: true`` plans the removal of everything it declared.

Every collaborator and hub member the manifest names goes, and so does each of their *open*
review assignments on the reconciler's tasks; approved or rejected ones stay (they are the
billing record). A person another, live delivery still declares on the same item stays there.
The removals are ordinary REMOVE changes, so the safety limits apply to them as to any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from reconciler.model import (
    Delivery,
    ItemKind,
    ItemRef,
    LiveAssignment,
    LiveCollaboration,
    LiveUser,
    Principal,
    PrincipalKind,
    reviews_by,
)
from reconciler.plan import Action, Change, Kind
from reconciler.planning.access import guard
from reconciler.planning.stage import Handoff, Inputs, Step, box_object

INCOMPLETE = "incomplete"


def stage(inputs: Inputs, handoff: Handoff) -> Step:
    """The removals of every revoked delivery; what they remove is handed on, so a line another
    stage would make about the same collaboration or assignment is not made."""
    kept = _still_declared(inputs.deliveries)
    changes: list[Change] = []
    for delivery in inputs.ended:
        changes.extend(_collaborations(delivery, inputs, kept))
        changes.extend(_assignments(delivery, inputs))
    taken = frozenset(o for c in changes if (o := box_object(c)) is not None)
    return Step(tuple(changes), replace(handoff, revoking=handoff.revoking | taken))


def _still_declared(active: Iterable[Delivery]) -> set[tuple[ItemRef, Principal]]:
    return {(ref, c.principal) for d in active for ref in d.refs() for c in d.clients}


def _reason(delivery: Delivery) -> str:
    where = f" ({delivery.origin.file})" if delivery.origin is not None else ""
    return f"{delivery.name} is revoked{where}"


def _collaborations(
    delivery: Delivery, inputs: Inputs, kept: set[tuple[ItemRef, Principal]]
) -> Iterable[Change]:
    for ref in delivery.refs():
        item = inputs.live.items.get(ref)
        if item is None:
            continue
        kind = Kind.HUB_COLLABORATION if ref.kind is ItemKind.HUB else Kind.COLLABORATION
        for client in delivery.clients:
            if (ref, client.principal) in kept:
                continue
            for collab in sorted(item.collaborations, key=lambda c: c.id):
                if not _is_theirs(collab, client.principal, inputs.accounts):
                    continue
                stop = guard(collab, item, inputs)
                yield Change(
                    action=Action.UNMANAGED if stop else Action.REMOVE,
                    kind=kind,
                    delivery=delivery.name,
                    item=ref,
                    item_name=item.name,
                    principal=client.principal,
                    reason=f"{stop}: never removed" if stop else _reason(delivery),
                    before={"role": collab.role},
                    box_ids=collab.box_ids(),
                )


def _is_theirs(
    collab: LiveCollaboration, principal: Principal, known: Mapping[str, LiveUser]
) -> bool:
    if collab.matches(principal):
        return True
    # hub collaborations show no email: an email client is known there by their Box account
    account = known.get(principal.key) if principal.kind is PrincipalKind.EMAIL else None
    return (
        account is not None
        and collab.principal_type == "user"
        and collab.principal_id == account.id
    )


def _assignments(delivery: Delivery, inputs: Inputs) -> Iterable[Change]:
    live, known = inputs.live, inputs.accounts
    approvers = delivery.approvers()
    for folder_id in delivery.folders:
        ref = ItemRef(ItemKind.FOLDER, folder_id)
        item = live.items.get(ref)
        for file in live.files.get(folder_id, ()):
            for task in reviews_by(file.tasks, live.me.id)[:1]:
                for assignment in sorted(task.assignments, key=lambda a: a.id):
                    if assignment.resolution_state != INCOMPLETE:
                        continue  # decided: the billing record stays
                    client = next(
                        (c for c in approvers if _assigned(assignment, c.principal, known)), None
                    )
                    if client is None:
                        continue
                    yield Change(
                        action=Action.REMOVE,
                        kind=Kind.TASK_ASSIGNMENT,
                        delivery=delivery.name,
                        item=ref,
                        item_name=item.name if item is not None else "",
                        principal=client.principal,
                        reason=f"{_reason(delivery)}: the open review task goes",
                        before={"resolution_state": assignment.resolution_state},
                        file=file.id,
                        file_name=file.path,
                        box_ids={
                            "assignment_id": assignment.id,
                            "task_id": task.id,
                            "user_id": assignment.assignee_id,
                        },
                    )


def _assigned(
    assignment: LiveAssignment, principal: Principal, known: Mapping[str, LiveUser]
) -> bool:
    if principal.kind is PrincipalKind.USER:
        return assignment.assignee_id == principal.key
    if principal.kind is not PrincipalKind.EMAIL:
        return False
    account = known.get(principal.key)
    return assignment.assignee_login.casefold() == principal.key or (
        account is not None and assignment.assignee_id == account.id
    )
