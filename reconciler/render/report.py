"""The apply report: one line per change and its outcome, then the counts; or, for machines, one
JSON document holding the plan and the report."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TextIO

from reconciler.applier import ApplyReport, ChangeResult, Outcome
from reconciler.plan import Plan
from reconciler.render.colour import paint

MARKS: Mapping[Outcome, tuple[str, str]] = {
    Outcome.APPLIED: ("✓", "green"),
    Outcome.FAILED: ("✗", "red"),
    Outcome.SKIPPED: ("-", "yellow"),
    Outcome.WAITING: ("…", "cyan"),
    Outcome.NOT_STARTED: ("·", "yellow"),
}


def render_text(report: ApplyReport, out: TextIO, *, color: bool = False) -> None:
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


def render_json(plan: Plan, report: ApplyReport, out: TextIO) -> None:
    json.dump({"plan": plan.to_dict(), "report": report.to_dict()}, out, indent=2)
    out.write("\n")


def _result_line(result: ChangeResult, color: bool) -> str:
    mark, tint = MARKS[result.outcome]
    mark = paint(mark, tint, color=color, bold=True)
    extra = ""
    if result.outcome is Outcome.FAILED and (result.status or result.code or result.request_id):
        extra = (
            f" [status {result.status or '-'}, code {result.code or '-'}, "
            f"request id {result.request_id or '-'}]"
        )
    detail = "" if result.detail == "applied" else f": {result.detail}"
    return f"  {mark} {result.change.describe()}{detail}{extra}"
