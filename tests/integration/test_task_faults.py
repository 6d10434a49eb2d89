"""Approval tasks under injected faults: ``apply`` converges within three runs and never creates a
second review task on a file or a second assignment for an approver, although Box stores some
writes and still answers them with a 500."""

from __future__ import annotations

from collections import Counter

import pytest

from reconciler.applying.executors import WRITE_ATTEMPTS, write_verified
from reconciler.errors import BoxUnavailable
from tests.integration.conftest import Result, Studio, duplicates
from tests.integration.test_tasks import (
    ACME,
    ACME_REVIEWED,
    GLOBEX_REVIEWED,
    assert_converged,
    assignments_per_approver,
    our_tasks,
    tasks_per_file,
)

RUNS = 3
TASK_WRITES = ("/2.0/tasks", "/2.0/task_assignments")


def apply_until_done(studio: Studio) -> list[Result]:
    """What an operator (or the nightly job) does: run apply again until it exits 0."""
    runs: list[Result] = []
    for _ in range(RUNS):
        runs.append(studio.run("apply", "--yes"))
        if runs[-1].code == 0:
            break
    assert runs[-1].code == 0, "\n\n".join(r.text for r in runs)
    return runs


def assert_one_task_per_file_and_one_assignment_per_approver(studio: Studio) -> None:
    state = studio.state()
    assert tasks_per_file(state) == Counter({f: 1 for f in ACME_REVIEWED | GLOBEX_REVIEWED})
    assert len(state["tasks"]) == len(our_tasks(state))
    per_approver = assignments_per_approver(state)
    assert [k for k, n in per_approver.items() if n > 1] == []
    # acme: the CMO and Jane; globex: its producer and art, once they signed up
    assert len(per_approver) == 2 * len(ACME_REVIEWED) + 2 * len(GLOBEX_REVIEWED)
    assert duplicates(state) == []


@pytest.mark.parametrize("seed", [3, 42, 2026])
def test_apply_under_faults_never_duplicates_tasks_or_assignments(
    studio: Studio, seed: int
) -> None:
    studio.faults(
        error_rate=0.1, error_status=500, fail_after_commit_rate=0.1, seed=seed, retry_after=0
    )
    apply_until_done(studio)  # invitations, tasks, the CMO's and the producer's assignments
    studio.sign_up("jane.doe@acme.example")
    studio.sign_up("art@globex.example")
    studio.edit(ACME, lambda doc: doc["approval"].update(message="Please approve the selects"))
    apply_until_done(studio)  # their assignments, and every acme task updated

    injected = Counter(r["injected"] for r in studio.requests() if r["injected"])
    assert injected["error"] and injected["fail_after_commit"], injected  # the faults did happen
    studio.no_faults()
    assert_one_task_per_file_and_one_assignment_per_approver(studio)
    acme_messages = {
        t["message"] for t in our_tasks(studio.state()) if t["file_id"] in ACME_REVIEWED
    }
    assert acme_messages == {"Please approve the selects"}
    assert_converged(studio)


def test_task_writes_stored_but_answered_with_500_are_not_repeated(studio: Studio) -> None:
    """Every write is stored and then answered with a 500: apply reads Box again, finds each
    task and assignment it wrote, and writes none of them twice."""
    studio.sign_up("jane.doe@acme.example")
    studio.sign_up("art@globex.example")
    studio.faults(fail_after_commit_rate=1.0, seed=1, retry_after=0)

    apply_until_done(studio)

    task_posts = [
        r for r in studio.requests() if r["method"] == "POST" and r["path"] in TASK_WRITES
    ]
    studio.no_faults()
    assert task_posts and {r["injected"] for r in task_posts} == {"fail_after_commit"}
    # one POST per task and per assignment: none was sent again after its 500
    assert len(task_posts) == len(ACME_REVIEWED | GLOBEX_REVIEWED) * 3
    assert_one_task_per_file_and_one_assignment_per_approver(studio)
    assert_converged(studio)


class FlakyBox:
    """A write that Box answers with a 500 every time, storing it only on the attempt
    ``stored_on`` (1-based; 0: never): e.g. a 5xx, a 5xx, then a stored-but-500 write."""

    def __init__(self, stored_on: int) -> None:
        self.stored_on = stored_on
        self.attempts = 0
        self.stored: list[str] = []

    def write(self) -> str:
        self.attempts += 1
        if self.attempts == self.stored_on:
            self.stored.append(f"task-{self.attempts}")
        raise BoxUnavailable("Internal Server Error", status=500, code="internal_server_error")

    def find(self) -> str | None:
        return self.stored[0] if self.stored else None


@pytest.mark.parametrize("stored_on", range(1, WRITE_ATTEMPTS))
def test_write_stored_on_an_early_attempt_is_found_again(stored_on: int) -> None:
    box = FlakyBox(stored_on)

    assert write_verified(box.write, box.find) == f"task-{stored_on}"
    assert box.attempts == stored_on  # looked before writing again: never stored twice


def test_write_stored_on_the_last_attempt_is_not_reported_failed() -> None:
    box = FlakyBox(stored_on=WRITE_ATTEMPTS)

    assert write_verified(box.write, box.find) == f"task-{WRITE_ATTEMPTS}"
    assert box.stored == [f"task-{WRITE_ATTEMPTS}"]


def test_write_never_stored_fails_after_the_last_attempt() -> None:
    box = FlakyBox(stored_on=0)

    with pytest.raises(BoxUnavailable):
        write_verified(box.write, box.find)
    assert (box.attempts, box.stored) == (WRITE_ATTEMPTS, [])
