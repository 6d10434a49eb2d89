"""What an apply wrote, folded into the live state it was planned from: the review tasks it
created and the assignments it made or removed, with the ids Box gave them.

A pass that kept the view it read *before* writing could not see its own reviews: the review
poll found nothing open to read, and a decision on them waited for the next full resync.
Folding costs no call (reading those files again would cost one each); what is folded is only
what Box answered to our own writes, and the next read of each file replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from reconciler.applying.report import ApplyReport, ChangeResult, Outcome
from reconciler.model import LiveAssignment, LiveFile, LiveState, LiveTask, PrincipalKind
from reconciler.plan import Action, Kind


def fold(live: LiveState, report: ApplyReport, *, me_id: str, now: str) -> LiveState:
    """``live`` with the tasks and assignments of ``report``'s applied changes (``now``: when,
    as Box writes times)."""
    applied = [
        r
        for r in report.results
        if r.outcome is Outcome.APPLIED
        and r.change.kind in (Kind.TASK, Kind.TASK_ASSIGNMENT)
        and r.change.file is not None
    ]
    if not applied:
        return live
    by_file: dict[str, list[ChangeResult]] = {}
    for result in applied:
        by_file.setdefault(str(result.change.file), []).append(result)
    files = {
        folder: tuple(
            _folded(f, by_file[f.id], me_id, now) if f.id in by_file else f for f in found
        )
        for folder, found in live.files.items()
    }
    return replace(live, files=files)


def _folded(file: LiveFile, results: Iterable[ChangeResult], me_id: str, now: str) -> LiveFile:
    tasks = {t.id: t for t in file.tasks}
    ordered = sorted(results, key=lambda r: r.change.kind is Kind.TASK_ASSIGNMENT)  # tasks first
    for result in ordered:
        change, out = result.change, result.outputs
        task_id = out.get("task_id", "") or _holding(tasks.values(), out.get("assignment_id"))
        if change.kind is Kind.TASK and change.action is Action.ADD and task_id:
            after = dict(change.after or {})
            tasks[task_id] = LiveTask(
                id=task_id,
                file_id=file.id,
                action="review",
                message=str(after.get("message", "")),
                completion_rule=str(after.get("completion_rule", "all_assignees")),
                due_at=None,  # Box's own reckoning of it comes with the next read
                created_by_id=me_id,
                created_at=now,
            )
        elif change.kind is Kind.TASK_ASSIGNMENT and task_id in tasks:
            task = tasks[task_id]
            kept = tuple(a for a in task.assignments if a.id != out.get("assignment_id"))
            if change.action is Action.ADD:
                who = change.principal
                login = who.key if who is not None and who.kind is PrincipalKind.EMAIL else ""
                kept += (
                    LiveAssignment(
                        id=out.get("assignment_id", ""),
                        assignee_id=out.get("user_id", ""),
                        assignee_login=login,
                        resolution_state="incomplete",
                        assigned_at=now,
                    ),
                )
            tasks[task_id] = replace(task, assignments=kept)
    return replace(file, tasks=tuple(tasks.values()))


def _holding(tasks: Iterable[LiveTask], assignment_id: str | None) -> str:
    """The id of the task that holds ``assignment_id`` ("" when none does)."""
    return next((t.id for t in tasks if any(a.id == assignment_id for a in t.assignments)), "")
