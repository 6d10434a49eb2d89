"""``reconcile status`` through the real command against the sample studio, set up with the SDK.

The state is built as people would build it in Box: the studio's account invites and assigns
review tasks; the CMO, acting with their own token, approves one file and rejects another.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from box_sdk_gen import (
    BoxClient,
    CreateCollaborationAccessibleBy,
    CreateCollaborationAccessibleByTypeField,
    CreateCollaborationItem,
    CreateCollaborationItemTypeField,
    CreateCollaborationRole,
    CreateTaskAction,
    CreateTaskAssignmentAssignTo,
    CreateTaskAssignmentTask,
    CreateTaskAssignmentTaskTypeField,
    CreateTaskItem,
    CreateTaskItemTypeField,
    UpdateTaskAssignmentByIdResolutionState,
)

from reconciler.sandbox.server import Sandbox
from tests.conftest import sdk_client, start_sandbox

REPO = Path(__file__).resolve().parents[2]
SAMPLE_STUDIO = REPO / "reconciler" / "sandbox" / "sample_studio.yaml"

ACME_FOLDER = "213534631621"
CMO_ID = "20001"
HERO, PACKSHOT_1, PACKSHOT_2 = "1400000101", "1400000102", "1400000103"
RAW_NOTES = "1400000121"  # under _internal/: excluded by the acme approval rule


@dataclass(frozen=True)
class Studio:
    box: Sandbox
    workdir: Path


def invite(
    admin: BoxClient, *, login: str | None = None, group: str | None = None, role: str
) -> None:
    who = (
        CreateCollaborationAccessibleBy(
            type=CreateCollaborationAccessibleByTypeField.GROUP, id=group
        )
        if group
        else CreateCollaborationAccessibleBy(
            type=CreateCollaborationAccessibleByTypeField.USER, login=login
        )
    )
    admin.user_collaborations.create_collaboration(
        CreateCollaborationItem(type=CreateCollaborationItemTypeField.FOLDER, id=ACME_FOLDER),
        who,
        CreateCollaborationRole(role),
        notify=False,
    )


def assign_review(admin: BoxClient, file_id: str, user_id: str) -> str:
    task = admin.tasks.create_task(
        CreateTaskItem(type=CreateTaskItemTypeField.FILE, id=file_id),
        action=CreateTaskAction.REVIEW,
        message="Approve the content?",
    )
    assert task.id is not None
    assignment = admin.task_assignments.create_task_assignment(
        CreateTaskAssignmentTask(type=CreateTaskAssignmentTaskTypeField.TASK, id=task.id),
        CreateTaskAssignmentAssignTo(id=user_id),
    )
    assert assignment.id is not None
    return assignment.id


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    box = start_sandbox(yaml.safe_load(SAMPLE_STUDIO.read_text(encoding="utf-8")))
    try:
        admin = sdk_client(box.base_url)
        invite(admin, login="Jane.Doe@acme.example", role="viewer")  # no Box account: pending
        invite(admin, login="cmo@acme.example", role="editor")  # has an account: accepted
        invite(admin, group="11446498", role="previewer")
        approved, rejected = (
            assign_review(admin, HERO, CMO_ID),
            assign_review(admin, PACKSHOT_1, CMO_ID),
        )
        assign_review(admin, PACKSHOT_2, CMO_ID)
        assign_review(admin, RAW_NOTES, CMO_ID)  # resolved below, yet outside the rule
        cmo = sdk_client(box.base_url, "cmo-token")
        for assignment_id, state in (
            (approved, UpdateTaskAssignmentByIdResolutionState.APPROVED),
            (rejected, UpdateTaskAssignmentByIdResolutionState.REJECTED),
        ):
            cmo.task_assignments.update_task_assignment_by_id(
                assignment_id, resolution_state=state, message=f"{state.value} by the CMO"
            )

        workdir = tmp_path_factory.mktemp("repo")
        shutil.copytree(REPO / "deliveries", workdir / "deliveries")
        config = yaml.safe_load((REPO / "reconcile.yaml").read_text(encoding="utf-8"))
        config["max_requests_per_second"] = 500  # the sandbox has no Box rate limit to respect
        (workdir / "reconcile.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        yield Studio(box, workdir)
    finally:
        box.stop()
    failures = getattr(box.response_observer, "failures", None)
    if failures:
        pytest.fail(
            "Responses that do not match Box's OpenAPI description:\n" + "\n".join(failures)
        )


def status(studio: Studio, *args: str, token: str = "sandbox") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "BOX_BASE_URL": studio.box.base_url,
        "BOX_DEVELOPER_TOKEN": token,
        "NO_COLOR": "1",
    }
    for name in (
        "BOX_CLIENT_ID",
        "BOX_CLIENT_SECRET",
        "BOX_ENTERPRISE_ID",
        "BOX_JWT_CONFIG",
        "BOX_AS_USER",
    ):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "reconciler", "status", *args],
        cwd=studio.workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_billing_csv_has_one_row_per_client_with_approvals_and_rejections(studio: Studio) -> None:
    done = status(studio, "--format", "csv")
    assert done.returncode == 0, done.stderr
    reader = csv.DictReader(io.StringIO(done.stdout))
    assert reader.fieldnames is not None and {
        "delivery",
        "client",
        "invitation",
        "approved",
    } <= set(reader.fieldnames)
    rows = {(r["delivery"], r["client"]): r for r in reader}
    cmo = rows[("acme-spring-2026", "cmo@acme.example")]
    assert {
        k: cmo[k]
        for k in (
            "kind",
            "invitation",
            "approved",
            "rejected",
            "to_review",
            "waiting_for_acceptance",
            "not_assigned",
        )
    } == {
        "kind": "email",
        "invitation": "accepted",
        "approved": "1",
        "rejected": "1",
        "to_review": "1",
        "waiting_for_acceptance": "0",
        "not_assigned": "2",  # spot-30s.mp4 and retouched/detail-01.jpg
    }
    assert cmo["last_resolved_at"].endswith("Z")
    jane = rows[("acme-spring-2026", "Jane.Doe@acme.example")]
    assert (jane["invitation"], jane["approved"], jane["waiting_for_acceptance"]) == (
        "pending",
        "0",
        "5",
    )
    group = rows[("acme-spring-2026", "11446498")]
    assert (group["kind"], group["invitation"], group["approver"], group["approved"]) == (
        "group",
        "accepted",
        "false",
        "",
    )
    assert rows[("globex-lookbook", "art@globex.example")]["invitation"] == "not_invited"
    assert (
        rows[("initech-stills", "buyer@initech.example")]["approver"] == "false"
    )  # no approval rule


def test_file_csv_names_the_rejected_file(studio: Studio) -> None:
    done = status(studio, "--format", "csv", "--files")
    assert done.returncode == 0, done.stderr
    rows = [
        r for r in csv.DictReader(io.StringIO(done.stdout)) if r["client"] == "cmo@acme.example"
    ]
    states = {r["path"]: r["state"] for r in rows}
    assert states == {
        "hero.jpg": "approved",
        "packshot-01.jpg": "rejected",
        "packshot-02.jpg": "to_review",
        "spot-30s.mp4": "not_assigned",
        "retouched/detail-01.jpg": "not_assigned",
    }
    rejected = next(r for r in rows if r["state"] == "rejected")
    assert (rejected["file_id"], rejected["resolved_at"] != "") == (PACKSHOT_1, True)


def test_json_document_carries_counts_per_delivery_and_client(studio: Studio) -> None:
    done = status(studio, "--format", "json", "--files")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["format_version"] == 1
    acme = next(d for d in doc["deliveries"] if d["name"] == "acme-spring-2026")
    clients = {c["client"]: c for c in acme["clients"]}
    assert clients["cmo@acme.example"]["counts"]["rejected"] == 1
    assert {i["item"]: i["invitation"] for i in clients["cmo@acme.example"]["items"]} == {
        f"folder:{ACME_FOLDER}": "accepted",
        "hub:42037322": "not_invited",
    }
    assert clients["Jane.Doe@acme.example"]["invitation"] == "pending"
    assert clients["11446498"]["counts"] is None


def test_table_for_people_shows_each_delivery_and_the_rejection(studio: Studio) -> None:
    done = status(studio)
    assert done.returncode == 0, done.stderr
    assert "\033[" not in done.stdout
    lines = done.stdout.splitlines()
    assert lines[0].startswith("acme-spring-2026  (")
    cmo = next(line.split() for line in lines if line.lstrip().startswith("cmo@acme.example"))
    # between the invitation and the counts: when invited and when accepted (UTC)
    assert cmo[:3] == ["cmo@acme.example", "email", "accepted"]
    assert cmo[3].endswith("Z") and cmo[4].endswith("Z")
    assert cmo[5:10] == ["1", "1", "1", "0", "2"]
    assert any(line.lstrip().startswith("11446498 (Studio Producers)") for line in lines)
    assert lines[-2:] == [
        "1 rejected file needs the team's attention:",
        "  packshot-01.jpg  (acme-spring-2026, rejected by cmo@acme.example)",
    ]


def test_a_box_error_exits_1_without_printing_the_token(studio: Studio) -> None:
    done = status(studio, "--format", "csv", token="not-a-valid-token-4711")
    assert (done.returncode, done.stdout) == (1, "")
    assert "not-a-valid-token-4711" not in done.stderr


def test_an_invalid_manifest_exits_3_before_reaching_box(studio: Studio, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nname: Not Valid\nclients: []\n", encoding="utf-8")
    done = status(studio, str(broken))
    assert (done.returncode, done.stdout) == (3, "")


def test_the_decision_csv_carries_what_billing_needs(studio: Studio) -> None:
    done = status(studio, "--format", "csv", "--files")
    assert done.returncode == 0, done.stderr
    rows = {
        r["path"]: r
        for r in csv.DictReader(io.StringIO(done.stdout))
        if r["client"] == "cmo@acme.example"
    }
    rejected, open_ = rows["packshot-01.jpg"], rows["packshot-02.jpg"]
    assert (rejected["decided"], rejected["result"], rejected["message"]) == (
        "true",
        "rejected",
        "rejected by the CMO",
    )
    assert (rejected["completion_rule"], rejected["overdue"]) == ("all_assignees", "false")
    assert rejected["invited_at"] and rejected["accepted_at"]
    assert (open_["decided"], open_["state"], open_["result"]) == (
        "false",
        "to_review",
        "to_review",
    )


def test_since_shows_only_the_decisions_made_from_that_date(studio: Studio) -> None:
    everything = status(studio, "--format", "csv", "--files", "--since", "2000-01-01")
    nothing = status(studio, "--format", "csv", "--files", "--since", "2999-01-01T00:00:00Z")
    assert everything.returncode == nothing.returncode == 0, everything.stderr + nothing.stderr
    decided = {
        (r["client"], r["path"], r["state"]) for r in csv.DictReader(io.StringIO(everything.stdout))
    }
    assert {("cmo@acme.example", "hero.jpg", "approved")} <= decided
    assert {("cmo@acme.example", "packshot-01.jpg", "rejected")} <= decided
    assert all(state in ("approved", "rejected") for _, _, state in decided)
    assert list(csv.DictReader(io.StringIO(nothing.stdout))) == []


def test_since_with_a_date_it_cannot_read_exits_3(studio: Studio) -> None:
    done = status(studio, "--since", "last month")
    assert (done.returncode, done.stdout) == (3, "")
    assert "--since 'last month' is not a date" in done.stderr and "YYYY-MM-DD" in done.stderr
    assert "Traceback" not in done.stderr
