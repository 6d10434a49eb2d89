"""What is announced, derived from the status model: decisions, acceptances, invitations sent and
clients' Box comments.

Level-based: every read yields the notices its state implies; the ledger decides what is new
(and, through ``history``, whether a decision re-marks an earlier one). Each notice's id is a
digest of what it is about (never of when it was seen), so the same fact read twice, by the
watcher or by a scheduled ``reconcile notify``, is the same notice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from reconciler.model import ItemKind
from reconciler.status.report import (
    ClientStatus,
    DeliveryStatus,
    FileState,
    FileStatus,
    Invitation,
    StatusReport,
)

FORMAT_VERSION = 1
DECISIONS = {FileState.APPROVED: "approved", FileState.REJECTED: "rejected"}
WEB_APP = "https://app.box.com"


@dataclass(frozen=True)
class Notice:
    id: str
    kind: str  # decision | acceptance | invitation | comment
    document: dict[str, Any]

    @property
    def topic(self) -> str:
        """What a sink's ``on:`` names: a decision by its decision, the rest by their kind."""
        if self.kind == "decision":
            return str(self.document.get("decision") or "decision")
        return self.kind

    def body(self) -> bytes:
        """The notice as every sink sends it: its JSON document, keys sorted, UTF-8."""
        return json.dumps(self.document, sort_keys=True, ensure_ascii=False).encode("utf-8")


def notice_id(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def web_link(kind: str, item_id: str) -> str:
    """The item in Box's web app, where a person opens it."""
    return f"{WEB_APP}/{kind}/{item_id}"


def notices(report: StatusReport, *, seen_at: str) -> list[Notice]:
    """Every decision, acceptance, invitation and client comment the report shows, in a stable
    order. A decision's ``billable`` says it is the one that made its file's result approved
    (the ledger keeps it true once per file)."""
    found: list[Notice] = []
    for delivery in report.deliveries:
        for client in delivery.clients:
            base = _base(delivery, client)
            # Hub membership follows an accepted invitation; it is no invitation of its own.
            for item in (i for i in client.items if i.item.kind is not ItemKind.HUB):
                if item.state in (Invitation.PENDING, Invitation.ACCEPTED):
                    found.append(_about("invitation", base, item.item, seen_at))
                if item.state is Invitation.ACCEPTED:
                    found.append(_about("acceptance", base, item.item, seen_at))
            found.extend(_decision(base, file, seen_at) for file in client.files if file.decided())
        found.extend(_comments(delivery, seen_at))
    return _mark_billable(found)


def _base(delivery: DeliveryStatus, client: ClientStatus) -> dict[str, Any]:
    return {
        "delivery": delivery.name,
        "manifest": delivery.manifest,
        "client": client.client,
        "client_name": client.name or None,
    }


def decision_subject(document: dict[str, Any]) -> str:
    """What a decision is about, whatever it decided: one assignment of one file."""
    return notice_id(
        "subject",
        str(document["delivery"]),
        str(document["client"]),
        str(document["file"]["id"]),
        str(document.get("assignment_id") or ""),
    )


def _decision(base: dict[str, Any], file: FileStatus, seen_at: str) -> Notice:
    decision = DECISIONS[file.state]
    ident = notice_id(
        "decision", base["delivery"], base["client"], file.file_id, file.assignment_id or "",
        decision,
    )  # fmt: skip
    link = web_link("file", file.file_id)
    return Notice(
        ident,
        "decision",
        {
            "format_version": FORMAT_VERSION,
            "id": ident,
            "type": "decision",
            **base,
            "file": {"id": file.file_id, "path": file.path, "link": link},
            "link": link,
            "assignment_id": file.assignment_id,
            "decision": decision,
            "previous": None,
            "message": file.message,
            "at": file.resolved_at,
            "result": file.result.value if file.result is not None else None,
            "completion_rule": file.completion_rule or None,
            "billable": False,
            "seen_at": seen_at,
        },
    )


def _mark_billable(found: list[Notice]) -> list[Notice]:
    """On each file whose result is approved, the decision that settled it: the first
    resolution under ``any_assignee``, the last approval otherwise."""
    settled: dict[str, Notice] = {}
    for notice in found:
        doc = notice.document
        if (
            notice.kind != "decision"
            or doc["result"] != "approved"
            or doc["decision"] != "approved"
        ):
            continue
        file_id = str(doc["file"]["id"])
        held = settled.get(file_id)
        if held is None or _settles_before(doc, held.document):
            settled[file_id] = notice
    for notice in settled.values():
        notice.document["billable"] = True
    return found


def _settles_before(doc: dict[str, Any], other: dict[str, Any]) -> bool:
    mine = (doc.get("at") or "", str(doc.get("assignment_id") or ""))
    theirs = (other.get("at") or "", str(other.get("assignment_id") or ""))
    if doc.get("completion_rule") == "any_assignee":
        return mine < theirs
    return mine > theirs


def _comments(delivery: DeliveryStatus, seen_at: str) -> Iterator[Notice]:
    """Each client comment once per delivery, however many approvers' rows show its file."""
    seen: set[str] = set()
    for client in delivery.clients:
        for file in client.files:
            for comment in file.comments.by_clients:
                about = (
                    comment.id or f"{comment.author}\x1f{comment.created_at}\x1f{comment.message}"
                )
                ident = notice_id("comment", delivery.name, file.file_id, about)
                if ident in seen:
                    continue
                seen.add(ident)
                link = web_link("file", file.file_id)
                yield Notice(
                    ident,
                    "comment",
                    {
                        "format_version": FORMAT_VERSION,
                        "id": ident,
                        "type": "comment",
                        "delivery": delivery.name,
                        "manifest": delivery.manifest,
                        "client": comment.author,
                        "file": {"id": file.file_id, "path": file.path, "link": link},
                        "link": link,
                        "comment_id": comment.id or None,
                        "message": comment.message,
                        "at": comment.created_at,
                        "seen_at": seen_at,
                    },
                )


def _about(kind: str, base: dict[str, Any], item: Any, seen_at: str) -> Notice:
    ident = notice_id(kind, base["delivery"], base["client"], str(item))
    return Notice(
        ident,
        kind,
        {
            "format_version": FORMAT_VERSION,
            "id": ident,
            "type": kind,
            **base,
            "item": str(item),
            "link": web_link(item.kind.value, item.id),
            "seen_at": seen_at,
        },
    )
