"""The apply report: the outcome of each change in the plan's words, then a headline that
accounts for every line of the plan's; or, for machines, one JSON document holding both."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

from reconciler.applying.report import ApplyReport, ChangeResult, Outcome
from reconciler.plan import Action, Plan
from reconciler.render.colour import paint
from reconciler.render.json import write_json
from reconciler.render.text import phrase
from reconciler.render.words import WAITING, plural

MARKS: Mapping[Outcome, tuple[str, str]] = {
    Outcome.APPLIED: ("✓", "green"),
    Outcome.FAILED: ("✗", "red"),
    Outcome.SKIPPED: ("-", "yellow"),
    Outcome.WAITING: ("…", "cyan"),
    Outcome.NOT_STARTED: ("·", "yellow"),
}
#: What an applied change of each action is called in the headline.
DONE: Mapping[Action, str] = {
    Action.ADD: "added",
    Action.CHANGE: "changed",
    Action.REMOVE: "removed",
}


def render_text(
    report: ApplyReport, out: TextIO, *, color: bool = False, plan_shown: bool = False
) -> None:
    """Each outcome, then the headline. When the plan was just printed, changes applied exactly
    as it said are not listed again: only what turned out otherwise, or has more to say."""
    for result in report.results:
        if plan_shown and result.outcome is Outcome.APPLIED and result.detail == "applied":
            continue
        out.write(result_line(result, color) + "\n")
    out.write(f"\n{headline(report)}\n")


def headline(report: ApplyReport) -> str:
    """``Apply complete: 24 changes added, 0 changed, 0 removed, 9 waiting for acceptance,
    0 failed, 0 skipped.`` — the same buckets as the plan's line (resent ones too, when there
    are any), in the same unit, so the two add up."""
    applied = report.of(Outcome.APPLIED)
    resent = sum(1 for r in applied if r.change.action is Action.RESEND)
    made = {
        action: sum(r.change.stands_for for r in applied if r.change.action is action)
        for action in DONE
    }
    # The unit is named once, at the first count: every count of the headline is of changes.
    done = [
        plural(count, "change") + f" {word}" if action is Action.ADD else f"{count} {word}"
        for (action, count), word in zip(made.items(), DONE.values(), strict=True)
    ] + ([f"{resent} resent"] if resent else [])
    counts = report.counts()
    done += [
        f"{counts[Outcome.WAITING.value]} {WAITING}",
        f"{counts[Outcome.FAILED.value]} failed",
        f"{counts[Outcome.SKIPPED.value]} skipped",
    ]
    if report.interrupted:
        done.append(f"{counts[Outcome.NOT_STARTED.value]} not started")
    title = "Apply interrupted" if report.interrupted else "Apply complete"
    return f"{title}: {', '.join(done)}."


def render_json(plan: Plan, report: ApplyReport, out: TextIO) -> None:
    write_json({"plan": plan.to_dict(), "report": report.to_dict()}, out)


def result_line(result: ChangeResult, color: bool) -> str:
    mark, tint = MARKS[result.outcome]
    mark = paint(mark, tint, color=color, bold=True)
    extra = ""
    if result.outcome is Outcome.FAILED and (result.status or result.code or result.request_id):
        extra = (
            f" [status {result.status or '-'}, code {result.code or '-'}, "
            f"request id {result.request_id or '-'}]"
        )
    detail = "" if result.detail == "applied" else f": {result.detail}"
    return f"  {mark} {phrase(result.change)}{detail}{extra}"
