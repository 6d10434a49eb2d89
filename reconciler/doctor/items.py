"""The doctor's checks of the delivered items: who owns them, and what a task listing on one of
their files returns with and without ``fields``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reconciler.box.probe import Owner
from reconciler.box.tasks import NEEDED_TASK_FIELDS
from reconciler.doctor.checks import Check, fail, ok, unknown
from reconciler.errors import BoxError
from reconciler.model import ItemRef

#: the streams on which collaboration events reach only the content owner (BOX_API §11.2)
OWNER_STREAMS = ("changes", "all")
SHOWN = 3


@dataclass(frozen=True)
class TaskSample:
    """One file's first task as Box listed it without ``fields`` and with them."""

    file_id: str
    file_name: str
    task_id: str
    keys_plain: tuple[str, ...]
    keys_with_fields: tuple[str, ...]


def _some(lines: Sequence[str]) -> str:
    shown = "; ".join(lines[:SHOWN])
    return shown + (f"; and {len(lines) - SHOWN} more" if len(lines) > SHOWN else "")


def ownership(
    owners: Sequence[Owner],
    unreadable: Mapping[ItemRef, str],
    me_id: str,
    stream_type: str,
    where: Mapping[ItemRef, str],
) -> Check:
    """Every delivered folder and file against ``owned_by``; ``unreadable`` says why Box would
    not give an item, ``where`` names the manifest place of each."""
    total = len(owners) + len(unreadable)
    if total == 0:
        return unknown("ownership", "the manifests deliver no folder or file")
    others = [o for o in owners if o.owner_id != me_id]
    facts = _ownership_facts(total, owners, others, unreadable, where)
    if not others and not unreadable:
        return ok("ownership", f"the account owns all {total} delivered items", **facts)
    findings = []
    if unreadable:
        findings.append(_unreadable(unreadable, total, where))
    if others:
        findings.append(_owned_by_others(others, total, stream_type, where))
    detail = "; ".join(said for said, _ in findings)
    fix = "; ".join(fix for _, fix in findings)
    if unreadable or stream_type in OWNER_STREAMS:
        return fail("ownership", detail, fix, **facts)
    return unknown("ownership", detail, fix, **facts)


def _ownership_facts(
    total: int,
    owners: Sequence[Owner],
    others: Sequence[Owner],
    unreadable: Mapping[ItemRef, str],
    where: Mapping[ItemRef, str],
) -> dict[str, object]:
    """The check's facts for ``--format json``: counts, and each item not owned or not read."""
    return {
        "items": total,
        "owned": len(owners) - len(others),
        "not_owned": [
            {
                "type": o.ref.kind.value,
                "id": o.ref.id,
                "name": o.name,
                "owner_id": o.owner_id,
                "owner_login": o.owner_login,
                "where": where.get(o.ref, ""),
            }
            for o in others
        ],
        "unreadable": [
            {"type": r.kind.value, "id": r.id, "why": why, "where": where.get(r, "")}
            for r, why in unreadable.items()
        ],
    }


def _unreadable(
    unreadable: Mapping[ItemRef, str], total: int, where: Mapping[ItemRef, str]
) -> tuple[str, str]:
    """What to say of the items Box would not give, and the fix."""
    lost = [f"{where.get(r, '')}: {r.kind.value} {r.id}: {why}" for r, why in unreadable.items()]
    said = f"{len(unreadable)} of {total} delivered items could not be read: {_some(lost)}"
    return said, "share each item that could not be read with this account, or correct its id"


def _owned_by_others(
    others: Sequence[Owner], total: int, stream_type: str, where: Mapping[ItemRef, str]
) -> tuple[str, str]:
    """What to say of the items another account owns (whose changes stream alone carries the
    acceptances), and the fix."""
    named = [
        f"{o.ref.kind.value} {o.ref.id} ({o.name}, {where.get(o.ref, 'manifests')}) is owned "
        f"by {o.owner_login or 'someone else'} ({o.owner_id or '?'})"
        for o in others
    ]
    said = (
        f"{len(others)} of {total} are owned by another account: {_some(named)}; "
        "collaboration events (acceptances) reach only the content owner's changes stream"
    )
    if stream_type in OWNER_STREAMS:
        said += f", which watch.stream_type: {stream_type} follows"
    else:
        said += f"; watch.stream_type: {stream_type} does not depend on it"
    owner_ids = sorted({o.owner_id for o in others if o.owner_id})
    as_owner = owner_ids[0] if len(owner_ids) == 1 else "OWNER_ID"
    fix = (
        f"run as the owner (--as-user {as_owner}, or BOX_AS_USER), or set watch.stream_type: "
        "admin_logs_streaming (an admin account), or use webhooks (reconcile watch --listen)"
    )
    return said, fix


def task_listing(found: TaskSample | BoxError | None, files_looked_at: int) -> Check:
    if found is None:
        return unknown(
            "task_listing",
            f"no file with a task among the {files_looked_at} delivered files looked at",
            "run again once a review task exists (after the first apply with approval:)",
            files_looked_at=files_looked_at,
        )
    if isinstance(found, BoxError):
        return unknown("task_listing", f"could not tell: {found.describe()}")
    facts = {
        "file_id": found.file_id,
        "task_id": found.task_id,
        "keys_without_fields": list(found.keys_plain),
        "keys_with_fields": list(found.keys_with_fields),
    }
    name = f" ({found.file_name})" if found.file_name else ""
    where = f"file {found.file_id}{name}, task {found.task_id}"
    plain, wanted = set(found.keys_plain), set(found.keys_with_fields)
    missing_plain = [k for k in NEEDED_TASK_FIELDS if k not in plain]
    missing_even = [k for k in NEEDED_TASK_FIELDS if k not in wanted]
    if not missing_plain:
        return ok(
            "task_listing",
            f"{where}: Box answered the full task without fields too (keys: "
            f"{', '.join(found.keys_plain)}); no difference with fields",
            mini=False,
            **facts,
        )
    detail = (
        f"{where}: without fields Box answered a mini task (keys: {', '.join(found.keys_plain)}; "
        f"no {', '.join(missing_plain)}); with fields: {', '.join(found.keys_with_fields)}"
    )
    if missing_even:
        return ok(
            "task_listing",
            f"{detail}; even with fields there is no {', '.join(missing_even)}: the client reads "
            "the task and its assignments directly",
            mini=True,
            **facts,
        )
    return ok("task_listing", f"{detail}; the client asks for fields", mini=True, **facts)
