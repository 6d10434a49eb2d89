"""What is announced, derived from the status model: decisions, acceptances, invitations sent.

Level-based: every read yields the notices its state implies; the ledger decides what is new.
Each notice's id is a digest of what it is about (never of when it was seen), so the same fact
read twice, by the watcher or by a scheduled ``reconcile notify``, is the same notice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from reconciler.model import ItemKind
from reconciler.status import FileState, Invitation, StatusReport

FORMAT_VERSION = 1
DECISIONS = {FileState.APPROVED: "approved", FileState.REJECTED: "rejected"}


@dataclass(frozen=True)
class Notice:
    id: str
    kind: str  # decision | acceptance | invitation
    document: dict[str, Any]


def notice_id(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def notices(report: StatusReport, *, seen_at: str) -> list[Notice]:
    """Every decision, acceptance and invitation the report shows, in a stable order."""
    found: list[Notice] = []
    for delivery in report.deliveries:
        for client in delivery.clients:
            base = {
                "delivery": delivery.name,
                "manifest": delivery.manifest,
                "client": client.client,
            }
            # Hub membership follows an accepted invitation; it is no invitation of its own.
            for item in (i for i in client.items if i.item.kind is not ItemKind.HUB):
                if item.state in (Invitation.PENDING, Invitation.ACCEPTED):
                    found.append(_about("invitation", base, str(item.item), seen_at))
                if item.state is Invitation.ACCEPTED:
                    found.append(_about("acceptance", base, str(item.item), seen_at))
            for file in client.files:
                decision = DECISIONS.get(file.state)
                if decision is None:
                    continue
                ident = notice_id(
                    "decision", delivery.name, client.client, file.file_id,
                    file.assignment_id or "", decision,
                )  # fmt: skip
                found.append(
                    Notice(
                        ident,
                        "decision",
                        {
                            "format_version": FORMAT_VERSION,
                            "id": ident,
                            "type": "decision",
                            **base,
                            "file": {"id": file.file_id, "path": file.path},
                            "assignment_id": file.assignment_id,
                            "decision": decision,
                            "message": file.message,
                            "at": file.resolved_at,
                            "seen_at": seen_at,
                        },
                    )
                )
    return found


def _about(kind: str, base: dict[str, str], item: str, seen_at: str) -> Notice:
    ident = notice_id(kind, base["delivery"], base["client"], item)
    return Notice(
        ident,
        kind,
        {
            "format_version": FORMAT_VERSION,
            "id": ident,
            "type": kind,
            **base,
            "item": item,
            "seen_at": seen_at,
        },
    )
