"""``reconcile apply``: make Box match the manifests, safely, and report every change."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional, TextIO

import typer

from reconciler.cli.app import app
from reconciler.cli.options import (
    AsUserOpt,
    BaseUrlOpt,
    ChangedSinceOpt,
    ConfigOpt,
    PathsArg,
    YesOpt,
    info,
    left_out,
    product_stream,
    progress,
    read_and_plan,
)
from reconciler.errors import ExitCode, Interrupted, PartialApply, UsageError

if TYPE_CHECKING:
    from reconciler.applying.report import ApplyReport
    from reconciler.applying.run import Journal
    from reconciler.model import LiveState
    from reconciler.plan import Plan
    from reconciler.session import Reading, Session


class ReportFormat(str, Enum):
    TEXT = "text"
    JSON = "json"


SavedPlanOpt = Annotated[
    Optional[Path],  # noqa: UP045 - typer reads the annotation at run time (py3.10)
    typer.Option(
        "--plan",
        metavar="FILE",
        help="Apply exactly this saved plan (from 'plan --out'); refused if Box changed since.",
        show_default=False,
    ),
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Apply even above the safety limits on removals.")
]
JournalOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--journal",
        metavar="FILE",
        help="Append one JSON line per change and its outcome.",
        show_default=False,
    ),
]
ReportFormatOpt = Annotated[
    ReportFormat, typer.Option("--format", help="How to print the plan and the report.")
]


def load_saved_plan(path: Path) -> Plan:
    from reconciler.plan.saved import load_saved_plan as load  # only when a plan is given

    return load(path)


def open_journal(path: Path) -> Journal:
    from reconciler.applying.run import Journal

    try:
        return Journal.open(path)
    except OSError as exc:
        raise UsageError(f"--journal {path}: cannot write there ({exc.strerror})") from None


def confirm(plan: Plan) -> bool:
    from reconciler.render.words import plural

    typer.echo(
        f"\nApply {plural(plan.to_add + plan.to_change + plan.to_remove, 'change')} to Box? "
        "Only 'yes' will be accepted.",
        err=True,
    )
    answer = typer.prompt("Enter a value", default="", show_default=False, err=True)
    return str(answer).strip() == "yes"


def require_confirmation(plan: Plan) -> None:
    """Off a terminal only --yes (or a saved plan) confirms; on one, the person types yes."""
    if not sys.stdin.isatty():
        raise UsageError(
            "apply changes Box: pass --yes to confirm off a terminal, or apply a saved "
            "plan with --plan"
        )
    if not confirm(plan):
        info("Apply cancelled; nothing was changed.")
        raise typer.Exit(ExitCode.ERROR)


def run_apply(
    plan: Plan,
    session: Session,
    reading: Reading,
    *,
    force: bool,
    journal: Path | None,
) -> ApplyReport:
    """The session's apply, with a progress bar and, when asked, a journal line per change."""
    from reconciler.applying.report import ChangeResult
    from reconciler.applying.run import hold_interrupts

    sink = open_journal(journal) if journal is not None else None
    try:
        with progress("Applying", len(plan.executable())) as advance:

            def on_result(result: ChangeResult) -> None:
                advance()
                if sink is not None:
                    sink.record(result)

            result = session.apply(plan, reading, force=force, on_result=on_result)
        if result.interrupted:
            hold_interrupts()  # the run is ending: a late Ctrl-C must not cost the report or 130
        return result
    finally:
        if sink is not None:
            sink.close()


def raise_for(result: ApplyReport, live: LiveState) -> None:
    from reconciler.applying.report import Outcome
    from reconciler.render.words import plural

    if result.interrupted:
        raise Interrupted(
            "apply was interrupted: the changes under way finished and are listed above; "
            "those not started were not made. Run apply again to carry on."
        )
    if result.failed:
        counts = result.counts()
        # Changes waiting for acceptance were never tried, so they are not counted here.
        tried = sum(n for outcome, n in counts.items() if outcome != Outcome.WAITING.value)
        raise PartialApply(
            f"{counts[Outcome.FAILED.value]} of {plural(tried, 'change')} failed; each is listed "
            "above. Run apply again once the cause is fixed: it converges and never duplicates."
            + (f" {left_out(live, 'applied')}" if live.unreadable else "")
        )
    if live.unreadable:
        raise PartialApply(left_out(live, "applied"))


@app.command("apply", short_help="Make Box match the manifests: plan, confirm, apply, report.")
def apply_command(
    paths: PathsArg = None,
    config: ConfigOpt = None,
    yes: YesOpt = False,
    saved: SavedPlanOpt = None,
    force: ForceOpt = False,
    journal: JournalOpt = None,
    output: ReportFormatOpt = ReportFormat.TEXT,
    changed_since: ChangedSinceOpt = None,
    base_url: BaseUrlOpt = None,
    as_user: AsUserOpt = None,
) -> None:
    """Make Box match the manifests: plan, confirm, apply, report each change.

    \b
    Examples:
      reconcile apply                          # shows the plan and asks on a terminal
      reconcile apply --yes --journal run.jsonl
      reconcile plan --out plan.json && reconcile apply --plan plan.json

    Exit codes: 0 done, 1 Box error, 3 invalid input, 4 refused (unsafe without --force, or a
    saved plan that no longer matches Box), 5 some changes failed (each one is reported).
    """
    from reconciler.render.plan import render

    saved_plan = load_saved_plan(saved) if saved is not None else None
    session, reading, plan = read_and_plan(paths, config, base_url, as_user, changed_since)
    live = reading.live
    if saved_plan is not None:  # a stale saved plan is refused before anything is shown
        saved_plan.check_current(plan)
    stdout, color = product_stream()
    if output is ReportFormat.TEXT:
        render(plan, stdout, format="text", color=color)
    session.check(plan, reading, force=force)
    if not plan.has_changes:
        nothing_to_apply(plan, live, output, stdout)
        return
    if saved_plan is None and not yes:
        require_confirmation(plan)
    result = run_apply(plan, session, reading, force=force, journal=journal)
    render_report(plan, result, output, stdout, color=color, plan_shown=True)
    raise_for(result, live)


def nothing_to_apply(plan: Plan, live: LiveState, output: ReportFormat, stdout: TextIO) -> None:
    from reconciler.applying.report import nothing_applied
    from reconciler.render import report

    info("Nothing to apply: Box matches the manifests.")
    done = nothing_applied(plan)
    if output is ReportFormat.JSON:
        report.render_json(plan, done, stdout)
    raise_for(done, live)


def render_report(
    plan: Plan,
    result: ApplyReport,
    output: ReportFormat,
    stdout: TextIO,
    *,
    color: bool,
    plan_shown: bool = False,
) -> None:
    """The report of an apply, with the plan in JSON (the text plan was printed before it)."""
    from reconciler.render import report

    if output is ReportFormat.JSON:
        report.render_json(plan, result, stdout)
    else:
        report.render_text(result, stdout, color=color, plan_shown=plan_shown)
