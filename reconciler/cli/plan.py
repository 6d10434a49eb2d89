"""``reconcile plan``: what apply would change in Box, without writing anything."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from reconciler.cli.app import app
from reconciler.cli.options import (
    AsUserOpt,
    BaseUrlOpt,
    ChangedSinceOpt,
    ConfigOpt,
    PathsArg,
    info,
    left_out,
    product_stream,
    read_and_plan,
    save_plan,
)
from reconciler.errors import ExitCode, ReadError

if TYPE_CHECKING:
    from reconciler.session import workflow


class PlanFormat(str, Enum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


PlanFormatOpt = Annotated[
    PlanFormat,
    typer.Option("--format", help="text for people, json for machines, markdown for a PR."),
]
PlanOutOpt = Annotated[
    Optional[Path],  # noqa: UP045 - typer reads the annotation at run time (py3.10)
    typer.Option(
        "--out",
        metavar="FILE",
        help="Also save the JSON plan here, for 'apply --plan'.",
        show_default=False,
    ),
]
DetailedExitcodeOpt = Annotated[
    bool,
    typer.Option(
        "--detailed-exitcode",
        help="Exit 2 when changes are pending, 0 when Box matches (waiting work is no change).",
    ),
]


@app.command("plan")
def plan_command(
    paths: PathsArg = None,
    config: ConfigOpt = None,
    output: PlanFormatOpt = PlanFormat.TEXT,
    out: PlanOutOpt = None,
    detailed_exitcode: DetailedExitcodeOpt = False,
    changed_since: ChangedSinceOpt = None,
    base_url: BaseUrlOpt = None,
    as_user: AsUserOpt = None,
) -> None:
    """Show what 'apply' would change in Box. Reads Box; never writes.

    \b
    Examples:
      reconcile plan                                   # text, grouped by delivery
      reconcile plan --format markdown > comment.md    # one pull-request comment
      reconcile plan --out plan.json --detailed-exitcode
      reconcile plan --changed-since origin/main       # only what a pull request touches

    Box is reached with BOX_DEVELOPER_TOKEN, or BOX_CLIENT_ID + BOX_CLIENT_SECRET +
    BOX_ENTERPRISE_ID, or BOX_JWT_CONFIG; BOX_BASE_URL points at a sandbox.
    Exit codes: 0 ok, 1 Box error, 2 changes pending (with --detailed-exitcode), 3 invalid input.
    """
    _, reading, plan = read_and_plan(paths, config, base_url, as_user, changed_since)
    desired, live = reading.desired, reading.live
    if changed_since is None:
        # With --changed-since the deletions since REF were warned of already, and the narrowed
        # deliveries are not every name a moved manifest may still go by.
        warn_deleted(paths, desired)
    from reconciler.render.plan import render

    stdout, color = product_stream()
    render(plan, stdout, format=output.value, color=color)
    stdout.flush()
    if out is not None:
        save_plan(plan, out)
    if live.unreadable:
        raise ReadError(left_out(live, "planned"))
    if detailed_exitcode and plan.has_changes:
        raise typer.Exit(ExitCode.CHANGES_PENDING)


def warn_deleted(paths: list[str] | None, desired: workflow.Desired) -> None:
    """A warning for each manifest git saw deleted without ``revoke: true``: its access stays."""
    from reconciler.manifest import DEFAULT_PATHS
    from reconciler.manifest.git import deleted_manifests

    names = [d.name for d in desired.state.deliveries]
    for deleted in deleted_manifests(paths or DEFAULT_PATHS, names):
        info(f"Warning: {deleted.warning()}")
