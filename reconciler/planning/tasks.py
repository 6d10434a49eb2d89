"""The review tasks stage: one review task per delivered file, found again, never doubled.

The reconciler's task on a file is the ``review`` task its own account created. Files are those
below each delivered folder that the delivery's ``approval.include``/``exclude`` select; the first
delivery (by name) that selects a file speaks for its task. It hands each file and its task on as
a ``Review``, for the assignments stage to plan who must approve it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta

from reconciler.manifest.globs import selected
from reconciler.model import (
    REVIEW,
    ApprovalRule,
    Delivery,
    ItemKind,
    ItemRef,
    LiveFile,
    LiveItem,
    LiveTask,
    reviews_by,
)
from reconciler.plan import Action, Change, Kind
from reconciler.plan.payloads import TaskFields
from reconciler.planning.stage import (
    Extras,
    Handoff,
    Inputs,
    Review,
    Step,
    Subject,
    change_on,
    where,
)

#: The applier sets ``due_at`` from its own clock just before Box stamps ``created_at`` (to the
#: second), so the two never agree exactly; a shift smaller than this is not worth a change.
DUE_AT_TOLERANCE = timedelta(hours=1)


def stage(inputs: Inputs, handoff: Handoff) -> Step:
    """Task changes for every delivered folder whose delivery has ``approval``."""
    changes: list[Change] = []
    reviews: list[Review] = []
    planned_files: set[str] = set()  # a file below two delivered folders still gets one task
    for folder_id, rules in _folders(inputs.deliveries).items():
        ref = ItemRef(ItemKind.FOLDER, folder_id)
        folder = inputs.live.items.get(ref) or LiveItem(ref, "", None)
        files = sorted(inputs.live.files.get(folder_id, ()), key=lambda f: (f.path, f.id))
        for file in files:
            selecting = tuple(d for d in rules if _selects(d, file))
            if file.id in planned_files or not selecting:
                continue
            planned_files.add(file.id)
            review, planned = _plan_file(file, folder, selecting, inputs.live.me.id)
            reviews.append(review)
            changes.extend(planned)
    return Step(tuple(changes), replace(handoff, reviews=tuple(reviews)))


def _folders(deliveries: Iterable[Delivery]) -> dict[str, list[Delivery]]:
    out: dict[str, list[Delivery]] = {}
    for delivery in sorted(deliveries, key=lambda d: d.name):
        if delivery.approval is not None:
            for folder_id in delivery.folders:
                out.setdefault(folder_id, []).append(delivery)
    return dict(sorted(out.items()))


def _rule(delivery: Delivery) -> ApprovalRule:
    assert delivery.approval is not None, "only deliveries with an approval rule plan tasks"
    return delivery.approval


def _selects(delivery: Delivery, file: LiveFile) -> bool:
    rule = _rule(delivery)
    return selected(file.path, rule.include, rule.exclude)


def _plan_file(
    file: LiveFile, folder: LiveItem, selecting: tuple[Delivery, ...], me_id: str
) -> tuple[Review, list[Change]]:
    """The first delivery (by name) that selects a file speaks for its task."""
    owner = selecting[0]
    ours = reviews_by(file.tasks, me_id)
    if not ours:
        add = _task_add(owner, folder, file)
        return Review(file, folder, selecting, None, add.key), [add]
    out: list[Change] = []
    if len(ours) > 1:
        out.append(_extra_tasks(owner, folder, file, ours))
    update = _task_update(owner, folder, file, ours[0])
    if update is not None:
        out.append(update)
    return Review(file, folder, selecting, ours[0], None), out


def _task_add(delivery: Delivery, item: LiveItem, file: LiveFile) -> Change:
    rule = _rule(delivery)
    return change_on(
        Action.ADD,
        Subject(Kind.TASK, delivery, item, file=file),
        "no review task by the reconciler on this file yet",
        after={
            "action": REVIEW,
            "message": rule.message,
            "completion_rule": rule.completion_rule,
            "due_in_days": rule.due_in_days,
        },
        extras=Extras(origin=where(rule.origin)),
    )


def _extra_tasks(
    delivery: Delivery, item: LiveItem, file: LiveFile, ours: list[LiveTask]
) -> Change:
    extra = [t.id for t in ours[1:]]
    return change_on(
        Action.UNMANAGED,
        Subject(Kind.TASK, delivery, item, file=file),
        f"{len(ours)} review tasks by the reconciler on this file; the oldest is used",
        extras=Extras(box_ids={"task_id": ours[0].id, "extra_task_ids": ",".join(extra)}),
    )


def _task_update(
    delivery: Delivery, item: LiveItem, file: LiveFile, task: LiveTask
) -> Change | None:
    rule = _rule(delivery)
    before: TaskFields = {
        "message": task.message,
        "completion_rule": task.completion_rule,
        "due_at": task.due_at,
    }
    after: TaskFields = {
        "message": rule.message,
        "completion_rule": rule.completion_rule,
        "due_at": _expected_due_at(task, rule.due_in_days),
    }
    differing = [name for name, value in before.items() if after.get(name) != value]
    if not differing:
        return None
    return change_on(
        Action.CHANGE,
        Subject(Kind.TASK, delivery, item, file=file),
        f"review task differs from the manifest ({', '.join(differing)})",
        before=before,
        after=after,
        extras=Extras(origin=where(rule.origin), box_ids={"task_id": task.id}),
    )


def _expected_due_at(task: LiveTask, due_in_days: int | None) -> str | None:
    """``due_in_days`` counts from the task's creation, so later runs never move it; without
    ``due_in_days`` (or a creation time to count from) the task keeps the date it has."""
    created = task.created()
    if due_in_days is None or created is None:
        return task.due_at
    expected = created + timedelta(days=due_in_days)
    current = task.due()
    if current is not None and abs(current - expected) < DUE_AT_TOLERANCE:
        return task.due_at
    return expected.isoformat()
