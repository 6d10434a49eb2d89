"""``reconcile webhooks plan|apply``: the declared Box webhook on every delivered folder."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from reconciler.cli.app import app
from reconciler.cli.apply import ReportFormat, render_report, require_confirmation
from reconciler.cli.options import (
    AsUserOpt,
    BaseUrlOpt,
    ConfigOpt,
    PathsArg,
    YesOpt,
    box_settings,
    info,
    product_stream,
)
from reconciler.errors import PartialApply, UsageError
from reconciler.render.words import plural

if TYPE_CHECKING:
    from reconciler.plan import Plan
    from reconciler.session import workflow

webhooks_app = typer.Typer(
    help=(
        "The webhooks: of reconcile.yaml on every delivered folder (plan, apply).\n\n"
        "\b\nExamples:\n"
        "  reconcile webhooks plan                   # what apply would add, change or remove\n"
        "  reconcile webhooks apply --yes            # one webhook of this app per folder\n"
        "  reconcile watch --listen 127.0.0.1:8080   # then take their deliveries"
    ),
    short_help="The declared Box webhooks on delivered folders (plan, apply).",
    no_args_is_help=True,
)
app.add_typer(webhooks_app, name="webhooks")


def _plan(
    paths: list[str] | None, config: str | None, base_url: str | None, as_user: str | None
) -> tuple[workflow.Desired, workflow.Connection, Plan]:
    from reconciler.manifest.service import load_service
    from reconciler.session import workflow

    desired = workflow.load(paths, config)
    spec = load_service(config).webhooks
    if spec is None:
        raise UsageError("reconcile.yaml declares no webhooks: (address and triggers)")
    connection = workflow.connect(box_settings(base_url, as_user), desired.policy)
    deliveries = plural(len(desired.state.deliveries), "delivery")
    info(f"Reading the webhooks of this app for {deliveries}...")
    plan, _ = workflow.plan_declared_webhooks(desired, spec, connection)
    return desired, connection, plan


@webhooks_app.command("plan")
def plan_command(
    paths: PathsArg = None,
    config: ConfigOpt = None,
    base_url: BaseUrlOpt = None,
    as_user: AsUserOpt = None,
    output: Annotated[
        ReportFormat, typer.Option("--format", help="text for people, json for machines.")
    ] = ReportFormat.TEXT,
) -> None:
    """Show which webhooks 'webhooks apply' would add, change or remove. Never writes.

    \b
    Examples:
      reconcile webhooks plan                          # for people
      reconcile webhooks plan --format json            # the plan as JSON

    Exit codes: 0 ok, 1 Box error, 3 invalid input (no webhooks: in reconcile.yaml).
    """
    from reconciler.render.plan import render

    *_, plan = _plan(paths, config, base_url, as_user)
    stdout, color = product_stream()
    render(plan, stdout, format=output.value, color=color)


@webhooks_app.command("apply")
def apply_command(
    paths: PathsArg = None,
    config: ConfigOpt = None,
    yes: YesOpt = False,
    force: Annotated[
        bool, typer.Option("--force", help="Remove more than safety.max_removals webhooks.")
    ] = False,
    output: Annotated[
        ReportFormat, typer.Option("--format", help="text for people, json for machines.")
    ] = ReportFormat.TEXT,
    base_url: BaseUrlOpt = None,
    as_user: AsUserOpt = None,
) -> None:
    """Give every delivered folder exactly one webhook of this app, with the declared address
    and triggers: one that is there is changed in place (Box allows one per folder and app);
    one at that address on a folder no delivery declares any more is removed.

    \b
    Examples:
      reconcile webhooks apply                         # shows the plan, asks before writing
      reconcile webhooks apply --yes                   # in a pipeline: no question
      reconcile webhooks apply --yes --format json     # the report as JSON

    Exit codes: 0 done, 1 Box error, 3 invalid input, 4 refused (removals above the safety
    limits without --force), 5 some changes failed.
    """
    from reconciler.render.plan import render
    from reconciler.session import workflow

    desired, connection, plan = _plan(paths, config, base_url, as_user)
    stdout, color = product_stream()
    if output is ReportFormat.TEXT:
        render(plan, stdout, format="text", color=color)
    if not plan.has_changes:
        return
    if not yes:
        require_confirmation(plan)
    report = workflow.apply_webhooks(plan, desired, connection, force=force)
    render_report(plan, report, output, stdout, color=color)
    if report.failed:
        raise PartialApply(f"{len(report.failed)} of {len(report.results)} changes failed")
