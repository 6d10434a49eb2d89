"""Located documents into the desired-state model (``Delivery``) and repo settings (``Policy``).

Building is tolerant: a value the schema rejected is left out (the schema check has already
reported it), so the semantic checks can still run on everything else in the same pass.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeGuard

from reconciler.errors import printable
from reconciler.manifest.load import Document, Mapping
from reconciler.manifest.yaml_compose import Position
from reconciler.model import (
    HUB_ROLES,
    ITEM_ROLES,
    ApprovalRule,
    Client,
    Delivery,
    Expiry,
    ItemKind,
    ItemRef,
    Origin,
    Policy,
    Principal,
    Resending,
)

_PRINCIPALS = {"email": Principal.email, "user": Principal.user, "group": Principal.group}
_COMPLETION_RULES = ("all_assignees", "any_assignee")


def origin(doc: Document, position: Position) -> Origin:
    return Origin(shown(doc), position[0], position[1])


def shown(doc: Document) -> str:
    """The file's name as every output shows it: a name may hold a line break, an escape
    sequence or bytes that are not UTF-8, and none of them may reach a terminal or JSON as is."""
    return printable(doc.file)


def build_delivery(doc: Document) -> Delivery | None:
    """The delivery a manifest declares, or None when the file is not a mapping at all."""
    data = doc.data
    if not isinstance(data, Mapping):
        return None
    name = data.get("name")
    approval = data.get("approval")
    return Delivery(
        name=name if isinstance(name, str) else "",
        file=shown(doc),
        description=_text(data.get("description"), ""),
        folders=_ids(data.get("folders")),
        files=_ids(data.get("files")),
        hubs=_ids(data.get("hubs")),
        clients=_clients(doc, data.get("clients")),
        approval=_approval(doc, approval) if isinstance(approval, Mapping) else None,
        notify=_flag(data.get("notify"), True),
        prune=_flag(data.get("prune"), False),
        origin=origin(doc, doc.position_of(["name"] if "name" in data else [])),
        item_origins=_item_origins(doc, data),
        expiry=build_expiry(doc, [], data),
        invitations=build_resending(doc, ["invitations"], data.get("invitations")),
        revoke=_flag(data.get("revoke"), False),
    )


def build_expiry(doc: Document, path: list[str | int], data: Mapping) -> Expiry | None:
    """``expires`` (a real calendar date, or ``never``) or ``expires_in_days``; None when
    absent or invalid."""
    if "expires" in data:
        where = origin(doc, doc.position_of([*path, "expires"]))
        if data.get("expires") == "never":
            return Expiry(never=True, origin=where)
        on = calendar_date(data.get("expires"))
        return None if on is None else Expiry(on=on, origin=where)
    days = data.get("expires_in_days")
    if isinstance(days, int) and not isinstance(days, bool) and days >= 1:
        return Expiry(days=days, origin=origin(doc, doc.position_of([*path, "expires_in_days"])))
    return None


def calendar_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _whole(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def build_resending(doc: Document, path: list[str | int], data: Any) -> Resending | None:
    if not isinstance(data, Mapping):
        return None
    after = data.get("resend_after_days")
    most = data.get("max_resends", Resending.max_resends)
    if not (_whole(after) and _whole(most)) or after < 1 or most < 0:
        return None
    return Resending(after_days=after, max_resends=most, origin=origin(doc, doc.position_of(path)))


_ITEM_KINDS = {"folders": ItemKind.FOLDER, "files": ItemKind.FILE, "hubs": ItemKind.HUB}


def _item_origins(doc: Document, data: Mapping) -> tuple[tuple[ItemRef, Origin], ...]:
    out: list[tuple[ItemRef, Origin]] = []
    for key, kind in _ITEM_KINDS.items():
        value = data.get(key)
        for index, item in enumerate(value if isinstance(value, list) else ()):
            if isinstance(item, str) and item.isdigit():
                out.append((ItemRef(kind, item), origin(doc, doc.position_of([key, index]))))
    return tuple(out)


def _text(value: Any, default: str) -> str:
    return value if isinstance(value, str) else default


def _flag(value: Any, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def _ids(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    # dict.fromkeys: first occurrence kept, in order, in one pass (a list scan is quadratic).
    return tuple(dict.fromkeys(i for i in value if isinstance(i, str) and i.isdigit()))


def _clients(doc: Document, value: Any) -> tuple[Client, ...]:
    if not isinstance(value, list):
        return ()
    out = []
    for index, entry in enumerate(value):
        client = build_client(doc, ["clients", index], entry)
        if client is not None:
            out.append(client)
    return tuple(out)


def build_client(doc: Document, path: list[str | int], entry: Any) -> Client | None:
    """One client entry, or None when the schema check has something to say about it."""
    if not isinstance(entry, Mapping):
        return None
    kinds = [k for k in _PRINCIPALS if k in entry]
    role = entry.get("role")
    hub_role = entry.get("hub_role", "viewer")
    # Groups never get tasks, so they are not approvers unless someone (wrongly) says so.
    approver = entry.get("approver", "group" not in entry)
    if (
        len(kinds) != 1
        or not isinstance(entry[kinds[0]], str)
        or role not in ITEM_ROLES
        or hub_role not in HUB_ROLES
        or not isinstance(approver, bool)
    ):
        return None
    kind = kinds[0]
    return Client(
        principal=_PRINCIPALS[kind](entry[kind]),
        role=role,
        hub_role=hub_role,
        approver=approver,
        origin=origin(doc, doc.position_of([*path, kind])),
        role_origin=origin(doc, doc.position_of([*path, "role"])),
        hub_role_origin=(
            origin(doc, doc.position_of([*path, "hub_role"])) if "hub_role" in entry else None
        ),
        expiry=build_expiry(doc, path, entry),
    )


def _approval(doc: Document, data: Mapping) -> ApprovalRule:
    due = data.get("due_in_days")
    rule = data.get("completion_rule")
    return ApprovalRule(
        message=_text(data.get("message"), ApprovalRule.message) or ApprovalRule.message,
        due_in_days=whole(due),
        completion_rule=rule if rule in _COMPLETION_RULES else ApprovalRule.completion_rule,
        include=_globs(data.get("include")),
        exclude=_globs(data.get("exclude")),
        origin=origin(doc, doc.position_of(["approval"], key=True)),
    )


def _globs(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(g for g in value if isinstance(g, str))


def build_policy(doc: Document | None) -> Policy:
    """Repo settings from reconcile.yaml; defaults for anything absent or invalid."""
    if doc is None or not isinstance(doc.data, Mapping):
        return Policy()
    data = doc.data
    policy = _section(data, "policy")
    safety = _section(data, "safety")
    max_role = _section(policy, "max_role").get("external")
    defaults = Policy()
    return Policy(
        allowed_domains=_strings(policy.get("allowed_domains")),
        internal_domains=_strings(policy.get("internal_domains")),
        max_role_external=max_role if max_role in ITEM_ROLES else None,
        protected=_strings(policy.get("protected")),
        max_removals=_number(safety.get("max_removals"), defaults.max_removals, int),
        max_removal_fraction=_number(
            safety.get("max_removal_fraction"), defaults.max_removal_fraction, float
        ),
        concurrency=_number(data.get("concurrency"), defaults.concurrency, int),
        max_requests_per_second=_number(
            data.get("max_requests_per_second"), defaults.max_requests_per_second, float
        ),
        invitations=build_resending(doc, ["invitations"], data.get("invitations")),
        origin=Origin(shown(doc), 1, 1),
    )


def _section(data: Mapping | dict[str, Any], key: str) -> Mapping | dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v.strip() for v in value if isinstance(v, str))


def whole(value: Any) -> int | None:
    """A whole number as the schema's "integer" accepts it: ``7`` and ``7.0`` alike."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _number(value: Any, default: Any, kind: type) -> Any:
    if kind is int:
        number = whole(value)
        return default if number is None else number
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return kind(value)
