"""What Box shows, as notices: the status report of the deliveries read, with the clients' Box
comments (read the way ``reconcile status`` reads them, one listing per file under approval).

``seen`` is the one step from a read to notices, for ``reconcile notify`` and every pass and
review poll of ``reconcile watch``: comments that cannot be read never hold back the decisions,
acceptances and invitations the same read shows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reconciler.box.comments import read_comments
from reconciler.box.connection import Connection
from reconciler.errors import ReconcilerError
from reconciler.model import DesiredState, LiveState
from reconciler.notify.notices import Notice, notices
from reconciler.status.feedback import with_comments
from reconciler.status.report import StatusReport, report


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


def with_client_comments(
    report: StatusReport,
    desired: DesiredState,
    connection: Connection,
    live: LiveState,
    *,
    files: Iterable[str] | None = None,
    concurrency: int = 8,
) -> StatusReport:
    """``report`` with each file row's comments, for ``files`` (default: every file under
    approval in it)."""
    wanted = (
        {f.file_id for d in report.deliveries for c in d.clients for f in c.files}
        if files is None
        else set(files)
    )
    if not wanted:
        return report
    comments = read_comments(connection.reader, wanted, concurrency=concurrency)
    return with_comments(report, desired, live, comments)
