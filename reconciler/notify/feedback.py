"""The clients' Box comments added to a status report, so comment notices can be made from it:
read the way ``reconcile status`` reads them, one listing per file under approval."""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.box.comments import read_comments
from reconciler.box.connection import Connection
from reconciler.model import DesiredState, LiveState
from reconciler.status.feedback import with_comments
from reconciler.status.report import StatusReport


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
