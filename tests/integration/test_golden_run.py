"""One run of the sample studio against a sandbox whose clock stands still: the plan, the apply
report and the status, in every format each has, against golden files, and their counts agree;
then plan → apply → watch → status on one studio, every count in its unit and the numbers equal.

Regenerate the golden files after an intended change with
``UPDATE_GOLDEN=1 pytest tests/integration/test_golden_run.py``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from box_sdk_gen import UpdateTaskAssignmentByIdResolutionState

from reconciler.sandbox.seed import build_state
from reconciler.sandbox.server import Sandbox
from tests.conftest import CONTROL_TOKEN, sdk_client
from tests.integration.conftest import MANIFESTS, Result, Studio, sample_seed
from tests.integration.watching import Watch, configure

GOLDEN = Path(__file__).resolve().parents[1] / "unit" / "golden" / "run"
TOKEN = "tok-golden-run-service-account"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def fresh_studio(root: Path) -> tuple[Sandbox, Studio]:
    seed = sample_seed(TOKEN)
    box = Sandbox(build_state(seed, clock=lambda: NOW), reset_to=seed, admin_token=CONTROL_TOKEN)
    box.start()
    workdir = root / "repo"
    shutil.copytree(MANIFESTS / "studio", workdir)
    studio = Studio(box, workdir, TOKEN, seed)
    # One request at a time, so Box hands out its ids in the same order every run.
    studio.edit("reconcile.yaml", lambda doc: doc.update(concurrency=1))
    # The planner dates a review's due date from this machine's clock, not Box's.
    studio.edit("deliveries/acme/spring-2026.yaml", lambda doc: doc["approval"].pop("due_in_days"))
    return box, studio


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Result]]:
    box, studio = fresh_studio(tmp_path_factory.mktemp("golden"))
    # the same run again, in a second sandbox, for the apply report in text
    twin, text_studio = fresh_studio(tmp_path_factory.mktemp("golden-text"))
    try:
        done = {
            "plan.txt": studio.cli("plan"),
            "plan.json": studio.cli("plan", "--format", "json"),
            "plan.md": studio.cli("plan", "--format", "markdown"),
            "apply.json": studio.cli("apply", "--yes", "--format", "json"),
            "apply.txt": text_studio.cli("apply", "--yes"),
        }
        decide(box, studio)
        done["status.txt"] = studio.cli("status", "--files")
        done["status.json"] = studio.cli("status", "--format", "json", "--files")
        done["status.csv"] = studio.cli("status", "--format", "csv", "--files")
        yield done
    finally:
        box.stop()
        twin.stop()


def decide(box: Sandbox, studio: Studio) -> None:
    """The CMO approves the first file assigned to them and rejects the second, with a word."""
    doc = json.loads(studio.cli("status", "--format", "json", "--files").out)
    cmo = next(
        c for d in doc["deliveries"] for c in d["clients"] if c["client"] == "cmo@acme.example"
    )
    open_ = [f["assignment_id"] for f in cmo["files"] if f["state"] == "to_review"]
    as_cmo = sdk_client(box.base_url, "cmo-token")
    for assignment, state, words in (
        (open_[0], UpdateTaskAssignmentByIdResolutionState.APPROVED, "Lovely"),
        (open_[1], UpdateTaskAssignmentByIdResolutionState.REJECTED, "Make the logo larger"),
    ):
        as_cmo.task_assignments.update_task_assignment_by_id(
            assignment, resolution_state=state, message=words
        )


def check_golden(name: str, result: Result) -> None:
    assert result.code == 0, result.text
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(result.out, encoding="utf-8")
    assert result.out == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "name",
    [
        "plan.txt",
        "plan.json",
        "plan.md",
        "apply.txt",
        "apply.json",
        "status.txt",
        "status.json",
        "status.csv",
    ],
)
def test_each_output_of_the_run_matches_its_golden_file(
    outputs: dict[str, Result], name: str
) -> None:
    check_golden(name, outputs[name])


def test_the_plan_and_the_apply_report_count_the_same_run(outputs: dict[str, Result]) -> None:
    plan = json.loads(outputs["plan.json"].out)
    report = json.loads(outputs["apply.json"].out)
    planned = len(plan["changes"])
    assert planned == plan["summary"]["to_add"] == len(report["report"]["results"])
    done = report["report"]["summary"]
    assert done["applied"] + done["waiting"] == planned and done["failed"] == 0
    last = [line for line in outputs["plan.txt"].out.splitlines() if line.startswith("Plan: ")]
    assert last == [
        f"Plan: {planned} changes to add, 0 to change, 0 to remove, 0 waiting for acceptance."
    ]
    headline = (
        f"Apply complete: {done['applied']} changes added, 0 changed, 0 removed, "
        f"{done['waiting']} waiting for acceptance, 0 failed, 0 skipped."
    )
    assert headline in outputs["apply.txt"].out


def test_status_counts_agree_in_every_format(outputs: dict[str, Result]) -> None:
    doc = json.loads(outputs["status.json"].out)
    counts = {
        (d["name"], c["client"]): c["counts"]
        for d in doc["deliveries"]
        for c in d["clients"]
        if c["counts"]
    }
    rows = outputs["status.csv"].out.splitlines()[1:]
    for (delivery, client), numbers in counts.items():
        mine = [r for r in rows if r.startswith(f"{delivery},{client},")]
        assert len(mine) == sum(v for k, v in numbers.items() if k != "last_resolved_at")
    text = outputs["status.txt"].out
    assert "1 rejected file needs the team's attention:" in text
    assert "Make the logo larger" in text and "Make the logo larger" in outputs["status.csv"].out


def test_plan_apply_watch_and_status_count_the_same_changes(tmp_path: Path) -> None:
    """Each step counts changes (status: files, one review task assignment each), and what one
    step leaves waiting for acceptance is what the next one reports."""
    box, studio = fresh_studio(tmp_path)
    try:
        configure(studio)
        plan = json.loads(studio.cli("plan", "--format", "json").out)["summary"]
        applied = json.loads(studio.cli("apply", "--yes", "--format", "json").out)["report"]
        done = applied["summary"]
        assert plan["to_add"] == done["applied"] + done["waiting"] and done["failed"] == 0

        # Nothing changed: the next plan waits on exactly what apply left waiting.
        again = studio.cli("plan")
        waiting = json.loads(studio.cli("plan", "--format", "json").out)["summary"]["waiting"]
        assert waiting == done["waiting"] > 0
        assert f"{waiting} waiting for acceptance." in again.out
        assert f"Nothing to do now: Box matches the manifests; {waiting} changes wait" in again.out
        idle = json.loads(studio.cli("apply", "--yes", "--format", "json").out)["report"]
        assert idle["summary"]["waiting"] == waiting and idle["summary"]["applied"] == 0

        # Jane accepts: her hub membership and review tasks are now changes to make.
        studio.sign_up("jane.doe@acme.example")
        ready = json.loads(studio.cli("plan", "--format", "json").out)["summary"]
        assert ready["to_add"] + ready["waiting"] == waiting

        watch = Watch(studio)
        try:
            line = (
                f"changes: {ready['to_add']} applied, 0 failed, "
                f"{ready['waiting']} waiting for acceptance"
            )
            watch.wait_for_log(line)
        finally:
            assert watch.stop() == 0

        # Status counts files; each waiting file is one waiting review task assignment.
        status = json.loads(studio.cli("status", "--format", "json").out)
        counts = [c["counts"] for d in status["deliveries"] for c in d["clients"] if c["counts"]]
        assert sum(c["waiting_for_acceptance"] for c in counts) == ready["waiting"]
        assert sum(c["to_review"] for c in counts) == 5 + 5 + 3  # cmo, jane, producer
        table = studio.cli("status").out
        assert "FILES APPROVED  REJECTED  TO REVIEW  WAITING FOR ACCEPTANCE" in table
        after = studio.cli("plan")
        assert (
            f"Nothing to do now: Box matches the manifests; {ready['waiting']} changes" in after.out
        )
    finally:
        box.stop()
