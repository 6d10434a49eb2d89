"""Approval tasks end to end: the real ``reconcile`` command, in a subprocess, against the sample
studio in a sandbox, with clients who sign up, approve and reject through the real SDK.

A delivery's selected files each carry one review task created by the reconciler's account, with
one assignment per approver who has accepted. Every scenario ends with the convergence check:
after apply, ``plan --detailed-exitcode`` exits 0.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import timedelta, timezone
from typing import Any

import pytest
from box_sdk_gen import (
    CreateFolderParent,
    CreateTaskAction,
    CreateTaskItem,
    CreateTaskItemTypeField,
    UploadFileAttributes,
    UploadFileAttributesParentField,
)

from reconciler.box.people import Person
from reconciler.model import box_time
from tests.integration.conftest import (
    ACME_FOLDER,
    CMO,
    GLOBEX_FOLDER,
    SERVICE_ACCOUNT,
    Result,
    Studio,
)

ACME = "deliveries/acme/spring-2026.yaml"
GLOBEX_PRODUCER = "20002"  # producer@globex.example, who has a Box account already
RETOUCHED_FOLDER = "213534631622"
INTERNAL_FOLDER = "213534631623"

HERO, PACKSHOT_1, PACKSHOT_2, SPOT, CONTACT_SHEET = (
    "1400000101",
    "1400000102",
    "1400000103",
    "1400000104",
    "1400000105",
)
DETAIL_01, RAW_NOTES = "1400000111", "1400000121"
#: what acme's approval rule selects: **/*.jpg and **/*.mp4, nothing under _internal/
ACME_REVIEWED = frozenset({HERO, PACKSHOT_1, PACKSHOT_2, SPOT, DETAIL_01})
LOOK_01 = "1400000201"
GLOBEX_REVIEWED = frozenset({LOOK_01, "1400000202", "1400000203"})


# --- the command, as a user or CI runs it ----------------------------------------------------


def apply(studio: Studio) -> Result:
    done = studio.run("apply", "--yes")
    assert done.code == 0, done.text
    return done


def assert_converged(studio: Studio) -> None:
    again = studio.run("plan", "--detailed-exitcode")
    assert again.code == 0, f"Box does not match the manifests after apply:\n{again.text}"


# --- what Box holds, counted in the sandbox's state ------------------------------------------


def our_tasks(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Review tasks created by the reconciler's account."""
    return [
        t
        for t in state["tasks"]
        if t["created_by_id"] == SERVICE_ACCOUNT and t["action"] == "review"
    ]


def tasks_per_file(state: dict[str, Any]) -> Counter[str]:
    return Counter(t["file_id"] for t in our_tasks(state))


def assignments_per_approver(state: dict[str, Any]) -> Counter[tuple[str, str]]:
    """(task, user) -> how many assignments; every value must be 1."""
    return Counter((a["task_id"], a["assigned_to_id"]) for a in state["task_assignments"])


def assigned_files(state: dict[str, Any], user_id: str) -> set[str]:
    return {a["file_id"] for a in state["task_assignments"] if a["assigned_to_id"] == user_id}


def assignment_states(state: dict[str, Any], user_id: str) -> dict[str, str]:
    """file id -> resolution state of this user's assignment."""
    return {
        a["file_id"]: a["resolution_state"]
        for a in state["task_assignments"]
        if a["assigned_to_id"] == user_id
    }


def assert_no_duplicates(state: dict[str, Any]) -> None:
    assert set(tasks_per_file(state).values()) <= {1}, tasks_per_file(state)
    assert set(assignments_per_approver(state).values()) <= {1}, assignments_per_approver(state)


def counts(state: dict[str, Any]) -> tuple[int, int]:
    return len(state["tasks"]), len(state["task_assignments"])


def days_until_due(task: dict[str, Any]) -> float:
    """How far the due date lies after the task's creation, in days."""
    due, created = box_time(task["due_at"]), box_time(task["created_at"])
    assert due is not None and created is not None, task
    return (due - created) / timedelta(days=1)


def sign_up(studio: Studio, login: str) -> Person:
    """An invited client creates a Box account, accepts, and from then on acts as themself."""
    return Person(studio.box.base_url, studio.sign_up(login))


def decide(person: Person, decisions: dict[str, str], folder: str = ACME_FOLDER) -> None:
    """Press Approve or Reject in Box: ``decisions`` maps file id -> "approved" | "rejected"."""
    open_assignments = {file.id: a.id for file, a in person.my_assignments(folder)}
    assert set(decisions) <= set(open_assignments), open_assignments
    for file_id, decision in decisions.items():
        person.resolve(open_assignments[file_id], decision)


def upload(studio: Studio, name: str, folder: str) -> str:
    """The studio's team uploads a file into a delivered folder; returns its id."""
    attributes = UploadFileAttributes(name=name, parent=UploadFileAttributesParentField(id=folder))
    uploaded = studio.client().uploads.upload_file(attributes, io.BytesIO(b"pixels"))
    assert uploaded.entries
    return str(uploaded.entries[0].id)


# --- scenarios -------------------------------------------------------------------------------


def test_assignments_wait_for_acceptance_then_cover_every_selected_file(studio: Studio) -> None:
    apply(studio)
    state = studio.state()
    acme_assignees = {
        a["assigned_to_id"] for a in state["task_assignments"] if a["file_id"] in ACME_REVIEWED
    }
    assert acme_assignees == {CMO}  # Jane has no Box account: nothing can be assigned to her
    waiting = studio.run("plan", "--detailed-exitcode")
    assert waiting.code == 0, waiting.text  # waiting for Jane is not a change
    assert "5 files wait until Jane.Doe@acme.example accepts the invitation" in waiting.out

    jane = sign_up(studio, "jane.doe@acme.example")
    assert assigned_files(studio.state(), jane.user.id) == set()  # accepting alone assigns nothing
    pending = studio.run("plan", "--detailed-exitcode")
    assert pending.code == 2, pending.text
    assert pending.out.count("assigned to Jane.Doe@acme.example") == len(ACME_REVIEWED)
    apply(studio)

    state = studio.state()
    assert assigned_files(state, jane.user.id) == ACME_REVIEWED
    assert {file.id for file, _ in jane.my_assignments(ACME_FOLDER)} == ACME_REVIEWED
    assert assigned_files(state, CMO) == ACME_REVIEWED
    assert_no_duplicates(state)
    assert_converged(studio)


def test_one_task_per_selected_file_with_one_assignment_per_approver(studio: Studio) -> None:
    apply(studio)
    jane = sign_up(studio, "jane.doe@acme.example")
    art = sign_up(studio, "art@globex.example")
    apply(studio)

    state = studio.state()
    # include/exclude: the pdf and everything under _internal/ get no task; retouched/ does
    assert tasks_per_file(state) == Counter({f: 1 for f in ACME_REVIEWED | GLOBEX_REVIEWED})
    assert {t["file_id"] for t in state["tasks"]}.isdisjoint({CONTACT_SHEET, RAW_NOTES})
    approvers_per_file = {
        t["file_id"]: sorted(
            a["assigned_to_id"] for a in state["task_assignments"] if a["task_id"] == t["id"]
        )
        for t in our_tasks(state)
    }
    # the group collaborates but never approves
    acme_approvers = sorted([CMO, jane.user.id])
    globex_approvers = sorted([GLOBEX_PRODUCER, art.user.id])
    assert approvers_per_file == {
        **{f: acme_approvers for f in ACME_REVIEWED},
        **{f: globex_approvers for f in GLOBEX_REVIEWED},
    }
    assert set(assignments_per_approver(state).values()) == {1}
    assert_converged(studio)


def test_completion_rule_and_due_date_are_set_on_new_tasks_and_changed_in_place(
    studio: Studio,
) -> None:
    apply(studio)
    before = {t["file_id"]: t for t in our_tasks(studio.state())}
    rules = {f: t["completion_rule"] for f, t in before.items()}
    assert rules == {
        **{f: "all_assignees" for f in ACME_REVIEWED},  # as the acme manifest says
        **{f: "any_assignee" for f in GLOBEX_REVIEWED},  # as the globex manifest says
    }
    assert {round(days_until_due(before[f])) for f in ACME_REVIEWED} == {7}
    assert {before[f]["due_at"] for f in GLOBEX_REVIEWED} == {None}  # no due_in_days

    studio.edit(
        ACME,
        lambda doc: doc["approval"].update(completion_rule="any_assignee", due_in_days=10),
    )
    apply(studio)

    after = {t["file_id"]: t for t in our_tasks(studio.state())}
    assert {f: t["id"] for f, t in after.items()} == {f: t["id"] for f, t in before.items()}
    assert {t["completion_rule"] for t in after.values()} == {"any_assignee"}
    assert {round(days_until_due(after[f]), 2) for f in ACME_REVIEWED} == {10.0}
    assert_converged(studio)


def test_changed_message_updates_the_existing_tasks(studio: Studio) -> None:
    apply(studio)
    state = studio.state()
    ids_before, totals_before = {t["id"] for t in state["tasks"]}, counts(state)

    studio.edit(ACME, lambda doc: doc["approval"].update(message="Please approve the selects"))
    plan = studio.run("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert f"0 changes to add, {len(ACME_REVIEWED)} to change, 0 to remove" in plan.out
    apply(studio)

    state = studio.state()
    assert {t["id"] for t in state["tasks"]} == ids_before  # updated, never created again
    assert counts(state) == totals_before
    messages = {t["file_id"]: t["message"] for t in our_tasks(state)}
    assert {messages[f] for f in ACME_REVIEWED} == {"Please approve the selects"}
    assert {messages[f] for f in GLOBEX_REVIEWED} == {"Approve the content?"}
    assert_converged(studio)


def test_file_uploaded_later_gets_its_task_on_the_next_run(studio: Studio) -> None:
    apply(studio)
    detail_02 = upload(studio, "detail-02.jpg", RETOUCHED_FOLDER)
    day_2 = studio.client().folders.create_folder("day-2", CreateFolderParent(id=ACME_FOLDER))
    teaser = upload(studio, "teaser.mp4", day_2.id)  # in a folder that did not exist before
    upload(studio, "more-notes.jpg", INTERNAL_FOLDER)  # excluded by _internal/**
    upload(studio, "invoice.pdf", ACME_FOLDER)  # not selected by **/*.jpg, **/*.mp4
    plan = studio.run("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "retouched/detail-02.jpg" in plan.out and "day-2/teaser.mp4" in plan.out
    assert "more-notes.jpg" not in plan.out and "invoice.pdf" not in plan.out
    apply(studio)

    state = studio.state()
    new_files = {detail_02, teaser}
    assert tasks_per_file(state) == Counter(
        {f: 1 for f in ACME_REVIEWED | GLOBEX_REVIEWED | new_files}
    )
    assert assigned_files(state, CMO) == ACME_REVIEWED | new_files
    assert_converged(studio)


def test_review_task_someone_else_created_is_not_taken_for_ours(studio: Studio) -> None:
    apply(studio)
    detail_02 = upload(studio, "detail-02.jpg", RETOUCHED_FOLDER)
    # the CMO (an editor) asks a colleague for a review, with the very same message
    studio.client("cmo-token").tasks.create_task(
        CreateTaskItem(type=CreateTaskItemTypeField.FILE, id=detail_02),
        action=CreateTaskAction.REVIEW,
        message="Approve the content?",
    )
    apply(studio)

    state = studio.state()
    on_file = sorted(t["created_by_id"] for t in state["tasks"] if t["file_id"] == detail_02)
    assert on_file == sorted([CMO, SERVICE_ACCOUNT])  # theirs is left alone; ours is made
    assert assigned_files(state, CMO) == ACME_REVIEWED | {detail_02}
    ours = {t["id"] for t in our_tasks(state)}
    assert {a["task_id"] for a in state["task_assignments"]} <= ours
    assert_converged(studio)


def test_resolved_assignments_survive_the_clients_removal_even_under_prune(
    studio: Studio,
) -> None:
    apply(studio)
    cmo = Person(studio.box.base_url, "cmo-token")
    decide(cmo, {HERO: "approved", PACKSHOT_1: "rejected"})

    def drop_cmo(doc: dict[str, Any]) -> None:
        doc["clients"] = [c for c in doc["clients"] if c.get("email") != "cmo@acme.example"]

    studio.edit(ACME, drop_cmo)
    apply(studio)  # additive: the CMO is unmanaged now, and left alone

    kept = assignment_states(studio.state(), CMO)
    assert kept == {
        HERO: "approved",
        PACKSHOT_1: "rejected",
        **{f: "incomplete" for f in ACME_REVIEWED - {HERO, PACKSHOT_1}},
    }
    assert_converged(studio)

    studio.edit(ACME, lambda doc: doc.update(prune=True))
    apply(studio)

    state = studio.state()
    # history stays; open work of someone no manifest lists is withdrawn
    assert assignment_states(state, CMO) == {HERO: "approved", PACKSHOT_1: "rejected"}
    assert tasks_per_file(state) == Counter({f: 1 for f in ACME_REVIEWED | GLOBEX_REVIEWED})
    assert CMO not in {c["accessible_by_id"] for c in studio.collaborations(ACME_FOLDER)}
    assert_converged(studio)


def test_applying_again_changes_nothing(studio: Studio) -> None:
    apply(studio)
    sign_up(studio, "jane.doe@acme.example")
    apply(studio)
    totals = counts(studio.state())
    studio.control("DELETE", "requests")

    again = apply(studio)

    assert "Plan: 0 changes to add, 0 to change, 0 to remove" in again.out
    assert counts(studio.state()) == totals
    assert [r for r in studio.requests() if r["method"] != "GET"] == []
    assert_converged(studio)
    assert counts(studio.state()) == totals


def test_status_csv_counts_approvals_and_rejections(studio: Studio) -> None:
    apply(studio)
    jane = sign_up(studio, "jane.doe@acme.example")
    apply(studio)
    decide(
        jane, {HERO: "approved", PACKSHOT_1: "approved", DETAIL_01: "approved", SPOT: "rejected"}
    )

    done = studio.run("status", "--format", "csv")

    assert done.code == 0, done.text
    rows = {
        (r["delivery"], r["client"].casefold()): r for r in csv.DictReader(io.StringIO(done.out))
    }
    jane_row = rows[("acme-spring-2026", "jane.doe@acme.example")]
    assert (jane_row["invitation"], jane_row["approver"]) == ("accepted", "true")
    assert (jane_row["approved"], jane_row["rejected"], jane_row["to_review"]) == ("3", "1", "1")
    assert jane_row["not_assigned"] == "0"
    resolved = [
        box_time(a["completed_at"])
        for a in studio.state()["task_assignments"]
        if a["assigned_to_id"] == jane.user.id and a["completed_at"]
    ]
    latest = max(t for t in resolved if t is not None)
    assert jane_row["last_resolved_at"] == latest.astimezone(timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    cmo_row = rows[("acme-spring-2026", "cmo@acme.example")]
    assert (cmo_row["approved"], cmo_row["rejected"], cmo_row["to_review"]) == ("0", "0", "5")
    assert rows[("acme-spring-2026", "11446498")]["approver"] == "false"
    assert_converged(studio)  # approvals and rejections are history, not drift


@pytest.mark.parametrize(
    ("folder", "reviewed", "file_id", "early_token", "late_login"),
    [
        # all_assignees: the CMO, the only assignee so far, approves
        (ACME_FOLDER, ACME_REVIEWED, HERO, "cmo-token", "jane.doe@acme.example"),
        # any_assignee: the producer's approval completes the task
        (GLOBEX_FOLDER, GLOBEX_REVIEWED, LOOK_01, "globex-producer-token", "art@globex.example"),
    ],
    ids=["all_assignees", "any_assignee"],
)
def test_approver_who_accepts_after_a_task_completed_is_assigned_the_open_ones(
    studio: Studio,
    folder: str,
    reviewed: frozenset[str],
    file_id: str,
    early_token: str,
    late_login: str,
) -> None:
    """Box refuses new assignees on a completed task (403): the decided file is not planned for
    the late approver, and apply neither fails nor keeps planning it."""
    apply(studio)
    decide(Person(studio.box.base_url, early_token), {file_id: "approved"}, folder)
    late = sign_up(studio, late_login)

    apply(studio)

    state = studio.state()
    assert assigned_files(state, late.user.id) == reviewed - {file_id}
    assert_no_duplicates(state)
    assert_converged(studio)
