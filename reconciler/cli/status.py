"""``reconcile status``: invitations and approvals per delivery and client. Reads Box only."""

from __future__ import annotations

import sys
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from reconciler.cli.app import app
from reconciler.cli.options import (
    AsUserOpt,
    BaseUrlOpt,
    ConfigOpt,
    PathsArg,
    left_out,
    read_box,
    use_color,
    utf8,
)
from reconciler.errors import ReadError, UsageError

if TYPE_CHECKING:
    from reconciler.session.workflow import Connection
    from reconciler.status.report import StatusReport


class StatusFormat(str, Enum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


@app.command("status", short_help="Who accepted, and who approved or rejected which files.")
def status_command(
    paths: PathsArg = None,
    config: ConfigOpt = None,
    output: Annotated[
        StatusFormat,
        typer.Option("--format", help="table for people, json for machines, csv for billing."),
    ] = StatusFormat.TABLE,
    files: Annotated[
        bool,
        typer.Option("--files", help="Also one row per approver and file, with its state."),
    ] = False,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help="Only decisions made on or after DATE (YYYY-MM-DD, UTC, or an ISO 8601 time).",
        ),
    ] = None,
    base_url: BaseUrlOpt = None,
    as_user: AsUserOpt = None,
) -> None:
    """Show who accepted their invitation and who approved or rejected which files.

    Per delivery and client: the invitation (pending, accepted, rejected, not_invited, or revoked
    once a revoked delivery's access is gone; the least advanced over the delivery's folders and
    files), and for approvers the number of files approved, rejected, to review (assigned the
    review task, no decision yet), waiting for acceptance (the invitation is not accepted yet)
    and not assigned, with the time of the latest decision (UTC), when each client was invited
    and accepted, and groups by name. With --files, per file: the decision and when, the
    reviewer's message, the file's result under the completion rule, the due date and whether
    it is overdue. Rejected files are named at the end.
    Groups collaborate but never approve. Reads Box; never writes.

    \b
    Examples:
      reconcile status                                  # a table per delivery
      reconcile status --format csv > clients.csv       # one row per client
      reconcile status --format json --files            # every file's state too
      reconcile status --format csv --files --since 2026-03-01 > decisions.csv   # billing

    Exit codes: 0 ok, 1 Box error, 3 invalid input.
    """
    from reconciler.notify.feedback import with_client_comments
    from reconciler.render.status import render
    from reconciler.status import report as status_report

    start = parse_since(since) if since is not None else None
    desired, connection, live = read_box(paths, config, base_url, as_user)
    result = status_report.report(desired.state, live)
    if start is not None:
        result = result.since(start)
    result = with_client_comments(
        result, desired.state, connection, live, concurrency=desired.policy.concurrency
    )
    result = group_names(result, connection)
    stdout = utf8(sys.stdout)
    render(result, stdout, format=output.value, files=files, color=use_color(stdout))
    stdout.flush()
    if live.unreadable:
        raise ReadError(left_out(live, "reported"))


def parse_since(text: str) -> datetime:
    """A day (midnight UTC) or an ISO 8601 time; a time without an offset is UTC (read as
    Box's times are read)."""
    from reconciler.model.time import box_time

    moment = box_time(text)
    if moment is None:
        raise UsageError(
            f"--since {text!r} is not a date; write it as YYYY-MM-DD (e.g. 2026-03-01) "
            "or an ISO 8601 time (2026-03-01T09:00:00Z)"
        )
    return moment


def group_names(result: StatusReport, connection: Connection) -> StatusReport:
    """The report with every group by its name: a group whose collaborations are gone (a
    revoked delivery, say) shows no name on any item, so its name is read from Box."""
    from reconciler.errors import Forbidden, NotFound
    from reconciler.model import PrincipalKind

    nameless = {
        c.client
        for d in result.deliveries
        for c in d.clients
        if c.kind is PrincipalKind.GROUP and not c.name
    }
    names: dict[str, str] = {}
    for group in sorted(nameless):
        try:
            names[group] = connection.reader.group_name(group)
        except (NotFound, Forbidden):
            continue  # a group Box no longer shows keeps its id, as before
    return result.with_group_names(names) if names else result
