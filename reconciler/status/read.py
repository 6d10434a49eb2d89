"""The status report as Box shows it, for people: the clients' Box comments on the files under
approval (one listing per file) and the name of every group, read from Box where no item shows
it any more. This is where the status stage reads Box; the rest of ``status`` computes.
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.box.comments import read_comments
from reconciler.box.connection import Connection
from reconciler.errors import Forbidden, NotFound
from reconciler.model import DesiredState, LiveState, PrincipalKind
from reconciler.status.feedback import with_comments
from reconciler.status.model import StatusReport


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


def with_group_names(report: StatusReport, connection: Connection) -> StatusReport:
    """``report`` with every group by its name: a group whose collaborations are gone (a
    revoked delivery, say) shows no name on any item, so its name is read from Box."""
    nameless = {
        c.client
        for d in report.deliveries
        for c in d.clients
        if c.kind is PrincipalKind.GROUP and not c.name
    }
    names: dict[str, str] = {}
    for group in sorted(nameless):
        try:
            names[group] = connection.reader.group_name(group)
        except (NotFound, Forbidden):
            continue  # a group Box no longer shows keeps its id, as before
    return report.with_group_names(names) if names else report
