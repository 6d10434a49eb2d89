"""``apply`` under injected faults: it converges within three runs, never duplicates a
collaboration, task or assignment, and never removes anything its plan did not contain."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from box_sdk_gen import CreateHubCollaborationV2025R0AccessibleBy, CreateHubCollaborationV2025R0Hub

from reconciler.applying.report import Outcome
from reconciler.box.connect import BoxSettings
from reconciler.plan import Plan
from reconciler.session import workflow
from tests.integration.conftest import (
    ACME_FOLDER,
    ACME_HUB,
    CMO,
    GLOBEX_FOLDER,
    INITECH_FILE,
    Result,
    Studio,
    duplicates,
)
from tests.integration.test_plan_apply import INITECH, invite_behind_our_back

#: 10% 5xx and 10% 429 on every request
MIXED_ERRORS = {"500": 0.1, "429": 0.1}


def apply_until_done(studio: Studio, *args: str, runs: int = 3) -> list[Result]:
    results: list[Result] = []
    for _ in range(runs):
        results.append(studio.apply(*args))
        if results[-1].code == 0:
            break
    return results


def deleted_ids(requests: list[dict[str, Any]]) -> set[str]:
    """Collaborations that a DELETE request removed (whatever Box answered)."""
    return {
        r["path"].rstrip("/").rsplit("/", 1)[-1]
        for r in requests
        if r["method"] == "DELETE" and "collaborations/" in r["path"]
    }


@pytest.mark.parametrize("seed", [7, 1234, 99991])
def test_apply_converges_under_faults_without_duplicates(studio: Studio, seed: int) -> None:
    # Two strays: one on an item that prunes (planned removal), one that must be left alone.
    pruned = invite_behind_our_back(studio, INITECH_FILE, "old@initech.example")
    kept = invite_behind_our_back(studio, ACME_FOLDER, "friend@acme.example", file=False)
    studio.edit(INITECH, lambda doc: doc.update(prune=True))
    planned = json.loads(studio.cli("plan", "--format", "json").out)
    removals = {
        c["box_ids"]["collaboration_id"] for c in planned["changes"] if c["action"] == "remove"
    }
    assert removals == {pruned}
    studio.control("DELETE", "requests")
    studio.faults(
        error_statuses=MIXED_ERRORS, fail_after_commit_rate=0.05, seed=seed, retry_after=0
    )

    runs = apply_until_done(studio, "--journal", "journal.jsonl")

    assert runs[-1].code == 0, "\n\n".join(r.text for r in runs)
    # A run may fail part way (5) or, rarely, when a read fails five times running (1).
    assert all(r.code in (0, 1, 5) for r in runs), [r.code for r in runs]
    log = studio.requests()
    injected = Counter(r["injected"] for r in log if r["injected"])
    # Faults did happen (a 5% fail-after-commit may miss a short run: the next test forces it).
    assert injected["error"] >= 5, injected
    assert {r["status"] for r in log if r["injected"] == "error"} == {500, 429}
    studio.no_faults()
    state = studio.state()
    assert duplicates(state) == []
    assert deleted_ids(log) == removals
    assert kept in {c["id"] for c in state["collaborations"]}
    assert Counter(t["file_id"] for t in state["tasks"]).most_common(1)[0][1] == 1
    per_approver = Counter((a["task_id"], a["assigned_to_id"]) for a in state["task_assignments"])
    assert set(per_approver.values()) == {1}
    journal = studio.path("journal.jsonl").read_text(encoding="utf-8")
    assert all(secret not in journal for secret in studio.secrets)
    assert {json.loads(line)["outcome"] for line in journal.splitlines()} <= {
        "applied",
        "failed",
        "skipped",
        "waiting",
    }
    studio.assert_converged()


def test_write_stored_but_answered_with_500_is_not_repeated(studio: Studio) -> None:
    """Every write is stored and then answered with a 500: apply reads Box, finds each write,
    and reports it applied; nothing is written twice."""
    studio.faults(fail_after_commit_rate=1.0, seed=1, retry_after=0)

    applied = studio.apply()

    assert applied.code == 0, applied.text
    studio.no_faults()
    assert duplicates(studio.state()) == []
    writes = [r for r in studio.requests() if r["method"] == "POST"]
    assert all(r["injected"] == "fail_after_commit" for r in writes)
    assert len(studio.collaborations(GLOBEX_FOLDER)) == 2
    studio.assert_converged()


def plan_in_process(studio: Studio) -> tuple[workflow.Desired, workflow.Connection, Any, Plan]:
    """Load, connect, read and plan through the library, so a test can act before apply."""
    desired = workflow.load([str(studio.path("deliveries"))], str(studio.path("reconcile.yaml")))
    settings = BoxSettings(base_url=studio.box.base_url, developer_token=studio.token)
    connection = workflow.connect(settings, desired.policy, retry_base_interval=0)
    live = workflow.read(desired, connection)
    return desired, connection, live, workflow.make_plan(desired, live)


def test_already_collaborator_means_the_collaboration_exists(studio: Studio) -> None:
    """Someone invites a client between plan and apply: Box answers 400
    user_already_collaborator, and apply takes the existing invitation instead of failing."""
    desired, connection, live, plan = plan_in_process(studio)
    theirs = invite_behind_our_back(studio, INITECH_FILE, "buyer@initech.example")

    report = workflow.apply(plan, desired, connection, live)

    invite = [r for r in report.results if r.change.item.id == INITECH_FILE]
    assert [(r.outcome, r.outputs["collaboration_id"]) for r in invite] == [
        (Outcome.APPLIED, theirs)
    ]
    assert report.failed == []
    assert [c["id"] for c in studio.collaborations(INITECH_FILE)] == [theirs]
    assert duplicates(studio.state()) == []
    studio.assert_converged()


def test_hub_member_added_between_plan_and_apply_is_taken_as_is(studio: Studio) -> None:
    desired, connection, live, plan = plan_in_process(studio)
    studio.client().hub_collaborations.create_hub_collaboration_v2025_r0(
        CreateHubCollaborationV2025R0Hub(id=ACME_HUB),
        CreateHubCollaborationV2025R0AccessibleBy(type="user", id=CMO),
        "viewer",  # the manifest says editor
    )

    report = workflow.apply(plan, desired, connection, live)

    assert report.failed == []
    members = [m for m in studio.hub_members() if m["accessible_by_id"] == CMO]
    assert [m["role"] for m in members] == ["editor"]
    assert duplicates(studio.state()) == []
    studio.assert_converged()


def test_plan_reads_through_faults_and_plans_the_same(studio: Studio) -> None:
    calm = json.loads(studio.cli("plan", "--format", "json").out)
    studio.faults(error_statuses={"500": 0.05, "429": 0.05}, seed=5, retry_after=0)

    stormy = studio.cli("plan", "--format", "json")

    assert stormy.code == 0, stormy.err
    assert json.loads(stormy.out)["checksum"] == calm["checksum"]
    assert any(r["injected"] == "error" for r in studio.requests())
