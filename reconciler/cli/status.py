"""``reconcile status``: invitations and approvals per delivery and client. Reads Box only."""

from __future__ import annotations

import sys
from datetime import datetime
from enum import Enum
from typing import Annotated

import typer

from reconciler.cli.app import app
from reconciler.cli.options import (
    AsUserOpt,
    BaseUrlOpt,
    ConfigOpt,
    PathsArg,
    left_out,
    load_desired,
    open_session,
    read_session,
    use_color,
    utf8,
)
from reconciler.errors import ReadError, UsageError


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
    from reconciler.render.status import render

    start = parse_since(since) if since is not None else None
    desired, _ = load_desired(paths, config, None)
    session = open_session(desired, base_url, as_user)
    reading = read_session(session)
    result = session.status(reading, since=start)
    stdout = utf8(sys.stdout)
    render(result, stdout, format=output.value, files=files, color=use_color(stdout))
    stdout.flush()
    if reading.live.unreadable:
        raise ReadError(left_out(reading.live, "reported"))


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
