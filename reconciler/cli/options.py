"""What the commands share: options, reading Box, streams, colour, progress.

Only typer is imported up front: a command that never talks to Box (``validate``) must not pay
for loading the Box SDK, so what reaches Box is imported by the functions that need it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Annotated, Optional, TextIO

import typer

from reconciler.errors import UsageError

if TYPE_CHECKING:
    from pathlib import Path

    from reconciler.box.connect import BoxSettings
    from reconciler.manifest.git import ManifestChanges
    from reconciler.model import LiveState
    from reconciler.plan import Plan
    from reconciler.session import Reading, Session, workflow

PathsArg = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer reads the annotation at run time (py3.10)
    typer.Argument(
        help="Manifest files or directories (default: deliveries/).",
        show_default=False,
        metavar="PATHS",
    ),
]
ConfigOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--config",
        metavar="FILE",
        help="The repo config (default: ./reconcile.yaml when it exists).",
        show_default=False,
    ),
]
BaseUrlOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--base-url",
        metavar="URL",
        help="Box API base URL; overrides BOX_BASE_URL (e.g. a sandbox: http://127.0.0.1:8080).",
        show_default=False,
    ),
]
AsUserOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--as-user",
        metavar="USER_ID",
        help="Make every call on behalf of this Box user id; overrides BOX_AS_USER.",
        show_default=False,
    ),
]

ChangedSinceOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--changed-since",
        metavar="REF",
        help=(
            "Only the deliveries whose manifests differ between git REF and the working tree, "
            "and every delivery that shares a folder, file or hub with them."
        ),
        show_default=False,
    ),
]
YesOpt = Annotated[
    bool, typer.Option("--yes", "-y", help="Apply without asking (needed off a terminal).")
]


def manifest_changes(
    paths: list[str] | None, config: str | None, ref: str | None
) -> ManifestChanges | None:
    """What changed since ``ref`` (None without ``--changed-since``); deletions are logged
    loudly, since deleting a manifest leaves its access in Box."""
    if ref is None:
        return None
    from reconciler.manifest import DEFAULT_PATHS
    from reconciler.manifest.config import config_file
    from reconciler.manifest.git import changed_since
    from reconciler.render.colour import paint

    changes = changed_since(ref, paths or list(DEFAULT_PATHS), config_file(config))
    color = use_color(sys.stderr)
    for deleted in changes.deleted:
        typer.echo(paint(f"Warning: {deleted.warning()}", "red", color=color, bold=True), err=True)
    return changes


def load_desired(
    paths: list[str] | None, config: str | None, changed_since_ref: str | None
) -> tuple[workflow.Desired, ManifestChanges | None]:
    """Every manifest, checked; with ``--changed-since`` only the affected deliveries remain."""
    from reconciler.session import workflow

    desired = workflow.load(paths, config)
    for warning in desired.warnings:
        info(f"{warning.file}:{warning.line}:{warning.column}: warning: {warning.message}")
    from reconciler.render.words import plural

    changes = manifest_changes(paths, config, changed_since_ref)
    if changes is not None:
        desired = workflow.narrow(desired, changes)
        info(
            f"Changed since {changes.ref}: {plural(len(desired.state.deliveries), 'delivery')} "
            "(with those sharing an item)."
        )
    return desired, changes


def box_settings(base_url: str | None, as_user: str | None) -> BoxSettings:
    from reconciler.box.connect import settings_from_env

    return settings_from_env(os.environ, BOX_BASE_URL=base_url, BOX_AS_USER=as_user)


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, never with NO_COLOR set (https://no-color.org) or TERM=dumb."""
    return (
        stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM", "") != "dumb"
    )


def product_stream() -> tuple[TextIO, bool]:
    """stdout, safe for the plan's symbols, and whether it takes colour."""
    stdout = utf8(sys.stdout)
    return stdout, use_color(stdout)


def utf8(stream: TextIO) -> TextIO:
    """Plans use a few non-ASCII symbols; never fail on a terminal with a narrow encoding."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None and (getattr(stream, "encoding", "") or "").lower() != "utf-8":
        with suppress(ValueError, OSError):
            reconfigure(encoding="utf-8", errors="replace")
    return stream


def read_box(
    paths: list[str] | None,
    config: str | None,
    base_url: str | None,
    as_user: str | None,
    changed_since_ref: str | None = None,
) -> tuple[workflow.Desired, workflow.Connection, LiveState]:
    """Load and check the manifests, connect, and read what they mention from Box; the
    deliveries Box did not give every item of are left out (each reported on stderr)."""
    desired, _ = load_desired(paths, config, changed_since_ref)
    session = open_session(desired, base_url, as_user)
    reading = read_session(session)
    return reading.desired, session.connection, reading.live


def read_and_plan(
    paths: list[str] | None,
    config: str | None,
    base_url: str | None,
    as_user: str | None,
    changed_since_ref: str | None = None,
) -> tuple[Session, Reading, Plan]:
    """Load and check the manifests, then read Box and plan, through one library session.
    Writes nothing."""
    desired, _ = load_desired(paths, config, changed_since_ref)
    session = open_session(desired, base_url, as_user)
    reading = read_session(session)
    return session, reading, session.plan(reading)


def open_session(desired: workflow.Desired, base_url: str | None, as_user: str | None) -> Session:
    """The library session over ``desired``, connected with the policy's pacing."""
    from reconciler.session import Session, workflow

    return Session(desired, workflow.connect(box_settings(base_url, as_user), desired.policy))


def read_session(session: Session) -> Reading:
    """The session's read of Box, with progress on a terminal and each delivery it left out
    as an error line naming why (at its manifest line)."""
    from reconciler.render.words import plural
    from reconciler.session import workflow

    desired = session.desired
    items = len(workflow.items_of(desired.state))
    info(
        f"Reading Box for {plural(len(desired.state.deliveries), 'delivery')} "
        f"({items} {'item' if items == 1 else 'folders, files and hubs'})..."
    )
    with progress("Reading Box", None) as tick:
        reading = session.read(on_read=tick)
    for left in reading.left_out:
        for line in left.lines():
            typer.echo(f"Error: {line}", err=True)
    return reading


def save_plan(plan: Plan, out: Path) -> None:
    """The plan as JSON at ``out``, for ``apply --plan``: the bytes ``plan --format json``
    prints, so a saved plan and a printed one can be compared with ``diff``."""
    from reconciler.render.json import render as render_json

    try:
        with out.open("w", encoding="utf-8") as stream:
            render_json(plan, stream)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write the plan there ({exc.strerror})") from None
    info(f"Saved the plan to {out}; apply exactly it with: reconcile apply --plan {out}")


def left_out(live: LiveState, done: str) -> str:
    """The closing words of a run that left deliveries out, or "" when none was."""
    if not live.unreadable:
        return ""
    from reconciler.render.words import plural

    return (
        f"{plural(len(live.unreadable), 'item')} could not be read from Box (listed above): the "
        f"deliveries naming them were left out; every other delivery was {done}."
    )


def info(message: str) -> None:
    """A log line for people, on stderr (stdout carries the product)."""
    typer.echo(message, err=True)


@contextmanager
def progress(description: str, total: int | None) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr when it is a terminal; a no-op otherwise. With no ``total``
    (not known in advance) it counts what was done."""
    if total == 0 or not sys.stderr.isatty():
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True, no_color=bool(os.environ.get("NO_COLOR")))
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn() if total is not None else TextColumn("{task.completed:.0f} calls"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda: bar.advance(task)
