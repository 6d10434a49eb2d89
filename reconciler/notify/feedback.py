"""What Box shows, as notices: the status report of the deliveries read, with the clients' Box
comments (read the way ``reconcile status`` reads them, one listing per file under approval).

``seen`` is the one step from a read to notices, for ``reconcile notify`` and every pass and
review poll of ``reconcile watch``: comments that cannot be read never hold back the decisions,
acceptances and invitations the same read shows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reconciler.box.connection import Connection
from reconciler.errors import ReconcilerError
from reconciler.model import DesiredState, LiveState
from reconciler.notify.notices import Notice, notices
from reconciler.status.read import with_client_comments
from reconciler.status.report import report


@dataclass(frozen=True)
class Seen:
    """The notices a read shows, and why the clients' comments are missing from them (None when
    they were read, or not asked for)."""

    notices: list[Notice]
    comments_unread: ReconcilerError | None = None


def seen(
    desired: DesiredState,
    live: LiveState,
    connection: Connection,
    *,
    seen_at: str,
    comments: bool = True,
    files: Iterable[str] | None = None,
    concurrency: int = 8,
) -> Seen:
    """The notices of ``desired``'s deliveries as ``live`` shows them, with (``comments``) the
    clients' comments on ``files`` (default: every file under approval). When Box will not give
    the comments, the rest is returned all the same, with the reason."""
    status = report(desired, live)
    if not comments:
        return Seen(notices(status, seen_at=seen_at))
    try:
        status = with_client_comments(
            status, desired, connection, live, files=files, concurrency=concurrency
        )
    except ReconcilerError as err:
        return Seen(notices(status, seen_at=seen_at), err)
    return Seen(notices(status, seen_at=seen_at))
