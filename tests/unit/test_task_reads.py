"""A file's tasks read whole whatever shape Box answers in: the listing asks for every field
the client reads; a task or assignment Box still answers short is read directly; a field Box
never gives is an error naming the request, never a guess (which would plan a second task).

Box here is a small HTTP server answering canned Box JSON, driven through the real SDK: Box's
answer shapes (mini tasks, shortened assignment collections) are what is under test, and the
sandbox offers only the shapes it implements.
"""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.box.tasks import (
    TASK_FIELDS,
    assignments_complete,
    missing_assignment_fields,
    missing_task_fields,
)
from reconciler.errors import BoxError

ME = {"type": "user", "id": "11", "name": "Reconciler", "login": "svc@studio.example"}
ANN = {"type": "user", "id": "22", "name": "Ann", "login": "ann@acme.example"}
FILE = {"type": "file", "id": "5", "name": "cut.mov"}


def assignment(ident: str, state: str = "rejected") -> dict[str, Any]:
    return {
        "type": "task_assignment",
        "id": ident,
        "item": FILE,
        "assigned_to": ANN,
        "message": "too dark" if state == "rejected" else "",
        "resolution_state": state,
        "completed_at": "2026-12-01T10:00:00Z" if state != "incomplete" else None,
    }


def full_task(ident: str, *assignments: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "task",
        "id": ident,
        "item": FILE,
        "due_at": None,
        "action": "review",
        "message": "Approve the content?",
        "created_by": ME,
        "created_at": "2026-11-30T09:00:00Z",
        "completion_rule": "all_assignees",
        "is_completed": False,
        "task_assignment_collection": {"total_count": len(assignments), "entries": assignments},
    }


def mini(task: dict[str, Any]) -> dict[str, Any]:
    return {k: task[k] for k in ("type", "id", "item", "due_at")}


def listing(*tasks: dict[str, Any]) -> dict[str, Any]:
    return {"total_count": len(tasks), "entries": list(tasks)}


def test_the_listing_asks_for_every_field_the_client_reads(fake_box: Any) -> None:
    task = full_task("7", assignment("70"))
    box, reader = fake_box({"/2.0/files/5/tasks": listing(task)})
    (read,) = reader.file_tasks("5")
    assert box.paths() == ["/2.0/files/5/tasks"]  # a whole answer costs one call
    asked = set(box.got[0].query["fields"][0].split(","))
    assert asked >= {
        "action",
        "message",
        "created_by",
        "created_at",
        "completion_rule",
        "is_completed",
        "due_at",
        "task_assignment_collection",
    }
    assert asked == set(TASK_FIELDS)
    assert (read.action, read.created_by_id, read.is_completed) == ("review", "11", False)
    assert [(a.assignee_id, a.resolution_state, a.message) for a in read.assignments] == [
        ("22", "rejected", "too dark")
    ]


def test_a_mini_task_is_read_whole_from_the_task_itself(fake_box: Any) -> None:
    task = full_task("7", assignment("70"))
    box, reader = fake_box(
        {
            "/2.0/files/5/tasks": listing(mini(task)),
            "/2.0/tasks/7": task,
            "/2.0/tasks/7/assignments": task["task_assignment_collection"],
        }
    )
    (read,) = reader.file_tasks("5")
    assert "/2.0/tasks/7" in box.paths()
    assert (read.action, read.created_by_id, read.created_at) == (
        "review",
        "11",
        "2026-11-30T09:00:00Z",
    )
    assert [a.resolution_state for a in read.assignments] == ["rejected"]


def test_a_shortened_assignment_collection_is_read_from_the_task_s_assignments(
    fake_box: Any,
) -> None:
    task = full_task("7", assignment("70", "approved"))
    task["task_assignment_collection"] = {"total_count": 2, "entries": [assignment("70")]}
    second = {k: v for k, v in assignment("71", "incomplete").items() if k != "message"}
    box, reader = fake_box(
        {
            "/2.0/files/5/tasks": listing(task),
            "/2.0/tasks/7/assignments": listing(assignment("70"), second),
            "/2.0/task_assignments/71": assignment("71", "incomplete"),
        }
    )
    (read,) = reader.file_tasks("5")
    assert box.paths() == [
        "/2.0/files/5/tasks",
        "/2.0/tasks/7/assignments",
        "/2.0/task_assignments/71",
    ]
    assert [(a.id, a.resolution_state) for a in read.assignments] == [
        ("70", "rejected"),
        ("71", "incomplete"),
    ]


def test_a_task_box_never_answers_whole_is_an_error_naming_the_request(fake_box: Any) -> None:
    task = full_task("7")
    _, reader = fake_box({"/2.0/files/5/tasks": listing(mini(task)), "/2.0/tasks/7": mini(task)})
    with pytest.raises(BoxError) as raised:
        reader.file_tasks("5")
    assert "GET /tasks/7" in str(raised.value)
    assert "created_by" in str(raised.value)


@pytest.mark.parametrize(
    ("name", "entry", "missing"),
    [
        ("whole", full_task("1"), []),
        (
            "mini",
            mini(full_task("1")),
            list(sorted(set(TASK_FIELDS) - {"type", "id", "item", "due_at"})),
        ),
        ("creator without id", {**full_task("1"), "created_by": {"type": "user"}}, ["created_by"]),
        ("no due date is fine", {k: v for k, v in full_task("1").items() if k != "due_at"}, []),
        ("empty action", {**full_task("1"), "action": ""}, ["action"]),
    ],
)
def test_missing_task_fields(name: str, entry: dict[str, Any], missing: list[str]) -> None:
    assert missing_task_fields(entry) == missing, name


@pytest.mark.parametrize(
    ("name", "collection", "whole"),
    [
        ("none", None, False),
        ("empty", {"total_count": 0, "entries": []}, True),
        ("shortened", {"total_count": 3, "entries": [assignment("1")]}, False),
        (
            "mini entries",
            {"total_count": 1, "entries": [{"type": "task_assignment", "id": "1"}]},
            False,
        ),
        ("whole", {"total_count": 1, "entries": [assignment("1")]}, True),
    ],
)
def test_assignments_complete(name: str, collection: Any, whole: bool) -> None:
    assert assignments_complete({"task_assignment_collection": collection}) is whole, name


def test_an_assignment_needs_who_what_and_when() -> None:
    assert missing_assignment_fields(assignment("1")) == []
    assert missing_assignment_fields({"id": "1", "assigned_to": {"type": "user"}}) == [
        "assigned_to",
        "completed_at",
        "message",
        "resolution_state",
    ]
