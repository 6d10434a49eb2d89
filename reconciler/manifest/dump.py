"""Live Box state into delivery manifests: the inverse of ``build``, for ``reconcile export``.

A manifest written here plans to no changes against the Box it was read from: clients are named
the way the planner finds them again (pending invitations by the email invited, people with an
account by login, or by id where the policy would refuse the login, groups by id), and the
approval section describes the review tasks the reconciler's account already made.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta

from reconciler.model import (
    InviteStatus,
    ItemKind,
    LiveCollaboration,
    LiveFile,
    LiveItem,
    LiveTask,
    LiveUser,
    Policy,
    reviews_by,
)

SCHEMA_MODELINE = "# yaml-language-server: $schema={path}"
_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")
#: A due date within this of a whole number of days after creation reads as ``due_in_days``.
_DUE_SLACK = timedelta(hours=1)


@dataclass(frozen=True)
class Export:
    """One item read from Box, with the files below it when it is a folder."""

    item: LiveItem
    files: tuple[LiveFile, ...] = ()


def slug(text: str, fallback: str) -> str:
    """A delivery name from a Box name: lowercase letters, digits and dashes."""
    name = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:80].strip("-")
    return name or fallback


def dump(export: Export, name: str, me: LiveUser, policy: Policy, schema_path: str) -> str:
    """The manifest text for one exported item."""
    item = export.item
    lines = [
        SCHEMA_MODELINE.format(path=schema_path),
        f"# Exported from Box {item.ref.kind.value} {item.ref.id} by `reconcile export`.",
        "# Pending invitations are listed by the email invited; people with a Box account by",
        "# login (or by user id where the policy would refuse the login); groups by id.",
        "version: 1",
        f"name: {name}",
    ]
    if item.name:
        lines.append(f"description: {_quote(item.name)}")
    lines.append("")
    key = {ItemKind.FOLDER: "folders", ItemKind.FILE: "files", ItemKind.HUB: "hubs"}[item.ref.kind]
    lines.append(f"{key}: [{_quote(item.ref.id)}]")
    lines.append("")
    tasks = _our_tasks(export.files, me)
    assignees = {a.assignee_id for t in tasks.values() for a in t.assignments}
    clients = list(_clients(item, me, policy, assignees if tasks else None))
    lines.append("clients:" if clients else "clients: []")
    lines.extend(clients)
    if tasks:
        lines.append("")
        lines.extend(_approval(export.files, tasks))
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    # A JSON string is a YAML double-quoted scalar: safe for any name Box allows.
    return json.dumps(text, ensure_ascii=False)


def _clients(
    item: LiveItem, me: LiveUser, policy: Policy, assignees: set[str] | None
) -> Iterator[str]:
    hub = item.ref.kind is ItemKind.HUB
    for collab in sorted(item.collaborations, key=_order):
        if _is_me(collab, me) or (collab.principal_id and collab.principal_id == item.owner_id):
            continue
        who = _principal(collab, policy)
        if who is None:
            continue
        kind, value, note = who
        yield f"  - {kind}: {_quote(value)}" + (f"  # {note}" if note else "")
        if hub:
            # A hub-only delivery shares no folder or file: the item role is never used.
            yield "    role: viewer"
            yield f"    hub_role: {collab.role}"
            continue
        yield f"    role: {_quote(collab.role) if ' ' in collab.role else collab.role}"
        # An account that was never assigned was not an approver: saying so keeps the plan
        # from assigning it now. Pending people stay approvers: their tasks wait for them.
        assigned = assignees is None or collab.principal_id in assignees
        if kind != "group" and collab.status is InviteStatus.ACCEPTED and not assigned:
            yield "    approver: false"


def _order(collab: LiveCollaboration) -> tuple[int, str]:
    rank = {"group": 0, "user": 1}.get(collab.principal_type or "user", 1)
    return rank, (collab.login or collab.invite_email or collab.principal_id or "").casefold()


def _is_me(collab: LiveCollaboration, me: LiveUser) -> bool:
    return collab.principal_type == "user" and (
        collab.principal_id == me.id or (collab.login or "").casefold() == me.login.casefold()
    )


def _principal(collab: LiveCollaboration, policy: Policy) -> tuple[str, str, str] | None:
    """(key, value, comment) for one collaborator; None when Box hides who it is."""
    if collab.principal_type == "group" and collab.principal_id:
        return "group", collab.principal_id, collab.name
    status = {
        InviteStatus.PENDING: "pending invitation",
        InviteStatus.REJECTED: "invitation rejected",
    }.get(collab.status, "")
    if collab.status is not InviteStatus.ACCEPTED and collab.invite_email:
        return "email", collab.invite_email, status
    if collab.login and _allowed(collab.login, policy):
        return "email", collab.login, " · ".join(n for n in (collab.name, status) if n)
    if collab.principal_id:
        note = " · ".join(n for n in (collab.login or "", collab.name, status) if n)
        return "user", collab.principal_id, note
    return None


def _allowed(email: str, policy: Policy) -> bool:
    domains = {d.casefold() for d in policy.allowed_domains}
    return not domains or email.rpartition("@")[2].casefold() in domains


def _our_tasks(files: Iterable[LiveFile], me: LiveUser) -> dict[str, LiveTask]:
    """The reconciler's review task on each file (the oldest, as the planner keeps)."""
    out: dict[str, LiveTask] = {}
    for file in files:
        ours = reviews_by(file.tasks, me.id)
        if ours:
            out[file.id] = ours[0]
    return out


def _approval(files: Sequence[LiveFile], tasks: dict[str, LiveTask]) -> Iterator[str]:
    first = next(tasks[f.id] for f in sorted(files, key=lambda f: f.path) if f.id in tasks)
    yield "# The review tasks the reconciler's account already made on these files."
    yield "approval:"
    yield f"  message: {_quote(first.message)}"
    yield f"  completion_rule: {first.completion_rule}"
    days = _due_in_days(first)
    if days is not None:
        yield f"  due_in_days: {days}"
    if len(tasks) < len(files):
        yield "  include:"
        for file in sorted(files, key=lambda f: f.path):
            if file.id in tasks:
                yield f"    - {_quote(literal_glob(file.path))}"


def literal_glob(path: str) -> str:
    """A pattern that matches exactly this path."""
    return _GLOB_SPECIAL.sub(r"\\\1", path)


def _due_in_days(task: LiveTask) -> int | None:
    created, due = task.created(), task.due()
    if created is None or due is None:
        return None
    days = round((due - created) / timedelta(days=1))
    if days < 1 or abs(created + timedelta(days=days) - due) >= _DUE_SLACK:
        return None
    return days
