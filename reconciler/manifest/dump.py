"""Live Box state into delivery manifests: the inverse of ``build``, for ``reconcile export``.

A manifest written here plans to no changes against the Box it was read from: clients are named
the way the planner finds them again (pending invitations by the email invited, people with an
account by login, or by id where the policy would refuse the login, groups by id), and the
approval section describes the review tasks the reconciler's account already made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from reconciler.errors import InputError, UsageError, printable
from reconciler.manifest.load import parse
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
_NO_WRAP = 1 << 30


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
    """The manifest text for one exported item, read back before it is returned.

    Raises InputError naming the item when a name from Box does not read back as written.
    """
    item = export.item
    lines = [
        SCHEMA_MODELINE.format(path=schema_path),
        f"# Exported from Box {item.ref.kind.value} {item.ref.id} by `reconcile export`.",
        "# Pending invitations are listed by the email invited; people with a Box account by",
        "# login (or by user id where the policy would refuse the login); groups by id.",
        "version: 1",
        f"name: {_quote(name)}",
    ]
    if item.name:
        lines.append(f"description: {_quote(item.name)}")
    lines.append("")
    key = {ItemKind.FOLDER: "folders", ItemKind.FILE: "files", ItemKind.HUB: "hubs"}[item.ref.kind]
    lines.append(f"{key}: [{_quote(item.ref.id)}]")
    lines.append("")
    tasks = _our_tasks(export.files, me)
    assignees = {a.assignee_id for t in tasks.values() for a in t.assignments}
    who: list[tuple[str, str]] = []
    clients = list(_clients(item, me, policy, assignees if tasks else None, who))
    lines.append("clients:" if clients else "clients: []")
    lines.extend(clients)
    message = None
    if tasks:
        lines.append("")
        message = _first(export.files, tasks).message
        lines.extend(_approval(export.files, tasks))
    text = "\n".join(lines) + "\n"
    expected = {"name": name, "description": item.name or None, key: [item.ref.id]}
    _read_back(text, item, {**expected, "clients": who, "message": message})
    return text


def _read_back(text: str, item: LiveItem, expected: dict[str, Any]) -> None:
    """The manifest must read back as exactly what was meant: the same clients, in order, and
    the same names; otherwise a name from Box wrote YAML of its own, and nothing is written."""
    doc = parse(text, f"{item.ref.kind.value} {item.ref.id}")
    data: dict[str, Any] = doc.data if isinstance(doc.data, dict) else {}
    clients = data.get("clients") or []
    approval = data.get("approval")
    if not isinstance(approval, dict):
        approval = {}
    found: dict[str, Any] = {
        "name": data.get("name"),
        "description": data.get("description"),
        **{k: data.get(k) for k in ("folders", "files", "hubs") if k in expected},
        "clients": [_identity(c) for c in clients] if isinstance(clients, list) else None,
        "message": approval.get("message"),
    }
    if doc.problems or found != expected:
        shown = printable(repr(item.name))
        raise InputError(
            f"Box {item.ref.kind.value} {item.ref.id} ({shown}): a name there cannot be "
            "written into a manifest that reads back the same; nothing was exported"
        )


def _identity(client: Any) -> tuple[str, str] | None:
    if not isinstance(client, dict):
        return None
    for kind in ("email", "user", "group"):
        if kind in client:
            return kind, client[kind]
    return None


def _quote(text: str) -> str:
    """A double-quoted YAML scalar written by the YAML emitter: a line break, DEL, a C1 control
    or a non-character in a Box name is an escape sequence, never a new line of the manifest."""
    emitted = yaml.dump(
        text, Dumper=yaml.SafeDumper, default_style='"', allow_unicode=True, width=_NO_WRAP
    )
    return emitted.rstrip("\n")


def _comment(text: str) -> str:
    """A note after ``#``: YAML ends a comment at any line break (CR, LF, NEL, LS, PS), so every
    character that is not plainly printable is written as an escape."""
    return printable(text)


def _clients(
    item: LiveItem,
    me: LiveUser,
    policy: Policy,
    assignees: set[str] | None,
    who: list[tuple[str, str]],
) -> Iterator[str]:
    hub = item.ref.kind is ItemKind.HUB
    for collab in sorted(item.collaborations, key=_order):
        if _is_me(collab, me) or (collab.principal_id and collab.principal_id == item.owner_id):
            continue
        principal = _principal(collab, policy)
        if principal is None:
            continue
        kind, value, note = principal
        who.append((kind, value))
        yield f"  - {kind}: {_quote(value)}" + (f"  # {_comment(note)}" if note else "")
        if hub:
            # A hub-only delivery shares no folder or file: the item role is never used.
            yield "    role: viewer"
            yield f"    hub_role: {_quote(collab.role)}"
            continue
        yield f"    role: {_quote(collab.role)}"
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


def _first(files: Sequence[LiveFile], tasks: dict[str, LiveTask]) -> LiveTask:
    return next(tasks[f.id] for f in sorted(files, key=lambda f: f.path) if f.id in tasks)


def _approval(files: Sequence[LiveFile], tasks: dict[str, LiveTask]) -> Iterator[str]:
    first = _first(files, tasks)
    yield "# The review tasks the reconciler's account already made on these files."
    yield "approval:"
    yield f"  message: {_quote(first.message)}"
    yield f"  completion_rule: {_quote(first.completion_rule)}"
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


def manifest_files(
    exports: Sequence[Export], out: Path, name: str | None
) -> list[tuple[str, Path]]:
    """A unique delivery name and a new file under ``out`` for each export: ``name`` for one
    export, else the item's name made a slug, with its id added when that name is taken. A file
    that exists already is refused (UsageError), never replaced."""
    taken: set[str] = {p.stem for p in out.glob("*.y*ml")} if out.is_dir() else set()
    targets: list[tuple[str, Path]] = []
    for export in exports:
        ref = export.item.ref
        delivery = name or slug(export.item.name, f"{ref.kind.value}-{ref.id}")
        if delivery in taken and name is None:
            delivery = f"{delivery}-{ref.id}"
        path = out / f"{delivery}.yaml"
        if path.exists():
            raise UsageError(f"{path} exists already; export elsewhere with --out, or remove it")
        taken.add(delivery)
        targets.append((delivery, path))
    return targets
