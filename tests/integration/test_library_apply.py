"""The library's ``apply`` refuses on its own what is unsafe or stale, whoever calls it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from box_sdk_gen import UpdateCollaborationByIdRole

import reconciler
from reconciler.box.connect import settings_from_env
from reconciler.errors import StalePlan, UnsafePlan
from reconciler.session.workflow import Connection, Desired
from tests.integration.conftest import ACME_FOLDER, INITECH_FILE, Studio
from tests.integration.test_plan_apply import ACME, INITECH, by_principal, invite_behind_our_back


def session(studio: Studio) -> tuple[Desired, Connection]:
    root = Path(studio.workdir)
    desired = reconciler.load([str(root / "deliveries")], str(root / "reconcile.yaml"))
    settings = settings_from_env({**os.environ, **studio.env})
    return desired, reconciler.connect(settings, desired.policy)


def writes_since(studio: Studio, before: int) -> list[dict[str, object]]:
    return [r for r in studio.requests()[before:] if r["method"] != "GET"]


def test_library_apply_refuses_removals_above_the_limits_unless_forced(studio: Studio) -> None:
    assert studio.apply().code == 0
    for n in range(3):
        invite_behind_our_back(studio, INITECH_FILE, f"old-{n}@initech.example")
    studio.edit(INITECH, lambda doc: doc.update(prune=True))
    studio.edit("reconcile.yaml", lambda doc: doc["safety"].update(max_removals=2))
    desired, box = session(studio)
    live = reconciler.read(desired, box)
    plan = reconciler.make_plan(desired, live)
    before = len(studio.requests())

    with pytest.raises(UnsafePlan, match=r"has 3 changes to remove.*max_removals = 2"):
        reconciler.apply(plan, desired, box, live)

    assert writes_since(studio, before) == []
    report = reconciler.apply(plan, desired, box, live, force=True)
    assert not report.failed and len(studio.collaborations(INITECH_FILE)) == 1


def test_library_apply_refuses_a_plan_that_no_longer_matches_box(studio: Studio) -> None:
    assert studio.apply().code == 0
    studio.edit(ACME, lambda doc: doc["clients"][0].update(role="editor"))
    desired, box = session(studio)
    saved = reconciler.make_plan(desired, reconciler.read(desired, box))
    jane = by_principal(studio.collaborations(ACME_FOLDER))["jane.doe@acme.example"]
    studio.client().user_collaborations.update_collaboration_by_id(
        jane["id"], role=UpdateCollaborationByIdRole.PREVIEWER
    )
    live = reconciler.read(desired, box)
    before = len(studio.requests())

    with pytest.raises(StalePlan, match="no longer matches"):
        reconciler.apply(saved, desired, box, live, force=True)

    assert writes_since(studio, before) == []
