"""What each kind of change does in Box: one executor per (kind, action), registered by decorator.

Writes that are not idempotent (invitations, hub memberships, tasks, assignments) are verified
after a 5xx or a dropped connection: Box may have stored the write although it answered with an
error, so an executor reads Box again and only writes once more if the first write is not there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from reconciler.applying.context import Context as Context
from reconciler.applying.context import Waiting as Waiting
from reconciler.applying.lifecycle import expiry_of, record, refusing_expiry
from reconciler.box.errors import ALREADY_COLLABORATOR
from reconciler.errors import BoxError, BoxUnavailable, Conflict, NotFound
from reconciler.model import (
    ItemRef,
    LiveAssignment,
    LiveCollaboration,
    LiveTask,
    box_time,
    reviews_by,
)
from reconciler.plan import Action, Change, Kind, payloads

log = logging.getLogger(__name__)
#: Box's completion rule of a task that names none
ALL_ASSIGNEES = "all_assignees"


Executor = Callable[[Change, Context], dict[str, str]]
EXECUTORS: dict[tuple[Kind, Action], Executor] = {}


def executor(kind: Kind, action: Action) -> Callable[[Executor], Executor]:
    def register(fn: Executor) -> Executor:
        EXECUTORS[(kind, action)] = fn
        return fn

    return register


#: Tries of one write that Box answers with a 5xx or a dropped connection; Box may have stored
#: any of them, so each retry is preceded by a read.
WRITE_ATTEMPTS = 3


def write_verified(write: Callable[[], Any], find: Callable[[], Any | None]) -> Any:
    """Write; after a 5xx or a dropped connection, look before writing again, and look once
    more after the last try, whose write Box may have stored as well."""
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            return write()
        except BoxUnavailable:
            existing = find()
            if existing is not None:
                log.info("the write was stored although Box answered with an error")
                return existing
            if attempt == WRITE_ATTEMPTS:
                raise
            log.info("the write was not stored; writing again (attempt %d)", attempt + 1)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _find(ctx: Context, item: ItemRef, change: Change) -> LiveCollaboration | None:
    assert change.principal is not None
    user_id = change.user_id
    for collab in ctx.reader.item(item).collaborations:
        if collab.matches(change.principal) or (
            user_id and collab.principal_type == "user" and collab.principal_id == user_id
        ):
            return collab
    return None


def _collab_outputs(collab: LiveCollaboration) -> dict[str, str]:
    # The status tells a follow-through change whether the invitation was accepted at once.
    return {**collab.box_ids(), "status": collab.status.value}


def _role(change: Change) -> str:
    return payloads.access(change.after)["role"]


# --- collaborations on folders and files -----------------------------------------------------


@executor(Kind.COLLABORATION, Action.ADD)
def _invite(change: Change, ctx: Context) -> dict[str, str]:
    assert change.principal is not None
    principal, role = change.principal, _role(change)
    expires_at = expiry_of(change, ctx)
    try:
        collab = write_verified(
            lambda: refusing_expiry(
                ctx,
                expires_at,
                lambda: ctx.writer.invite(
                    change.item,
                    principal,
                    role,
                    notify=change.notify is not False,
                    expires_at=expires_at,
                ),
            ),
            lambda: _find(ctx, change.item, change),
        )
    except Conflict as err:
        if err.code != ALREADY_COLLABORATOR:
            raise
        # Someone (or an earlier run whose answer was lost) invited this person already.
        collab = _find(ctx, change.item, change)
        if collab is None:
            raise _known_by_another_address(change, err) from None
        if collab.role != role:
            collab = ctx.writer.change_role(collab.id, change.item, role)
    record(change, ctx, resent=False, at=collab.created_at)
    return _collab_outputs(collab)


def _known_by_another_address(change: Change, err: Conflict) -> Conflict:
    """Box knows the address, but no collaboration shows it: Box lists an account under its
    primary login, so an email alias never matches, run after run. Only the manifest can say
    which account is meant."""
    place = change.origin or change.delivery
    return Conflict(
        f"Box says {change.principal} already collaborates on {change.item.kind.value} "
        f"{change.item.id}, but under another address: Box shows a Box account under its "
        f"primary login, so {change.principal} is probably an email alias. Declare this client "
        f"by that login (or as 'user: <id>') in {place}",
        status=err.status,
        code=err.code,
        request_id=err.request_id,
    )


@executor(Kind.COLLABORATION, Action.CHANGE)
def _change_role(change: Change, ctx: Context) -> dict[str, str]:
    collab_id = change.collaboration_id
    assert collab_id, "a role change carries the collaboration id"
    role = _role(change)
    collab = None
    if role != payloads.access(change.before)["role"]:
        collab = write_verified(
            lambda: ctx.writer.change_role(collab_id, change.item, role),
            lambda: None,  # a role change is idempotent: writing it again is safe
        )
    if "expires_at" in payloads.access(change.after):
        expires_at = expiry_of(change, ctx)
        collab = refusing_expiry(
            ctx,
            True,
            lambda: ctx.writer.set_expiry(collab_id, change.item, expires_at),
        )
    assert collab is not None, "a change changes the role, the expiry or both"
    return _collab_outputs(collab)


@executor(Kind.COLLABORATION, Action.RESEND)
def _resend(change: Change, ctx: Context) -> dict[str, str]:
    """Box has no resend: the pending invitation is deleted and created again, which makes Box
    email the invitee a new invitation (the old link stops working)."""
    collab_id = change.collaboration_id
    assert collab_id and change.principal is not None, "a resend names its invitation"
    principal, role = change.principal, _role(change)
    expires_at = expiry_of(change, ctx)
    _delete(lambda: ctx.writer.remove(collab_id))
    collab = write_verified(
        lambda: refusing_expiry(
            ctx,
            expires_at,
            lambda: ctx.writer.invite(
                change.item, principal, role, notify=True, expires_at=expires_at
            ),
        ),
        lambda: _find(ctx, change.item, change),
    )
    record(change, ctx, resent=True, at=collab.created_at)
    return _collab_outputs(collab)


@executor(Kind.COLLABORATION, Action.REMOVE)
def _remove(change: Change, ctx: Context) -> dict[str, str]:
    return _delete_collaboration(change, ctx.writer.remove)


def _delete_collaboration(change: Change, delete: Callable[[str], None]) -> dict[str, str]:
    """Remove the (hub) collaboration a change carries the id of."""
    collab_id = change.collaboration_id
    assert collab_id, f"a {change.kind.value} removal carries the collaboration id"
    _delete(lambda: delete(collab_id))
    return {"collaboration_id": collab_id}


def _delete(delete: Callable[[], None]) -> None:
    """Deleting twice is harmless: a 404 on a later try means an earlier one went through."""
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            delete()
            return
        except NotFound:
            if attempt == 1:
                raise
            return
        except BoxUnavailable:
            if attempt == WRITE_ATTEMPTS:
                raise


# --- hub memberships -----------------------------------------------------------------------


@executor(Kind.HUB_COLLABORATION, Action.ADD)
def _join_hub(change: Change, ctx: Context) -> dict[str, str]:
    assert change.principal is not None
    principal, role = change.principal, _role(change)
    user_id = ctx.user_id_for(change)
    try:
        collab = write_verified(
            lambda: ctx.writer.add_to_hub(change.item.id, principal, role, user_id=user_id),
            lambda: _find(ctx, change.item, change),
        )
    except Conflict:
        collab = _find(ctx, change.item, change)
        if collab is None:
            raise
        if collab.role != role:
            collab = ctx.writer.change_hub_role(collab.id, change.item.id, role)
    return _collab_outputs(collab)


@executor(Kind.HUB_COLLABORATION, Action.CHANGE)
def _change_hub_role(change: Change, ctx: Context) -> dict[str, str]:
    collab_id = change.collaboration_id
    assert collab_id, "a hub role change carries the hub collaboration id"
    collab = write_verified(
        lambda: ctx.writer.change_hub_role(collab_id, change.item.id, _role(change)), lambda: None
    )
    return _collab_outputs(collab)


@executor(Kind.HUB_COLLABORATION, Action.REMOVE)
def _leave_hub(change: Change, ctx: Context) -> dict[str, str]:
    return _delete_collaboration(change, ctx.writer.remove_from_hub)


# --- review tasks --------------------------------------------------------------------------


def _our_task(ctx: Context, file_id: str, message: str) -> LiveTask | None:
    """The reconciler's review task on a file, read again from Box (oldest first)."""
    ours = [
        t for t in reviews_by(ctx.reader.file_tasks(file_id), ctx.me_id) if t.message == message
    ]
    return ours[0] if ours else None


def _due_at(value: object) -> datetime | None:
    return box_time(value) if isinstance(value, str) else None


@executor(Kind.TASK, Action.ADD)
def _create_task(change: Change, ctx: Context) -> dict[str, str]:
    assert change.file is not None
    file_id, after = change.file, payloads.new_task(change.after)
    days = after.get("due_in_days")
    due_at = ctx.clock() + timedelta(days=int(days)) if days is not None else None
    message = str(after.get("message", ""))
    task = write_verified(
        lambda: ctx.writer.create_task(
            file_id,
            message=message,
            due_at=due_at,
            completion_rule=str(after.get("completion_rule", ALL_ASSIGNEES)),
        ),
        lambda: _our_task(ctx, file_id, message),
    )
    return {"task_id": task.id}


@executor(Kind.TASK, Action.CHANGE)
def _update_task(change: Change, ctx: Context) -> dict[str, str]:
    assert change.file is not None
    task_id = change.box_ids.get("task_id")
    assert task_id, "a task change carries the task id"
    merged = payloads.task_fields({**(change.before or {}), **(change.after or {})})
    task = write_verified(
        lambda: ctx.writer.update_task(
            task_id,
            change.file or "",
            message=str(merged.get("message", "")),
            due_at=_due_at(merged.get("due_at")),
            completion_rule=str(merged.get("completion_rule", ALL_ASSIGNEES)),
        ),
        lambda: None,  # an update is idempotent
    )
    return {"task_id": task.id}


def _task_id_for(change: Change, ctx: Context) -> str:
    if change.box_ids.get("task_id"):
        return change.box_ids["task_id"]
    for key in change.depends_on:
        found = ctx.output_of(key)
        if found.get("task_id"):
            return found["task_id"]
    raise BoxError(f"no task to assign on file {change.file}: its creation did not report an id")


@executor(Kind.TASK_ASSIGNMENT, Action.ADD)
def _assign(change: Change, ctx: Context) -> dict[str, str]:
    assert change.file is not None
    file_id = change.file
    user_id = ctx.user_id_for(change)
    if not user_id:
        raise Waiting(f"waits until {change.principal} has a Box account")
    task_id = _task_id_for(change, ctx)

    def find() -> LiveAssignment | None:
        for task in ctx.reader.file_tasks(file_id):
            if task.id == task_id:
                return next((a for a in task.assignments if a.assignee_id == user_id), None)
        return None

    assignment = write_verified(lambda: ctx.writer.assign(task_id, user_id), find)
    return {"assignment_id": assignment.id, "task_id": task_id, "user_id": user_id}


@executor(Kind.TASK_ASSIGNMENT, Action.REMOVE)
def _unassign(change: Change, ctx: Context) -> dict[str, str]:
    assignment_id = change.box_ids.get("assignment_id")
    assert assignment_id, "an assignment removal carries the assignment id"
    _delete(lambda: ctx.writer.unassign(assignment_id))
    return {"assignment_id": assignment_id}


# -- the declared webhook on a delivered folder --


def _webhook_wanted(change: Change) -> tuple[str, tuple[str, ...]]:
    after = payloads.webhook(change.after)
    return str(after["address"]), tuple(str(t) for t in after["triggers"])


@executor(Kind.WEBHOOK, Action.ADD)
def _add_webhook(change: Change, ctx: Context) -> dict[str, str]:
    address, triggers = _webhook_wanted(change)
    try:
        hook = ctx.writer.create_webhook(change.item.id, address, triggers)
    except Conflict:
        # One per item and app: a webhook made since the read is changed in place instead.
        there = [w for w in ctx.reader.webhooks() if w.target == change.item]
        if not there:
            raise
        ctx.writer.update_webhook(there[0].id, address, triggers)
        return {"webhook_id": there[0].id}
    return {"webhook_id": hook.id}


@executor(Kind.WEBHOOK, Action.CHANGE)
def _change_webhook(change: Change, ctx: Context) -> dict[str, str]:
    address, triggers = _webhook_wanted(change)
    ctx.writer.update_webhook(str(change.webhook_id), address, triggers)
    return {"webhook_id": str(change.webhook_id)}


@executor(Kind.WEBHOOK, Action.REMOVE)
def _remove_webhook(change: Change, ctx: Context) -> dict[str, str]:
    _delete(lambda: ctx.writer.delete_webhook(str(change.webhook_id)))
    return {}
