"""Reading a plan saved by ``reconcile plan --out`` back into a Plan: any file, however
malformed, is exit 3; an edited plan or another format version is refused."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from reconciler.errors import InputError, printable
from reconciler.manifest.regular import NotReadable, read_regular
from reconciler.model import ItemKind, ItemRef, Principal, PrincipalKind
from reconciler.plan import FORMAT_VERSION, Action, Change, ChangeKey, Kind, Plan
from reconciler.plan.change import LEDGER_INVITATIONS, LEDGER_KEY

#: A saved plan nests five levels; far deeper JSON is not a plan (and would exhaust the stack).
MAX_DEPTH = 32


def load_saved_plan(path: Path) -> Plan:
    """The plan in ``path``; InputError (exit 3) naming the file for anything else."""
    name = printable(str(path))
    try:
        raw = read_regular(str(path))
    except NotReadable as exc:
        raise InputError(f"{name}: cannot read the saved plan ({exc})") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read the saved plan ({exc.strerror})") from None
    try:
        document = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise InputError(f"{name}: not a JSON plan (nested too deeply)") from None
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError alike
        raise InputError(f"{name}: not a JSON plan ({printable(str(exc))})") from None
    if not isinstance(document, dict):
        raise InputError(f"{name}: not a JSON plan")
    if _depth(document) > MAX_DEPTH:
        raise InputError(f"{name}: not a JSON plan (nested more than {MAX_DEPTH} levels deep)")
    try:
        return plan_from_dict(document)
    except InputError as exc:
        raise InputError(f"{name}: {exc}") from None
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        # A field of the wrong shape (a text where an object belongs, ...): not a plan we wrote.
        raise InputError(f"{name}: saved plan is not readable: {printable(repr(exc))}") from None


def _depth(document: Any) -> int:
    """How deeply lists and objects nest, counted without recursion."""
    deepest = 0
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in _children(value))
    return deepest


def _children(value: dict[str, Any] | list[Any]) -> list[Any]:
    return list(value.values()) if isinstance(value, dict) else value


def plan_from_dict(document: Mapping[str, Any]) -> Plan:
    """A plan from its saved JSON document (``Plan.to_dict``); refuses other format versions
    and edited plans."""
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise InputError(
            f"saved plan has format_version {version!r}; this reconciler reads {FORMAT_VERSION}"
        )
    try:
        plan = Plan(tuple(_changes_from_dicts(document["changes"])))
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"saved plan is not readable: {exc!r}") from exc
    if document.get("checksum") != plan.checksum():
        raise InputError("saved plan's checksum does not match its changes (was it edited?)")
    return plan


def _changes_from_dicts(rows: Iterable[Mapping[str, Any]]) -> list[Change]:
    rows = list(rows)
    keys = {row["id"]: _key_from_dict(row) for row in rows}
    changes = []
    for row in rows:
        file = row.get("file") or {}
        box_ids = dict(row.get("box_ids") or {})
        ledger = box_ids.pop(LEDGER_KEY, None)
        if ledger not in (None, LEDGER_INVITATIONS):
            raise InputError(f"saved plan's change {row['id']!r} keeps an unknown ledger")
        changes.append(
            Change(
                action=Action(row["action"]),
                kind=Kind(row["kind"]),
                delivery=row["delivery"],
                item=ItemRef(ItemKind(row["item"]["type"]), str(row["item"]["id"])),
                item_name=row["item"].get("name", ""),
                principal=_principal_from_dict(row.get("principal")),
                reason=row.get("reason", ""),
                before=row.get("before"),
                after=row.get("after"),
                origin=row.get("origin"),
                file=file.get("id"),
                file_name=file.get("name", ""),
                notify=row.get("notify"),
                on_acceptance=bool(row.get("on_acceptance", False)),
                depends_on=tuple(keys[k] for k in row.get("depends_on", ())),
                box_ids=box_ids,
                ledger=ledger == LEDGER_INVITATIONS,
            )
        )
    return changes


def _key_from_dict(row: Mapping[str, Any]) -> ChangeKey:
    file = row.get("file") or {}
    return ChangeKey(
        delivery=row["delivery"],
        kind=Kind(row["kind"]),
        item=ItemRef(ItemKind(row["item"]["type"]), str(row["item"]["id"])),
        principal=_principal_from_dict(row.get("principal")),
        file=file.get("id"),
    )


def _principal_from_dict(row: Mapping[str, Any] | None) -> Principal | None:
    if row is None:
        return None
    return Principal(PrincipalKind(row["type"]), str(row["id"]), str(row.get("name", row["id"])))
