"""Manifest and config values as plan and apply act on them: whole numbers written with a
decimal point (``0.0``, ``7.0``) mean what they say, never a default in their place; globs are
refused at their line before any Box call, and match in time linear in a file's name."""

from __future__ import annotations

from tests.integration.conftest import INITECH_FILE, Studio
from tests.integration.test_plan_apply import INITECH, invite_behind_our_back
from tests.integration.test_tasks import (
    ACME,
    ACME_FOLDER,
    ACME_REVIEWED,
    days_until_due,
    our_tasks,
    upload,
)


def test_max_removals_0_0_refuses_any_removal(studio: Studio) -> None:
    assert studio.apply().code == 0
    invite_behind_our_back(studio, INITECH_FILE, "old-0@initech.example")
    studio.edit(INITECH, lambda doc: doc.update(prune=True))
    studio.edit("reconcile.yaml", lambda doc: doc["safety"].update(max_removals=0.0))

    refused = studio.apply()

    assert refused.code == 4, refused.text
    assert "safety.max_removals = 0" in refused.err
    assert len(studio.collaborations(INITECH_FILE)) == 2  # the stray is still there


def test_due_in_days_7_0_gives_tasks_due_in_seven_days(studio: Studio) -> None:
    studio.edit(ACME, lambda doc: doc["approval"].update(due_in_days=7.0))
    assert "due_in_days: 7.0" in studio.path(ACME).read_text(encoding="utf-8")

    assert studio.apply().code == 0

    tasks = [t for t in our_tasks(studio.state()) if t["file_id"] in ACME_REVIEWED]
    assert tasks
    assert {round(days_until_due(t)) for t in tasks} == {7}


def test_plan_refuses_a_reversed_glob_range_at_its_line(studio: Studio) -> None:
    studio.edit(ACME, lambda doc: doc["approval"].update(include=["[z-a].jpg"]))
    line = studio.path(ACME).read_text(encoding="utf-8").splitlines().index("  include:") + 2

    result = studio.run("plan")

    assert result.code == 3, result.text
    assert f"{ACME}:{line}:" in result.err
    assert "the range 'z-a' is reversed" in result.err
    assert "Internal error" not in result.text


def test_a_pathological_glob_selects_files_without_backtracking(studio: Studio) -> None:
    long_name = "a" * 40 + ".jpg"
    upload(studio, long_name, ACME_FOLDER)
    upload(studio, "a" * 39 + "b", ACME_FOLDER)
    studio.edit(ACME, lambda doc: doc["approval"].update(include=["*a*a*a*a*a*a*a*a*a*a*b"]))

    # A backtracking matcher took minutes on the 40-character name; Studio.run stops at 60 s.
    result = studio.run("plan")

    assert result.code == 0, result.text
    assert "a" * 39 + "b" in result.out  # the one name the pattern selects gets a task
    assert long_name not in result.out
