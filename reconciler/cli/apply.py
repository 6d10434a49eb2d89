"""``reconcile apply``: make Box match the manifests, safely, and report every change."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional, TextIO

import typer

from reconciler import workflow
from reconciler.applier import ApplyReport, ChangeResult, Journal, Outcome
from reconciler.cli.app import app
from reconciler.cli.options import (
    AsUserOpt,
    BaseUrlOpt,
    ConfigOpt,
    PathsArg,
    info,
    progress,
    use_color,
    utf8,
)
from reconciler.cli.plan import read_and_plan
from reconciler.errors import Interrupted, PartialApply, UsageError
from reconciler.plan import Plan, check_current, check_safety
from reconciler.planner import collaborator_counts
from reconciler.render import render

MARKS = {
    Outcome.APPLIED: ("✓", "green"),
    Outcome.FAILED: ("✗", "red"),
    Outcome.SKIPPED: ("-", "yellow"),
    Outcome.WAITING: ("…", "cyan"),
    Outcome.NOT_STARTED: ("·", "yellow"),
}


class ReportFormat(str, Enum):
    TEXT = "text"
    JSON = "json"


def load_saved_plan(path: Path) -> Plan:
    from reconciler.saved_plan import load_saved_plan as load  # only when a plan is given

    return load(path)


def open_journal(path: Path) -> Journal:
    try:
        return Journal.open(path)
    except OSError as exc:
        raise UsageError(f"--journal {path}: cannot write there ({exc.strerror})") from None


def confirm(plan: Plan) -> bool:
    typer.echo(
        f"\nApply {plan.to_add + plan.to_change + plan.to_remove} changes to Box? "
        "Only 'yes' will be accepted.",
        err=True,
    )
    answer = typer.prompt("Enter a value", default="", show_default=False, err=True)
    return answer.strip() == "yes"


def render_report(report: ApplyReport, out: TextIO, *, color: bool) -> None:
    for result in report.results:
        out.write(_result_line(result, color) + "\n")
    counts = report.counts()
    headline = "Apply interrupted" if report.interrupted else "Apply complete"
    out.write(
        f"\n{headline}: {counts['applied']} applied, {counts['failed']} failed, "
        f"{counts['skipped']} skipped, {counts['waiting']} waiting"
        + (f", {counts['not_started']} not started" if report.interrupted else "")
        + ".\n"
    )


def _result_line(result: ChangeResult, color: bool) -> str:
    mark, tint = MARKS[result.outcome]
    if color:
        mark = typer.style(mark, fg=tint, bold=True)
    extra = ""
    if result.outcome is Outcome.FAILED and (result.status or result.code or result.request_id):
        extra = (
            f" [status {result.status or '-'}, code {result.code or '-'}, "
            f"request id {result.request_id or '-'}]"
        )
    detail = "" if result.detail == "applied" else f": {result.detail}"
    return f"  {mark} {result.change.describe()}{detail}{extra}"


@app.command("apply")
def apply_command(
    paths: PathsArg = None,
    config: ConfigOpt = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Apply without asking (needed off a terminal).")
    ] = False,
    saved: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--plan",
            help="Apply exactly this saved plan (from 'plan --out'); refused if Box changed since.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Apply even above the safety limits on removals.")
    ] = False,
    journal: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--journal", help="Append one JSON line per change and its outcome.", show_default=False
        ),
    ] = None,
    output: Annotated[
        ReportFormat, typer.Option("--format", help="How to print the plan and the report.")
    ] = ReportFormat.TEXT,
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
    saved_plan = load_saved_plan(saved) if saved is not None else None
    desired, connection, live, plan = read_and_plan(paths, config, base_url, as_user)
    if saved_plan is not None:
        check_current(saved_plan, plan)
    stdout = utf8(sys.stdout)
    color = use_color(stdout)
    if output is ReportFormat.TEXT:
        render(plan, stdout, format="text", color=color)
    if not force:
        check_safety(plan, desired.policy, collaborator_counts(live))
    if not plan.has_changes:
        info("Nothing to apply: Box matches the manifests.")
        if output is ReportFormat.JSON:
            json.dump({"plan": plan.to_dict(), "report": ApplyReport().to_dict()}, stdout, indent=2)
            stdout.write("\n")
        return
    if saved_plan is None and not yes:
        if not sys.stdin.isatty():
            raise UsageError(
                "apply changes Box: pass --yes to confirm off a terminal, or apply a saved "
                "plan with --plan"
            )
        if not confirm(plan):
            info("Apply cancelled; nothing was changed.")
            raise typer.Exit(1)
    sink = open_journal(journal) if journal is not None else None
    try:
        with progress("Applying", len(plan.executable())) as advance:

            def on_result(result: ChangeResult) -> None:
                advance()
                if sink is not None:
                    sink.record(result)

            report = workflow.apply(plan, desired, connection, live, on_result=on_result)
    finally:
        if sink is not None:
            sink.close()
    if output is ReportFormat.JSON:
        json.dump({"plan": plan.to_dict(), "report": report.to_dict()}, stdout, indent=2)
        stdout.write("\n")
    else:
        render_report(report, stdout, color=color)
    if report.interrupted:
        raise Interrupted(
            "apply was interrupted: the changes under way finished and are listed above; "
            "those not started were not made. Run apply again to carry on."
        )
    if report.failed:
        raise PartialApply(
            f"{len(report.failed)} of {len(report.results)} changes failed; each is listed "
            "above. Run apply again once the cause is fixed: it converges and never duplicates."
        )
