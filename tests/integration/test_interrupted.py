"""Nothing is half-applied without a report: an apply stopped with Ctrl-C, or one that meets a bug,
still says exactly which changes were made and which were not."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter

from reconciler.applying.report import Outcome
from reconciler.applying.run import apply_plan
from reconciler.box.connect import BoxSettings, make_client
from reconciler.box.reader import BoxReader
from reconciler.box.writer import BoxWriter
from reconciler.model import ItemKind, ItemRef, Principal
from reconciler.plan import Action, Change, Kind, Plan
from tests.integration.conftest import ACME_FOLDER, Studio, duplicates


def test_ctrl_c_reports_what_was_done_and_what_was_not(studio: Studio) -> None:
    studio.faults(latency_ms=150)  # slow enough to be stopped half way
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--yes", "--journal", "journal.jsonl"],
        cwd=studio.workdir,
        env={**studio.env, "BOX_RETRY_BASE_INTERVAL": "0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    journal = studio.path("journal.jsonl")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (journal.exists() and journal.read_text()):
        time.sleep(0.05)  # wait until the first change is made
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    studio.no_faults()

    assert process.returncode == 130, out + err
    assert "Apply interrupted:" in out
    assert "not started" in out
    assert "apply was interrupted" in err
    assert "Traceback" not in out + err
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    outcomes = Counter(line["outcome"] for line in lines)
    assert outcomes["applied"] >= 1 and outcomes["not_started"] >= 1, outcomes
    assert len({line["change"] for line in lines}) == len(lines)  # each change reported once
    # Box holds exactly the invitations the report says were made
    made = {
        line["principal"].casefold()
        for line in lines
        if line["kind"] == "collaboration" and line["outcome"] == "applied"
    }
    state = studio.state()
    invited = {
        f"group:{c['accessible_by_id']}"
        if c["accessible_by_type"] == "group"
        else (c["invite_email"] or login_of(state, c["accessible_by_id"]) or "").casefold()
        for c in state["collaborations"]
    }
    assert invited == made

    again = studio.apply()  # carrying on converges, and duplicates nothing
    assert again.code == 0, again.text
    assert duplicates(studio.state()) == []
    studio.assert_converged()


def test_a_second_ctrl_c_while_changes_finish_still_reports_and_exits_130(studio: Studio) -> None:
    studio.faults(latency_ms=300)  # the changes under way take a while to finish
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--yes", "--journal", "journal.jsonl"],
        cwd=studio.workdir,
        env=studio.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    journal = studio.path("journal.jsonl")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (journal.exists() and journal.read_text()):
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    time.sleep(0.05)  # well inside the wait for the changes under way
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    studio.no_faults()

    assert process.returncode == 130, out + err
    assert "Apply interrupted:" in out
    assert "Traceback" not in out + err
    outcomes = Counter(json.loads(line)["outcome"] for line in journal.read_text().splitlines())
    assert outcomes["not_started"] >= 1, outcomes


def test_ctrl_c_while_reading_box_says_interrupted(studio: Studio) -> None:
    studio.faults(latency_ms=500)  # every read takes half a second
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "plan"],
        cwd=studio.workdir,
        env=studio.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    first = process.stderr.readline()  # printed as the read phase starts
    assert "Reading Box" in first, first
    process.send_signal(signal.SIGINT)
    out, rest = process.communicate(timeout=60)
    studio.no_faults()

    assert process.returncode == 130, out + rest
    assert "Interrupted." in rest
    assert "Traceback" not in rest
    assert out == ""


def login_of(state: dict[str, object], user_id: str | None) -> str | None:
    users = state["users"]
    assert isinstance(users, list)
    return next((u["login"] for u in users if u["id"] == user_id), None)


def test_a_bug_in_one_change_does_not_cost_the_report_of_the_others(studio: Studio) -> None:
    folder = ItemRef(ItemKind.FOLDER, ACME_FOLDER)
    jane = Principal.email("Jane.Doe@acme.example")
    broken = Change(  # a role change without the collaboration it changes: a bug upstream
        action=Action.CHANGE,
        kind=Kind.COLLABORATION,
        delivery="acme-spring-2026",
        item=folder,
        principal=Principal.email("cmo@acme.example"),
        reason="test",
        before={"role": "viewer"},
        after={"role": "editor"},
    )
    fine = Change(
        action=Action.ADD,
        kind=Kind.COLLABORATION,
        delivery="acme-spring-2026",
        item=folder,
        principal=jane,
        reason="test",
        after={"role": "viewer"},
        notify=False,
    )
    client = make_client(
        BoxSettings(base_url=studio.box.base_url, developer_token=studio.token),
        retry_base_interval=0,
    )

    report = apply_plan(Plan((broken, fine)), BoxWriter(client), BoxReader(client))

    by_outcome = {r.change.principal: r for r in report.results}
    assert by_outcome[fine.principal].outcome is Outcome.APPLIED
    assert by_outcome[broken.principal].outcome is Outcome.FAILED
    assert by_outcome[broken.principal].detail.startswith("internal error:")
    assert any(
        c["invite_email"] == "Jane.Doe@acme.example" for c in studio.collaborations(ACME_FOLDER)
    )
