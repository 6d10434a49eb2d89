"""``reconcile watch``: follow Box's events and keep Box matching the manifests, continuously."""

from __future__ import annotations

import logging
import os
import signal
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from reconciler.cli.app import app
from reconciler.cli.options import AsUserOpt, BaseUrlOpt, ConfigOpt, PathsArg, box_settings
from reconciler.statedir import DEFAULT_STATE_DIR, StateDir

if TYPE_CHECKING:  # the SDK and the planner load only when the command runs
    from reconciler import workflow
    from reconciler.manifest.service import Service
    from reconciler.notify.sinks import Sink
    from reconciler.watch.loop import Sources

StateDirOpt = Annotated[
    str,
    typer.Option(
        "--state-dir",
        help="Where the stream position and what was notified are kept.",
    ),
]


def log_to_stderr() -> None:
    """The watcher's log is its product on stderr: INFO and up, with times."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    for name in ("reconciler.watch", "reconciler.notify"):
        logger = logging.getLogger(name)
        logger.setLevel(min(logger.getEffectiveLevel(), logging.INFO))
        logger.addHandler(handler)
        logger.propagate = False


def sources(
    paths: list[str] | None, config: str | None, base_url: str | None, as_user: str | None
) -> Sources:
    from reconciler import workflow
    from reconciler.manifest.service import load_service
    from reconciler.notify.sinks import make_sinks
    from reconciler.watch.loop import Sources

    settings = box_settings(base_url, as_user)

    def connect(desired: workflow.Desired) -> workflow.Connection:
        return workflow.connect(settings, desired.policy)

    def sinks(service: Service) -> list[Sink]:
        return make_sinks(service.sinks, os.environ)

    return Sources(paths, config, connect, lambda: load_service(config), sinks)


@app.command("watch")
def watch_command(
    paths: PathsArg = None,
    config: ConfigOpt = None,
    state_dir: StateDirOpt = DEFAULT_STATE_DIR,
    base_url: BaseUrlOpt = None,
    as_user: AsUserOpt = None,
) -> None:
    """Follow Box's event stream and reconcile the deliveries each event touches.

    On start, a full reconcile (as 'apply --yes', within the safety limits: removals above them
    are held back and reported, everything else is applied). Then each burst of events reads,
    plans and applies only the deliveries that declare the items involved (and those sharing
    an item with them). A full resync runs every watch.resync_minutes, when the stored stream
    position is older than Box keeps events, and when the manifests change. Decisions,
    acceptances and invitations go to the notify: sinks of reconcile.yaml, each once.
    Ctrl-C or SIGTERM stops it: changes under way finish, those not started are left for the
    next start.

    \b
    Examples:
      reconcile watch
      reconcile watch deliveries/acme --state-dir /var/lib/reconcile

    Exit codes: 0 stopped, 1 Box error, 3 invalid input or state dir in use.
    """
    from reconciler.watch.loop import Watcher

    log_to_stderr()
    with StateDir.open(state_dir) as state:
        watcher = Watcher(sources(paths, config, base_url, as_user), state)

        def stop(signum: int, _frame: object) -> None:
            logging.getLogger("reconciler.watch").info(
                "%s: stopping after the pass under way", signal.Signals(signum).name
            )
            watcher.stop()
            if watcher.applying.is_set():
                # The applier's own interruption: changes under way finish, the rest are
                # reported as not started, and the loop ends after this pass.
                raise KeyboardInterrupt

        previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            watcher.run()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
