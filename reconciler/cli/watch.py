"""``reconcile watch``: follow Box's events and keep Box matching the manifests, continuously."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from reconciler.cli.app import app
from reconciler.cli.options import AsUserOpt, BaseUrlOpt, ConfigOpt, PathsArg, box_settings
from reconciler.notify.statedir import DEFAULT_STATE_DIR, StateDir

if TYPE_CHECKING:  # the SDK and the planner load only when the command runs
    from reconciler.manifest.service import Service
    from reconciler.notify.sinks import Sink
    from reconciler.session import workflow
    from reconciler.watch.inputs import Sources
    from reconciler.watch.intake import Keys, Listener
    from reconciler.watch.loop import Watcher

StateDirOpt = Annotated[
    str,
    typer.Option(
        "--state-dir",
        metavar="DIR",
        help="Where the stream position and what was notified are kept.",
    ),
]
ListenOpt = Annotated[
    Optional[str],  # noqa: UP045 - typer reads the annotation at run time (py3.10)
    typer.Option(
        "--listen",
        metavar="HOST:PORT",
        help="Also take Box webhook deliveries at HOST:PORT (plain HTTP; put a TLS reverse "
        "proxy in front). GET /healthz answers a supervisor.",
        show_default=False,
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
    from reconciler.manifest.service import load_service
    from reconciler.notify.sinks import make_sinks
    from reconciler.session import workflow
    from reconciler.watch.inputs import Sources

    settings = box_settings(base_url, as_user)

    def connect(desired: workflow.Desired) -> workflow.Connection:
        return workflow.connect(settings, desired.policy)

    def sinks(service: Service) -> list[Sink]:
        return make_sinks(service.sinks, os.environ)

    return Sources(paths, config, connect, lambda: load_service(config), sinks)


@app.command("watch", short_help="Follow Box's events: reconcile what they touch, as they happen.")
def watch_command(
    paths: PathsArg = None,
    config: ConfigOpt = None,
    state_dir: StateDirOpt = DEFAULT_STATE_DIR,
    base_url: BaseUrlOpt = None,
    as_user: AsUserOpt = None,
    listen: ListenOpt = None,
) -> None:
    """Follow Box's event stream and reconcile the deliveries each event touches.

    On start, a full reconcile (as 'apply --yes', within the safety limits: removals above them
    are held back and reported, everything else is applied). Then each burst of events reads,
    plans and applies only the deliveries that declare the items involved (and those sharing
    an item with them). A full resync runs every watch.resync_minutes, when the stored stream
    position is older than Box keeps events, and when the manifests change. Decisions,
    acceptances and invitations go to the notify: sinks of reconcile.yaml, each once.
    Ctrl-C or SIGTERM stops it: changes under way finish, those not started are left for the
    next start, and it exits 0 (130 after a second Ctrl-C).

    With --listen, Box's webhook deliveries are hints too: each is checked against
    BOX_WEBHOOK_PRIMARY_KEY or BOX_WEBHOOK_SECONDARY_KEY (older than 10 minutes, from the
    future or badly signed: 403, no effect), taken once by its id (remembered in the state
    dir) and answered at once. The webhooks: of reconcile.yaml are declared on every delivered
    folder at each full reconcile.

    \b
    Examples:
      reconcile watch
      reconcile watch deliveries/acme --state-dir /var/lib/reconcile
      reconcile watch --listen 127.0.0.1:8080

    Exit codes: 0 stopped, 1 Box error, 3 invalid input or state dir in use, 130 stopped by
    a second Ctrl-C.
    """
    from reconciler.watch.intake import Keys, parse_listen
    from reconciler.watch.loop import Watcher

    log_to_stderr()
    where = parse_listen(listen) if listen is not None else None
    keys = Keys.from_env(dict(os.environ)) if where is not None else None
    stop = threading.Event()
    started: list[Watcher] = []  # the watcher, once made: a stop must also wake its loop
    with stopped_by_signals(stop, started) as received, StateDir.open(state_dir) as state:
        watcher = Watcher(sources(paths, config, base_url, as_user), state, stop=stop)
        started.append(watcher)
        listener = start_listener(where, keys, state, watcher)
        try:
            watcher.run()
        finally:
            if listener is not None:
                listener.stop()
    if exit_code(received):
        raise typer.Exit(exit_code(received))


def start_listener(
    where: tuple[str, int] | None, keys: Keys | None, state: StateDir, watcher: Watcher
) -> Listener | None:
    """The webhook intake at ``--listen``, started; None without it."""
    from reconciler.watch.intake import Intake, Listener, Seen

    if where is None or keys is None:
        return None
    intake = Intake(
        keys,
        Seen(state),
        watcher.hints,
        watcher.webhooks.items,
        watcher.health,
        future_skew=lambda: watcher.settings.webhook_clock_skew_seconds,
    )
    listener = Listener(*where, intake)
    listener.start()
    return listener


@contextmanager
def stopped_by_signals(stop: threading.Event, started: list[Watcher]) -> Iterator[list[int]]:
    """SIGINT and SIGTERM set ``stop`` (and stop the watcher in ``started``, once there is
    one): the changes under way finish, the loop ends, the process exits 0. Nothing is raised
    into running code. A second Ctrl-C is noted: the stop goes on the same way and the exit
    code becomes 130. Yields the signals received; the previous handlers come back afterwards."""
    received: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        received.append(signum)
        log = logging.getLogger("reconciler.watch")
        if len(received) == 1:
            log.info("%s: stopping after the pass under way", signal.Signals(signum).name)
        else:
            log.warning("%s again: still stopping", signal.Signals(signum).name)
        stop.set()
        for watcher in started:
            watcher.stop()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def exit_code(received: list[int]) -> int:
    """0 after a stop asked for once; 130 after a second Ctrl-C."""
    interrupts = sum(1 for s in received if s == signal.SIGINT)
    return 130 if interrupts >= 2 else 0
