"""Clients' feedback in Box comments: which comments on a delivery's files are by its clients,
newest first, and which files hold a client comment nobody on the studio's side answered yet.

Pure: ``with_comments(report, desired, live, comments)`` adds to a ``StatusReport`` what
``box.comments`` read; no I/O, no SDK.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from reconciler.model import (
    Delivery,
    DesiredState,
    LiveComment,
    LiveState,
    PrincipalKind,
    in_utc,
)
from reconciler.status.model import ClientComment, FileComments, StatusReport


def client_accounts(delivery: Delivery, live: LiveState) -> tuple[frozenset[str], frozenset[str]]:
    """The Box user ids and the logins (casefolded) that are clients of the delivery."""
    ids = {c.principal.key for c in delivery.clients if c.principal.kind is PrincipalKind.USER}
    logins = {c.principal.key for c in delivery.clients if c.principal.kind is PrincipalKind.EMAIL}
    for ref in delivery.items():
        item = live.items.get(ref)
        for collab in item.collaborations if item is not None else ():
            if (
                collab.principal_type == "user"
                and collab.principal_id
                and any(collab.matches(c.principal) for c in delivery.clients)
            ):
                ids.add(collab.principal_id)
    return frozenset(ids), frozenset(logins)


def file_comments(
    comments: Iterable[LiveComment], ids: frozenset[str], logins: frozenset[str]
) -> FileComments:
    """Clients' comments newest first; unanswered when no one else wrote after the latest."""
    ordered = sorted(comments, key=lambda c: (in_utc(c.created_at), int(c.id or 0)))

    def by_client(c: LiveComment) -> bool:
        return c.author_id in ids or c.author_login.casefold() in logins

    mine = [c for c in ordered if by_client(c)]
    if not mine:
        return FileComments()
    last = ordered.index(mine[-1])
    answered = any(not by_client(c) for c in ordered[last + 1 :])
    shown = tuple(
        ClientComment(c.author_login, c.message, in_utc(c.created_at), c.id) for c in mine
    )
    return FileComments(tuple(reversed(shown)), unanswered=not answered)


def with_comments(
    report: StatusReport,
    desired: DesiredState,
    live: LiveState,
    comments: Mapping[str, tuple[LiveComment, ...]],
) -> StatusReport:
    """``report`` (a ``status.StatusReport``) with each file row's ``comments`` filled in."""
    deliveries = {d.name: d for d in desired.deliveries}
    shown = []
    for status in report.deliveries:
        ids, logins = client_accounts(deliveries[status.name], live)
        clients = tuple(
            dataclasses.replace(
                client,
                files=tuple(
                    dataclasses.replace(
                        f, comments=file_comments(comments.get(f.file_id, ()), ids, logins)
                    )
                    for f in client.files
                ),
            )
            for client in status.clients
        )
        shown.append(dataclasses.replace(status, clients=clients))
    return dataclasses.replace(report, deliveries=tuple(shown))


def unanswered_files(report: StatusReport) -> int:
    """Files (once per delivery) holding a client comment no one has answered."""
    return len(
        {
            (d.name, f.file_id)
            for d in report.deliveries
            for c in d.clients
            for f in c.files
            if f.comments.unanswered
        }
    )
