"""What a pass wrote is part of the state it hands on: the review tasks it created and the
assignments it made, with Box's ids, without reading Box again."""

from __future__ import annotations

from reconciler.applying.report import ApplyReport, ChangeResult, Outcome
from reconciler.applying.written import fold
from reconciler.model import (
    ItemKind,
    ItemRef,
    LiveAssignment,
    LiveFile,
    LiveState,
    LiveTask,
    LiveUser,
    Principal,
)
from reconciler.plan import Action, Change, Kind

FOLDER = ItemRef(ItemKind.FOLDER, "300")
ME = LiveUser("10001", "studio@example.com")
JANE = Principal.email("Jane.Doe@acme.example")


def change(kind: Kind, action: Action, file: str, **after: str) -> Change:
    return Change(
        action=action,
        kind=kind,
        delivery="acme",
        item=FOLDER,
        principal=None if kind is Kind.TASK else JANE,
        reason="",
        file=file,
        after=after or None,
    )


def applied(c: Change, **outputs: str) -> ChangeResult:
    return ChangeResult(c, Outcome.APPLIED, "applied", outputs={"kind": c.kind.value, **outputs})


def live(*files: LiveFile) -> LiveState:
    return LiveState(me=ME, files={"300": files})


def test_a_task_created_and_assigned_in_one_pass_is_known_with_its_ids() -> None:
    before = live(
        LiveFile("f1", "hero.jpg", "hero.jpg", "300"), LiveFile("f2", "b.jpg", "b.jpg", "300")
    )
    report = ApplyReport(
        [
            applied(
                change(Kind.TASK, Action.ADD, "f1", message="Approve the content?"), task_id="t1"
            ),
            applied(
                change(Kind.TASK_ASSIGNMENT, Action.ADD, "f1"),
                task_id="t1",
                assignment_id="a1",
                user_id="u-jane",
            ),
        ]
    )
    after = fold(before, report, me_id="10001", now="2026-03-02T09:00:00Z")
    hero, other = after.files["300"]
    (task,) = hero.tasks
    assert (task.id, task.message, task.created_by_id, task.created_at) == (
        "t1",
        "Approve the content?",
        "10001",
        "2026-03-02T09:00:00Z",
    )
    assert task.assignments == (
        LiveAssignment(
            "a1", "u-jane", "jane.doe@acme.example", "incomplete", assigned_at=task.created_at
        ),
    )
    assert other.tasks == ()  # untouched


def test_an_assignment_on_an_existing_task_and_a_removal() -> None:
    kept = LiveAssignment("a0", "u-cmo", "cmo@acme.example", "approved")
    gone = LiveAssignment("a9", "u-old", "old@acme.example", "incomplete")
    task = LiveTask("t1", "f1", "review", "m", "all_assignees", None, "10001", (kept, gone))
    before = live(LiveFile("f1", "hero.jpg", "hero.jpg", "300", (task,)))
    report = ApplyReport(
        [
            applied(
                change(Kind.TASK_ASSIGNMENT, Action.ADD, "f1"),
                task_id="t1",
                assignment_id="a1",
                user_id="u-jane",
            ),
            applied(change(Kind.TASK_ASSIGNMENT, Action.REMOVE, "f1"), assignment_id="a9"),
            ChangeResult(change(Kind.TASK_ASSIGNMENT, Action.ADD, "f1"), Outcome.FAILED, "500"),
        ]
    )
    (file,) = fold(before, report, me_id="10001", now="2026-03-02T09:00:00Z").files["300"]
    assert [a.id for a in file.tasks[0].assignments] == ["a0", "a1"]


def test_nothing_applied_to_reviews_leaves_the_state_as_it_was() -> None:
    before = live(LiveFile("f1", "hero.jpg", "hero.jpg", "300"))
    assert fold(before, ApplyReport(), me_id="10001", now="x") is before
