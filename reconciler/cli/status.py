"""``reconcile status``: invitations and approvals per delivery and client. Reads Box only."""

from __future__ import annotations

import sys
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
    read_box,
    use_color,
    utf8,
)
from reconciler.errors import ReadError


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
    base_url: BaseUrlOpt = None,
    as_user: AsUserOpt = None,
) -> None:
    """Show who accepted their invitation and who approved or rejected which files.

    Per delivery and client: the invitation (pending, accepted, rejected, not_invited; the least
    advanced over the delivery's folders and files), and for approvers the files approved,
    rejected, to review (assigned, not decided), waiting for acceptance (the invitation is not
    accepted yet) and not assigned, with the latest resolution time (UTC). Rejected files are
    named at the end.
    Groups collaborate but never approve. Reads Box; never writes.

    \b
    Examples:
      reconcile status                                  # a table per delivery
      reconcile status --format csv > approvals.csv     # one row per client, for billing
      reconcile status --format json --files            # every file's state too

    Exit codes: 0 ok, 1 Box error, 3 invalid input.
    """
    from reconciler import status
    from reconciler.render.status import render

    desired, _, live = read_box(paths, config, base_url, as_user)
    result = status.report(desired.state, live)
    stdout = utf8(sys.stdout)
    render(result, stdout, format=output.value, files=files, color=use_color(stdout))
    stdout.flush()
    if live.unreadable:
        raise ReadError(left_out(live, "reported"))
