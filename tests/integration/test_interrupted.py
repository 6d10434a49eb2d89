"""Nothing is half-applied without a report: an apply stopped with Ctrl-C, or one that meets a bug,
still says exactly which changes were made and which were not."""

from __future__ import annotations

import json
import signal
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from reconciler.applying.report import Outcome
from reconciler.applying.run import apply_plan
from reconciler.box.connect import BoxSettings, make_client
from reconciler.box.reader import BoxReader
from reconciler.box.writer import BoxWriter
from reconciler.model import ItemKind, ItemRef, Principal
from reconciler.plan import Action, Change, Kind, Plan
from tests.integration.conftest import ACME_FOLDER, Studio, duplicates
from tests.integration.watching import HeldAnswers, Reconcile, wait_until


def journaled(journal: Path) -> Callable[[str, str], bool]:
    """Picks the writes answered once the journal has its first change."""
    return lambda method, _path: method != "GET" and journal.exists() and bool(journal.read_text())


def interrupted_apply(studio: Studio, *taken: str) -> tuple[int, str, str]:
    """``apply --journal journal.jsonl``, its writes held from the first change journaled on;
    a Ctrl-C for each of ``taken``, each sent once the one before was said taken; then the writes
    go on. The exit code, stdout and stderr."""
    with (
        HeldAnswers(studio, journaled(studio.path("journal.jsonl"))) as writes,
        Reconcile(studio, "apply", "--yes", "--journal", "journal.jsonl") as apply,
    ):
        wait_until(writes.held.is_set, 30, "a write under way after the first change", apply)
        for said in taken:
            apply.process.send_signal(signal.SIGINT)
            apply.wait_for_log(said)
        writes.release()
        code = apply.finish()
    return code, apply.out, apply.log


def test_ctrl_c_reports_what_was_done_and_what_was_not(studio: Studio) -> None:
    journal = studio.path("journal.jsonl")
    # From the first change made on, the writes stay under way until the Ctrl-C is taken.
    code, out, err = interrupted_apply(studio, "Interrupted: finishing the changes under way")

    assert code == 130, out + err
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
    journal = studio.path("journal.jsonl")
    # The changes under way stay under way until both Ctrl-Cs are taken.
    code, out, err = interrupted_apply(
        studio, "Interrupted: finishing the changes under way", "Interrupted again"
    )

    assert code == 130, out + err
    assert "Apply interrupted:" in out
    assert "Traceback" not in out + err
    outcomes = Counter(json.loads(line)["outcome"] for line in journal.read_text().splitlines())
    assert outcomes["not_started"] >= 1, outcomes


def test_ctrl_c_while_reading_box_says_interrupted(studio: Studio) -> None:
    # Every read is answered only once the Ctrl-C is taken.
    with (
        HeldAnswers(studio, lambda _method, _path: True) as reads,
        Reconcile(studio, "plan") as plan,
    ):
        wait_until(reads.held.is_set, 30, "a read of Box under way", plan)
        plan.wait_for_log("Reading Box")
        plan.process.send_signal(signal.SIGINT)
        plan.wait_for_log("Interrupted.")
        reads.release()
        code = plan.finish()

    assert code == 130, plan.out + plan.log
    assert "Traceback" not in plan.log
    assert plan.out == ""


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
