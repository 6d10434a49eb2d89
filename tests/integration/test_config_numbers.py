"""Whole numbers written with a decimal point (``0.0``, ``7.0``) mean what they say when the
reconciler acts on them: never a default in their place."""

from __future__ import annotations

from tests.integration.conftest import INITECH_FILE, Studio
from tests.integration.test_plan_apply import INITECH, invite_behind_our_back
from tests.integration.test_tasks import ACME, ACME_REVIEWED, days_until_due, our_tasks


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
