"""``reconcile notify``: one pass of notifications from a full read, for a schedule."""

from __future__ import annotations

import os
import sys

import typer

from reconciler.cli.app import app
from reconciler.cli.options import AsUserOpt, BaseUrlOpt, ConfigOpt, PathsArg, read_box
from reconciler.cli.watch import StateDirOpt, log_to_stderr
from reconciler.errors import SinkError
from reconciler.notify.statedir import DEFAULT_STATE_DIR, StateDir
from reconciler.render.words import plural


@app.command(
    "notify", short_help="Send each new decision, acceptance and comment to the notify sinks, once."
)
def notify_command(
    paths: PathsArg = None,
    config: ConfigOpt = None,
    state_dir: StateDirOpt = DEFAULT_STATE_DIR,
    base_url: BaseUrlOpt = None,
    as_user: AsUserOpt = None,
) -> None:
    """Read Box once and send each new decision, acceptance, invitation and client comment to
    the sinks (each to the sinks whose on: wants it), every sink from its own thread.

    The same state directory as 'reconcile watch': what was sent is never sent again, what a
    sink did not take is owed to it and sent on a later pass (waiting longer after each failure).
    Reads Box; never writes to it.

    \b
    Examples:
      reconcile notify                        # e.g. every 10 minutes from cron or CI
      reconcile notify --state-dir ci-state   # keep ci-state/ between runs (a CI cache)

    Comments Box will not give hold nothing back: the rest is sent, and the run exits 1.
    Exit codes: 0 all delivered, 1 Box error or a sink still owed something, 3 invalid input
    or state dir in use.
    """
    from reconciler.manifest.service import load_service
    from reconciler.model import now_stamp
    from reconciler.notify.feedback import seen
    from reconciler.notify.ledger import Ledger
    from reconciler.notify.sinks import make_sinks

    log_to_stderr()
    service = load_service(config)
    with StateDir.open(state_dir) as state:
        desired, connection, live = read_box(paths, config, base_url, as_user)
        sinks = make_sinks(service.sinks, os.environ)
        found = seen(
            desired.state,
            live,
            connection,
            seen_at=now_stamp(),
            concurrency=desired.policy.concurrency,
        )
        ledger = Ledger(state)
        added = ledger.offer(found.notices, sinks)
        outcome = ledger.deliver(sinks)
    sys.stdout.write(
        f"{added} new notices; {len(outcome.delivered)} delivered, "
        f"{len(outcome.failed)} failed, {outcome.owed} still owed.\n"
    )
    if not sinks:
        typer.echo("No notify: sinks in the config; nothing was sent.", err=True)
    if found.comments_unread is not None:
        # Decisions, acceptances and invitations went out; the comments are for the next run.
        typer.echo(
            "The clients' comments could not be read: none is announced yet (everything else "
            "was), and the next run reads them again.",
            err=True,
        )
        raise found.comments_unread
    if outcome.owed:
        raise SinkError(
            f"{plural(outcome.owed, 'delivery')} still owed (sinks that failed are listed above); "
            "the next run sends them"
        )
