"""Approval tasks as a table of named cases: deliveries + files and tasks in Box -> task lines."""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar

import pytest

from reconciler.model import (
    ApprovalRule,
    Client,
    Delivery,
    DesiredState,
    ItemRef,
    LiveAssignment,
    LiveCollaboration,
    LiveFile,
    LiveItem,
    LiveState,
    LiveTask,
    Origin,
    Policy,
    Principal,
)
from reconciler.plan import Action, Change, Kind, Plan, principal_id
from reconciler.plan.saved import plan_from_dict
from reconciler.planning import plan
from reconciler.render.plan import render
from tests.unit.test_planner import (
    FOLDER,
    ME,
    OTHER_FOLDER,
    OWNER_ID,
    accepted,
    group_collab,
    pending,
    rejected,
    simulate_apply,
)
from tests.unit.test_render import check_golden

T = TypeVar("T")
J = "Jane.Doe@acme.example"
C = "cmo@acme.example"
BOB = "bob@acme.example"
CREATED = "2026-11-01T10:00:00-08:00"
RULE = ApprovalRule(
    message="Approve the content?",
    completion_rule="all_assignees",
    origin=Origin("d/acme.yaml", 20, 1),
)
TASK_KINDS = (Kind.TASK, Kind.TASK_ASSIGNMENT)


# --- builders ------------------------------------------------------------------------------


def email(address: str, *, approver: bool = True, line: int = 10) -> Client:
    return Client(
        Principal.email(address), "viewer", approver=approver, origin=Origin("d/acme.yaml", line, 5)
    )


def user(user_id: str) -> Client:
    return Client(Principal.user(user_id), "viewer")


def group(group_id: str) -> Client:
    return Client(Principal.group(group_id), "previewer", approver=False)


def delivery(
    *clients: Client,
    name: str = "acme",
    rule: ApprovalRule | None = RULE,
    folders: tuple[str, ...] = ("100",),
    prune: bool = False,
) -> Delivery:
    return Delivery(
        name=name,
        file=f"d/{name}.yaml",
        folders=folders,
        clients=clients,
        approval=rule,
        prune=prune,
    )


def rule(**changes: object) -> ApprovalRule:
    return replace(RULE, **changes)  # type: ignore[arg-type]


def assignment(aid: str, user_id: str, login: str, state: str = "incomplete") -> LiveAssignment:
    return LiveAssignment(aid, user_id, login, state)


def task(
    tid: str,
    *assignments: LiveAssignment,
    by: str = ME.id,
    message: str = RULE.message,
    completion_rule: str = "all_assignees",
    due_at: str | None = None,
    created_at: str = CREATED,
    action: str = "review",
    is_completed: bool = False,
) -> LiveTask:
    return LiveTask(
        tid,
        "?",
        action,
        message,
        completion_rule,
        due_at,
        by,
        assignments,
        created_at,
        is_completed,
    )


def file(fid: str, path: str, *tasks: LiveTask, folder: str = "100") -> LiveFile:
    return LiveFile(fid, path.rsplit("/", 1)[-1], path, folder, tasks)


def live(
    *collabs: LiveCollaboration,
    files: tuple[LiveFile, ...] = (),
    items: tuple[ItemRef, ...] = (FOLDER,),
) -> LiveState:
    refs = {*items, *(c.item for c in collabs)}
    by_folder: dict[str, tuple[LiveFile, ...]] = {}
    for f in files:
        by_folder[f.folder_id] = (*by_folder.get(f.folder_id, ()), f)
    return LiveState(
        me=ME,
        items={
            ref: LiveItem(
                ref, f"Folder {ref.id}", OWNER_ID, tuple(c for c in collabs if c.item == ref)
            )
            for ref in refs
        },
        files=by_folder,
    )


def jane_accepted() -> LiveCollaboration:
    return accepted("c1", "501", J.casefold())


def cmo_accepted() -> LiveCollaboration:
    return accepted("c2", "502", C)


def line(change: Change) -> str:
    """A task line as the table writes it: action kind delivery principal file, then details."""
    text = (
        f"{change.action.value} {change.kind.value} {change.delivery} {change.item} "
        f"{principal_id(change.principal)} {change.file_name or '-'}"
    )
    if change.action is Action.CHANGE:
        text += " " + ",".join(f"{k}={v}" for k, _, v in change.field_changes())
    if change.kind is Kind.TASK and change.action is Action.ADD:
        after = change.after or {}
        text += f" {after['completion_rule']} due={after['due_in_days']}"
    if change.action in (Action.WAIT, Action.UNMANAGED, Action.REMOVE):
        text += f" [{change.reason}]"
    return text + (" on-acceptance" if change.on_acceptance else "")


def task_lines(result: Plan) -> list[str]:
    return [line(c) for c in result.changes if c.kind in TASK_KINDS]


# --- the table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    deliveries: tuple[Delivery, ...]
    live: LiveState
    expected: tuple[str, ...]


ADD_TASK = "add task acme folder:100 -"
ASSIGN = "add task_assignment acme folder:100"
j, c = f"email:{J.casefold()}", f"email:{C}"

CASES = [
    Case(
        "new file gets a task and assignments for accepted approvers, never for a group",
        (delivery(email(J), email(C), group("11")),),
        live(
            jane_accepted(),
            cmo_accepted(),
            group_collab("c3", "11", "previewer"),
            files=(file("f1", "hero.jpg"),),
        ),
        (
            f"{ADD_TASK} hero.jpg all_assignees due=None",
            f"{ASSIGN} {c} hero.jpg",
            f"{ASSIGN} {j} hero.jpg",
        ),
    ),
    Case(
        "pending approver: one wait line with the number of files",
        (delivery(email(J)),),
        live(
            pending("c1", J),
            files=(file("f1", "a.jpg"), file("f2", "b.jpg"), file("f3", "sub/c.jpg")),
        ),
        (
            f"{ADD_TASK} a.jpg all_assignees due=None",
            f"{ADD_TASK} b.jpg all_assignees due=None",
            f"{ADD_TASK} sub/c.jpg all_assignees due=None",
            f"wait task_assignment acme folder:100 {j} - "
            f"[3 files wait until {J} accepts the invitation]",
        ),
    ),
    Case(
        "accepted after signing up: assignments are added to the existing tasks",
        (delivery(email(J)),),
        live(
            jane_accepted(),
            files=(file("f1", "a.jpg", task("t1")), file("f2", "b.jpg", task("t2"))),
        ),
        (f"{ASSIGN} {j} a.jpg", f"{ASSIGN} {j} b.jpg"),
    ),
    Case(
        "a review Box completed takes no late approver (Box would refuse with 403)",
        (delivery(email(J), email(C), rule=rule(completion_rule="any_assignee")),),
        live(
            jane_accepted(),
            cmo_accepted(),
            files=(
                file(
                    "f1",
                    "a.jpg",
                    task(
                        "t1",
                        assignment("a1", "502", C, "approved"),
                        completion_rule="any_assignee",
                        is_completed=True,
                    ),
                ),
                file("f2", "b.jpg", task("t2", completion_rule="any_assignee")),
            ),
        ),
        (f"{ASSIGN} {c} b.jpg", f"{ASSIGN} {j} b.jpg"),
    ),
    Case(
        "rejected invitation: the files wait and say why",
        (delivery(email(J)),),
        live(rejected("c1", J), files=(file("f1", "a.jpg", task("t1")),)),
        (
            f"wait task_assignment acme folder:100 {j} - "
            f"[1 file waits: {J} rejected the invitation]",
        ),
    ),
    Case(
        # Plan order is by file id (f2 before f5), whatever the paths.
        "include and exclude follow gitignore: **/ matches the top, _internal/** is left out",
        (delivery(rule=rule(include=("**/*.jpg", "**/*.mp4"), exclude=("_internal/**",))),),
        live(
            files=(
                file("f1", "hero.jpg"),
                file("f2", "shots/day1/a.mp4"),
                file("f3", "notes.txt"),
                file("f4", "_internal/raw.jpg"),
                file("f5", "shots/_internal/b.jpg"),
            )
        ),
        (
            f"{ADD_TASK} hero.jpg all_assignees due=None",
            f"{ADD_TASK} shots/day1/a.mp4 all_assignees due=None",
            f"{ADD_TASK} shots/_internal/b.jpg all_assignees due=None",
        ),
    ),
    Case(
        "any_assignee and due_in_days go into a new task",
        (delivery(rule=rule(completion_rule="any_assignee", due_in_days=7)),),
        live(files=(file("f1", "a.jpg"),)),
        (f"{ADD_TASK} a.jpg any_assignee due=7",),
    ),
    Case(
        "completion rule changed in the manifest: the task changes",
        (delivery(rule=rule(completion_rule="any_assignee")),),
        live(files=(file("f1", "a.jpg", task("t1")),)),
        ("change task acme folder:100 - a.jpg completion_rule=any_assignee",),
    ),
    Case(
        "message changed in the manifest: the task changes",
        (delivery(rule=rule(message="Please approve")),),
        live(files=(file("f1", "a.jpg", task("t1", message="Approve the content?")),)),
        ("change task acme folder:100 - a.jpg message=Please approve",),
    ),
    Case(
        "due_in_days counts from creation: same created_at, no change on a later run",
        (delivery(rule=rule(due_in_days=7)),),
        # Box answers in another offset, and a few seconds after the applier's clock.
        live(files=(file("f1", "a.jpg", task("t1", due_at="2026-11-08T18:00:05Z")),)),
        (),
    ),
    Case(
        "due_in_days changed: due_at moves to created_at + the new number of days",
        (delivery(rule=rule(due_in_days=10)),),
        live(files=(file("f1", "a.jpg", task("t1", due_at="2026-11-08T10:00:00-08:00")),)),
        ("change task acme folder:100 - a.jpg due_at=2026-11-11T10:00:00-08:00",),
    ),
    Case(
        "due_in_days added to the manifest: existing tasks get a due date",
        (delivery(rule=rule(due_in_days=3)),),
        live(files=(file("f1", "a.jpg", task("t1")),)),
        ("change task acme folder:100 - a.jpg due_at=2026-11-04T10:00:00-08:00",),
    ),
    Case(
        "due_in_days removed from the manifest: the due date is left alone",
        (delivery(),),
        live(files=(file("f1", "a.jpg", task("t1", due_at="2026-11-08T10:00:00-08:00")),)),
        (),
    ),
    Case(
        "two reconciler tasks on a file: one unmanaged line, no new task, the oldest is used",
        (delivery(email(J)),),
        live(
            jane_accepted(),
            files=(
                file(
                    "f1",
                    "a.jpg",
                    task("t9", created_at="2026-11-02T10:00:00Z"),
                    task("t7", created_at="2026-11-01T19:00:00Z"),
                ),
            ),
        ),
        (
            f"{ASSIGN} {j} a.jpg",
            "unmanaged task acme folder:100 - a.jpg "
            "[2 review tasks by the reconciler on this file; the oldest is used]",
        ),
    ),
    Case(
        "a task by someone else, or not a review, is not ours: ours is created",
        (delivery(),),
        live(files=(file("f1", "a.jpg", task("t1", by="777"), task("t2", action="complete")),)),
        (f"{ADD_TASK} a.jpg all_assignees due=None",),
    ),
    Case(
        "approved assignment of a removed client survives, even under prune",
        (delivery(email(J), prune=True),),
        live(
            jane_accepted(),
            files=(
                file(
                    "f1",
                    "a.jpg",
                    task(
                        "t1",
                        assignment("a1", "501", J.casefold()),
                        assignment("a2", "777", BOB, "approved"),
                        assignment("a3", "778", "eve@acme.example", "rejected"),
                    ),
                ),
            ),
        ),
        (),
    ),
    Case(
        "open assignment of a removed client is removed under prune",
        (delivery(email(J), prune=True),),
        live(
            jane_accepted(),
            files=(
                file(
                    "f1",
                    "a.jpg",
                    task("t1", assignment("a1", "501", J), assignment("a2", "777", BOB)),
                ),
            ),
        ),
        (
            "remove task_assignment acme folder:100 email:bob@acme.example a.jpg "
            "[not an approver of any delivery of this file; acme prunes]",
        ),
    ),
    Case(
        "open assignment of a removed client is left alone without prune",
        (delivery(email(J)),),
        live(
            jane_accepted(),
            files=(
                file(
                    "f1",
                    "a.jpg",
                    task("t1", assignment("a1", "501", J), assignment("a2", "777", BOB)),
                ),
            ),
        ),
        (),
    ),
    Case(
        "approver: false is not assigned, and under prune loses an open assignment",
        (delivery(email(J, approver=False), prune=True),),
        live(jane_accepted(), files=(file("f1", "a.jpg", task("t1", assignment("a1", "501", J))),)),
        (
            f"remove task_assignment acme folder:100 {j} a.jpg "
            "[not an approver of any delivery of this file; acme prunes]",
        ),
    ),
    Case(
        "an approved or rejected assignment is history: never recreated",
        (delivery(email(J), email(C)),),
        live(
            jane_accepted(),
            cmo_accepted(),
            files=(
                file("f1", "a.jpg", task("t1", assignment("a1", "501", J, "approved"))),
                file("f2", "b.jpg", task("t2", assignment("a2", "502", C, "rejected"))),
            ),
        ),
        (f"{ASSIGN} {c} a.jpg", f"{ASSIGN} {j} b.jpg"),
    ),
    Case(
        "user client is assigned by id once it collaborates",
        (delivery(user("22222")),),
        live(accepted("c1", "22222", "u@x.example"), files=(file("f1", "a.jpg", task("t1")),)),
        ("add task_assignment acme folder:100 user:22222 a.jpg",),
    ),
    Case(
        "person invited in this plan is assigned on acceptance",
        (delivery(email(J)),),
        live(files=(file("f1", "a.jpg"), file("f2", "b.jpg", task("t2")))),
        (
            f"{ADD_TASK} a.jpg all_assignees due=None",
            f"{ASSIGN} {j} a.jpg on-acceptance",
            f"{ASSIGN} {j} b.jpg on-acceptance",
        ),
    ),
    Case(
        "a delivery without approval plans no tasks",
        (delivery(email(J), rule=None),),
        live(jane_accepted(), files=(file("f1", "a.jpg"),)),
        (),
    ),
    Case(
        "an empty folder plans nothing, not even a wait",
        (delivery(email(J)),),
        live(pending("c1", J)),
        (),
    ),
    Case(
        "every file already assigned: nothing waits",
        (delivery(email(J)),),
        live(jane_accepted(), files=(file("f1", "a.jpg", task("t1", assignment("a1", "501", J))),)),
        (),
    ),
    Case(
        "a file below two delivered folders gets one task",
        (delivery(folders=("100", "200")),),
        live(
            files=(file("f1", "sub/a.jpg"), file("f1", "a.jpg", folder="200")),
            items=(FOLDER, OTHER_FOLDER),
        ),
        (f"{ADD_TASK} sub/a.jpg all_assignees due=None",),
    ),
    Case(
        "two deliveries on one folder: the first by name speaks for the task, both assign",
        (
            delivery(email(C), name="beta", rule=rule(message="Beta?")),
            delivery(email(J), name="acme"),
        ),
        live(jane_accepted(), cmo_accepted(), files=(file("f1", "a.jpg"),)),
        (
            f"{ADD_TASK} a.jpg all_assignees due=None",
            f"{ASSIGN} {j} a.jpg",
            f"add task_assignment beta folder:100 {c} a.jpg",
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_approvals_table(case: Case) -> None:
    result = plan(DesiredState(case.deliveries), case.live, Policy())
    assert task_lines(result) == list(case.expected)


def test_there_are_enough_named_cases() -> None:
    assert len(CASES) >= 20 and len({c.name for c in CASES}) == len(CASES)


# --- details the table does not show -------------------------------------------------------


def changes_of(result: Plan, kind: Kind, action: Action) -> list[Change]:
    return [c for c in result.changes if c.kind is kind and c.action is action]


def test_new_task_carries_what_the_applier_needs() -> None:
    d = delivery(email(J), rule=rule(due_in_days=7, completion_rule="any_assignee"))
    result = plan(
        DesiredState((d,)), live(jane_accepted(), files=(file("f1", "s/a.jpg"),)), Policy()
    )
    (new_task,) = changes_of(result, Kind.TASK, Action.ADD)
    (assign,) = changes_of(result, Kind.TASK_ASSIGNMENT, Action.ADD)
    assert (new_task.item, new_task.file, new_task.file_name, new_task.principal) == (
        FOLDER,
        "f1",
        "s/a.jpg",
        None,
    )
    assert new_task.after == {
        "action": "review",
        "message": "Approve the content?",
        "completion_rule": "any_assignee",
        "due_in_days": 7,
    }
    assert new_task.origin == "d/acme.yaml:20"
    assert assign.depends_on == (new_task.key,)
    assert assign.box_ids == {"user_id": "501"}
    assert not assign.on_acceptance


def test_assignment_to_an_existing_task_names_task_and_user() -> None:
    state = live(jane_accepted(), files=(file("f1", "a.jpg", task("t1")),))
    result = plan(DesiredState((delivery(email(J)),)), state, Policy())
    (assign,) = changes_of(result, Kind.TASK_ASSIGNMENT, Action.ADD)
    assert assign.box_ids == {"task_id": "t1", "user_id": "501"}
    assert assign.depends_on == ()
    assert assign.origin == "d/acme.yaml:10"


def test_task_change_sends_all_fields_with_the_exact_due_at() -> None:
    state = live(files=(file("f1", "a.jpg", task("t1", message="Old?", due_at=None)),))
    result = plan(DesiredState((delivery(rule=rule(due_in_days=2)),)), state, Policy())
    (change,) = changes_of(result, Kind.TASK, Action.CHANGE)
    assert change.box_ids == {"task_id": "t1"} and change.after is not None
    assert change.before == {"message": "Old?", "completion_rule": "all_assignees", "due_at": None}
    assert change.after == {
        "message": "Approve the content?",
        "completion_rule": "all_assignees",
        "due_at": "2026-11-03T10:00:00-08:00",
    }
    assert datetime.fromisoformat(change.after["due_at"]) - datetime.fromisoformat(
        CREATED
    ) == timedelta(days=2)


def test_removal_carries_assignment_and_task_ids() -> None:
    state = live(files=(file("f1", "a.jpg", task("t1", assignment("a2", "777", BOB))),))
    result = plan(DesiredState((delivery(prune=True),)), state, Policy())
    (removal,) = changes_of(result, Kind.TASK_ASSIGNMENT, Action.REMOVE)
    assert removal.box_ids["assignment_id"] == "a2"
    assert removal.box_ids["task_id"] == "t1"


def test_on_acceptance_assignment_depends_on_the_invite_and_the_task() -> None:
    result = plan(DesiredState((delivery(email(J)),)), live(files=(file("f1", "a.jpg"),)), Policy())
    (invite,) = changes_of(result, Kind.COLLABORATION, Action.ADD)
    (new_task,) = changes_of(result, Kind.TASK, Action.ADD)
    (assign,) = changes_of(result, Kind.TASK_ASSIGNMENT, Action.ADD)
    assert assign.on_acceptance
    assert assign.depends_on == (invite.key, new_task.key)
    # The user id comes from the accepted invitation at apply time, never guessed now.
    assert "user_id" not in assign.box_ids
    order = result.changes
    assert order.index(invite) < order.index(new_task) < order.index(assign)


def test_on_acceptance_follows_an_invite_made_for_another_delivery_on_the_folder() -> None:
    deliveries = (delivery(email(J), name="acme"), delivery(email(J), name="beta", rule=None))
    result = plan(
        DesiredState(deliveries), live(files=(file("f1", "a.jpg", task("t1")),)), Policy()
    )
    (invite,) = changes_of(result, Kind.COLLABORATION, Action.ADD)
    (assign,) = changes_of(result, Kind.TASK_ASSIGNMENT, Action.ADD)
    assert assign.depends_on == (invite.key,) and assign.box_ids == {"task_id": "t1"}


def test_waiting_is_not_a_change() -> None:
    state = live(pending("c1", J), files=(file("f1", "a.jpg", task("t1")),))
    result = plan(DesiredState((delivery(email(J)),)), state, Policy())
    assert result.waiting == 1 and not result.has_changes
    assert result.summary()["to_add"] == 0


def test_waits_are_one_per_delivery_folder_and_approver() -> None:
    d = delivery(email(J), email(C), folders=("100", "200"))
    state = live(
        pending("c1", J),
        pending("c2", J, item=OTHER_FOLDER),
        pending("c3", C),
        pending("c4", C, item=OTHER_FOLDER),
        files=tuple(file(f"f{n}", f"{n}.jpg", task(f"t{n}")) for n in range(5))
        + tuple(file(f"g{n}", f"{n}.jpg", task(f"u{n}"), folder="200") for n in range(2)),
        items=(FOLDER, OTHER_FOLDER),
    )
    result = plan(DesiredState((d,)), state, Policy())
    waits = {(c.item.id, str(c.principal), c.reason) for c in result.changes}
    assert waits == {
        ("100", C, f"5 files wait until {C} accepts the invitation"),
        ("100", J, f"5 files wait until {J} accepts the invitation"),
        ("200", C, f"2 files wait until {C} accepts the invitation"),
        ("200", J, f"2 files wait until {J} accepts the invitation"),
    }
    # four lines, and in changes one per file and approver: the unit apply counts in
    assert len(result.changes) == 4 and result.waiting == 14 and not result.has_changes


# --- order independence and convergence ------------------------------------------------------


def shuffled(
    seed: int, deliveries: tuple[Delivery, ...], state: LiveState
) -> tuple[DesiredState, LiveState]:
    rng = random.Random(seed)

    def mix(values: tuple[T, ...]) -> tuple[T, ...]:
        out = list(values)
        rng.shuffle(out)
        return tuple(out)

    files = {
        folder: mix(
            tuple(
                replace(
                    f,
                    tasks=mix(tuple(replace(t, assignments=mix(t.assignments)) for t in f.tasks)),
                )
                for f in group
            )
        )
        for folder, group in mix(tuple(state.files.items()))
    }
    items = {
        ref: replace(item, collaborations=mix(item.collaborations))
        for ref, item in mix(tuple(state.items.items()))
    }
    desired = DesiredState(mix(tuple(replace(d, clients=mix(d.clients)) for d in deliveries)))
    return desired, replace(state, items=items, files=files)


def some_of_everything() -> tuple[tuple[Delivery, ...], LiveState]:
    deliveries = (
        delivery(
            email(J, line=10),
            email(C, line=12),
            email("new@acme.example", line=14),
            user("22222"),
            group("11"),
            rule=rule(due_in_days=7, exclude=("_internal/**",)),
            prune=True,
        ),
        delivery(email(BOB), name="beta", rule=rule(message="Beta?"), folders=("200",)),
    )
    state = live(
        pending("c1", J),
        cmo_accepted(),
        accepted("c4", "22222", "u@x.example"),
        accepted("c5", "503", BOB, item=OTHER_FOLDER),
        files=(
            file("f1", "hero.jpg"),
            file(
                "f2",
                "shots/a.jpg",
                task("t1"),  # a duplicate, newer than t0
                task(
                    "t0",
                    assignment("a1", "502", C, "approved"),
                    assignment("a9", "9", "x@y.example"),
                    created_at="2026-10-30T10:00:00Z",
                    message="old",
                ),
            ),
            file("f3", "_internal/raw.jpg"),
            file("f4", "spot.mp4", task("t4", due_at="2026-11-08T18:00:00Z")),
            file("g1", "b.jpg", folder="200"),
        ),
        items=(FOLDER, OTHER_FOLDER),
    )
    return deliveries, state


def test_shuffled_inputs_give_the_identical_plan_and_checksum() -> None:
    deliveries, state = some_of_everything()
    reference = plan(DesiredState(deliveries), state, Policy())
    assert len([c for c in reference.changes if c.kind in TASK_KINDS]) >= 10
    for seed in range(20):
        again = plan(*shuffled(seed, deliveries, state), Policy())
        assert again.changes == reference.changes
        assert again.checksum() == reference.checksum()


def apply_tasks(result: Plan, before: LiveState, after: LiveState) -> LiveState:
    """Box after the task part of an apply, the applier's clock a few seconds before Box's."""
    tasks: dict[str, list[LiveTask]] = {
        f.id: list(f.tasks) for group in before.files.values() for f in group
    }
    ids: dict[str, str] = {}  # file id -> the task this apply created on it
    for n, change in enumerate(result.executable()):
        if change.kind not in TASK_KINDS:
            continue
        assert change.file is not None
        on_file = tasks[change.file]
        if change.kind is Kind.TASK and change.action is Action.ADD:
            fields = change.after or {}
            days = fields["due_in_days"]
            created = "2026-11-20T12:00:03+00:00"
            due = None if days is None else f"2026-11-{20 + days}T12:00:00+00:00"
            ids[change.file] = f"new{n}"
            on_file.append(
                task(
                    f"new{n}",
                    message=fields["message"],
                    completion_rule=fields["completion_rule"],
                    due_at=due,
                    created_at=created,
                )
            )
        elif change.kind is Kind.TASK:
            fields = change.after or {}
            on_file[:] = [
                replace(
                    t,
                    message=fields["message"],
                    completion_rule=fields["completion_rule"],
                    due_at=fields["due_at"],
                )
                if t.id == change.box_ids["task_id"]
                else t
                for t in on_file
            ]
        elif change.action is Action.ADD:
            task_id = change.box_ids.get("task_id") or ids[change.file]
            user_id = change.box_ids.get("user_id") or _accepted_user(after, change)
            new = assignment(f"a-new{n}", user_id, str(change.principal))
            on_file[:] = [
                replace(t, assignments=(*t.assignments, new)) if t.id == task_id else t
                for t in on_file
            ]
        else:
            gone = change.box_ids["assignment_id"]
            on_file[:] = [
                replace(t, assignments=tuple(a for a in t.assignments if a.id != gone))
                for t in on_file
            ]
    files = {
        folder: tuple(replace(f, tasks=tuple(tasks[f.id])) for f in group)
        for folder, group in after.files.items()
    }
    return replace(after, files=files)


def _accepted_user(state: LiveState, change: Change) -> str:
    assert change.principal is not None and change.on_acceptance
    for collab in state.items[change.item].collaborations:
        if collab.matches(change.principal) and collab.principal_id:
            return collab.principal_id
    raise AssertionError(f"no accepted invitation for {change.principal}")


def converge(deliveries: tuple[Delivery, ...], state: LiveState) -> tuple[Plan, Plan]:
    desired = DesiredState(deliveries)
    first = plan(desired, state, Policy())
    collabs = Plan(tuple(c for c in first.changes if c.kind not in TASK_KINDS))
    after = apply_tasks(first, state, simulate_apply(collabs, state))
    return first, plan(desired, after, Policy())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_planning_again_after_apply_finds_nothing_to_do(case: Case) -> None:
    first, again = converge(case.deliveries, case.live)
    assert again.executable() == (), [line(c) for c in again.executable()]
    assert again.waiting <= first.waiting


def test_some_of_everything_converges() -> None:
    first, again = converge(*some_of_everything())
    assert first.has_changes and first.waiting == 3  # one line: three files wait on Jane
    assert again.executable() == (), [line(c) for c in again.executable()]
    # Only Jane's pending invitation still holds files back, and the duplicate task is reported.
    assert [c.action for c in again.changes] == [Action.WAIT, Action.UNMANAGED]


# --- how task lines read -------------------------------------------------------------------


def golden_plan() -> Plan:
    deliveries, state = some_of_everything()
    return plan(DesiredState(deliveries), state, Policy())


@pytest.mark.parametrize(
    ("fmt", "golden"), [("text", "tasks.txt"), ("json", "tasks.json"), ("markdown", "tasks.md")]
)
def test_task_plan_matches_golden(fmt: str, golden: str) -> None:
    stream = io.StringIO()
    render(golden_plan(), stream, format=fmt)
    check_golden(golden, stream.getvalue())


def test_task_lines_name_file_message_and_assignee() -> None:
    stream = io.StringIO()
    render(golden_plan(), stream, format="text")
    text = stream.getvalue()
    assert (
        "+ review task on 'hero.jpg' (\"Approve the content?\", all_assignees, due 7 days" in text
    )
    assert f"+ review task on 'hero.jpg' assigned to {C}" in text
    assert f"… review tasks for {J}  [3 files wait until {J} accepts the invitation]" in text
    assert "1 file with extra review tasks reported and left alone" in text


def test_saved_task_plan_round_trips() -> None:
    document = json.loads(json.dumps(golden_plan().to_dict()))
    assert plan_from_dict(document) == golden_plan()
