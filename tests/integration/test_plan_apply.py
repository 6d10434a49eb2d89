"""``plan`` and ``apply`` end to end through the real SDK against the sandbox's sample studio.

Every scenario ends with the convergence check: after apply, ``plan --detailed-exitcode`` exits 0.
"""

from __future__ import annotations

import json
import re
from typing import Any

from box_sdk_gen import (
    CreateCollaborationAccessibleBy,
    CreateCollaborationAccessibleByTypeField,
    CreateCollaborationItem,
    CreateCollaborationItemTypeField,
    CreateCollaborationRole,
    UpdateCollaborationByIdRole,
)

from tests.integration.conftest import (
    ACME_FOLDER,
    ACME_HUB,
    CMO,
    GLOBEX_FOLDER,
    INITECH_FILE,
    Studio,
    duplicates,
)

ACME = "deliveries/acme/spring-2026.yaml"
INITECH = "deliveries/initech/stills.yaml"


def invite_behind_our_back(studio: Studio, item_id: str, email: str, *, file: bool = True) -> str:
    """Someone shares an item by hand in Box's web app; returns the collaboration id."""
    kind = (
        CreateCollaborationItemTypeField.FILE if file else CreateCollaborationItemTypeField.FOLDER
    )
    created = studio.client().user_collaborations.create_collaboration(
        CreateCollaborationItem(type=kind, id=item_id),
        CreateCollaborationAccessibleBy(
            type=CreateCollaborationAccessibleByTypeField.USER, login=email
        ),
        CreateCollaborationRole.VIEWER,
    )
    return str(created.id)


def by_principal(collabs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {(c["invite_email"] or c["accessible_by_id"]).casefold(): c for c in collabs}


def test_fresh_delivery_invites_everyone_and_follows_through(studio: Studio) -> None:
    plan = studio.cli("plan", "--detailed-exitcode")
    assert plan.code == 2
    assert "Plan: " in plan.out and "to add" in plan.out

    applied = studio.apply()

    assert applied.code == 0, applied.text
    acme = by_principal(studio.collaborations(ACME_FOLDER))
    assert acme["jane.doe@acme.example"]["status"] == "pending"  # no Box account yet
    assert (acme[CMO]["role"], acme[CMO]["status"]) == ("editor", "accepted")
    assert acme["11446498"]["role"] == "previewer"
    assert [c["invite_email"] for c in studio.collaborations(INITECH_FILE)] == [
        "buyer@initech.example"
    ]
    # The CMO has an account, so the same run put them in the hub ("on acceptance").
    hub = {m["accessible_by_id"]: m["role"] for m in studio.hub_members()}
    assert hub[CMO] == "editor"
    assert duplicates(studio.state()) == []
    studio.assert_converged()

    again = studio.apply()
    assert again.code == 0
    assert "Plan: 0 changes to add, 0 to change, 0 to remove" in again.out
    assert "Nothing to apply" in again.err


def test_role_change_updates_the_collaboration_in_place(studio: Studio) -> None:
    assert studio.apply().code == 0
    before = by_principal(studio.collaborations(ACME_FOLDER))

    def promote(doc: dict[str, Any]) -> None:
        doc["clients"][0]["role"] = "editor"  # Jane.Doe@acme.example, pending

    studio.edit(ACME, promote)
    plan = studio.cli("plan")
    assert "~ Jane.Doe@acme.example" in plan.out
    assert "Plan: 0 changes to add, 1 to change, 0 to remove" in plan.out

    applied = studio.apply()

    assert applied.code == 0, applied.text
    after = by_principal(studio.collaborations(ACME_FOLDER))
    jane = after["jane.doe@acme.example"]
    assert jane["role"] == "editor"
    assert jane["id"] == before["jane.doe@acme.example"]["id"]  # never delete + create
    assert sorted(c["id"] for c in after.values()) == sorted(c["id"] for c in before.values())
    studio.assert_converged()


def test_prune_removes_only_what_no_manifest_declares(studio: Studio) -> None:
    assert studio.apply().code == 0
    stray = invite_behind_our_back(studio, INITECH_FILE, "intern@initech.example")
    declared = by_principal(studio.collaborations(INITECH_FILE))["buyer@initech.example"]["id"]
    unmanaged = studio.cli("plan", "--detailed-exitcode")
    assert unmanaged.code == 0  # additive by default: reported, left alone
    assert "intern@initech.example" in unmanaged.out

    studio.edit(INITECH, lambda doc: doc.update(prune=True))
    plan = studio.cli("plan")
    assert "- intern@initech.example" in plan.out
    assert "Plan: 0 changes to add, 0 to change, 1 to remove" in plan.out
    applied = studio.apply()

    assert applied.code == 0, applied.text
    left = [c["id"] for c in studio.collaborations(INITECH_FILE)]
    assert left == [declared]
    assert stray not in left
    studio.assert_converged()


def test_person_who_signs_up_joins_the_hub_on_the_next_apply(studio: Studio) -> None:
    assert studio.apply().code == 0
    assert "jane" not in json.dumps(studio.hub_members()).casefold()
    waiting = studio.cli("plan", "--detailed-exitcode")
    assert waiting.code == 0  # waiting for Jane to accept is not a change
    assert "Jane.Doe@acme.example" in waiting.out and "waiting" in waiting.out

    jane_token = studio.sign_up("jane.doe@acme.example")
    jane_id = studio.client(jane_token).users.get_user_me().id
    pending = studio.cli("plan", "--detailed-exitcode")
    assert pending.code == 2
    applied = studio.apply()

    assert applied.code == 0, applied.text
    hub = {m["accessible_by_id"]: m["role"] for m in studio.hub_members()}
    assert hub[jane_id] == "viewer"
    assert duplicates(studio.state()) == []
    studio.assert_converged()


def test_saved_plan_is_applied_exactly(studio: Studio) -> None:
    saved = studio.cli("plan", "--out", "plan.json")
    assert saved.code == 0
    document = json.loads(studio.path("plan.json").read_text(encoding="utf-8"))
    planned = document["summary"]["to_add"] + document["summary"]["waiting"]

    applied = studio.cli("apply", "--plan", "plan.json")  # a reviewed plan needs no --yes

    assert applied.code == 0, applied.text
    done = re.search(
        r"Apply complete: (\d+) changes? added, 0 changed, 0 removed, "
        r"(\d+) waiting for acceptance, 0 failed, 0 skipped\.",
        applied.out,
    )
    assert done is not None, applied.out
    assert int(done[1]) + int(done[2]) == planned
    assert studio.collaborations(GLOBEX_FOLDER)
    studio.assert_converged()


def test_saved_plan_is_refused_when_box_changed_since(studio: Studio) -> None:
    assert studio.apply().code == 0
    studio.edit(ACME, lambda doc: doc["clients"][0].update(role="editor"))
    assert studio.cli("plan", "--out", "plan.json").code == 0
    jane = by_principal(studio.collaborations(ACME_FOLDER))["jane.doe@acme.example"]
    # Someone promotes Jane by hand before the plan is applied: the plan is now wrong.
    studio.client().user_collaborations.update_collaboration_by_id(
        jane["id"], role=UpdateCollaborationByIdRole.PREVIEWER
    )
    requests_before = len(studio.requests())

    refused = studio.cli("apply", "--plan", "plan.json")

    assert refused.code == 4
    assert "no longer matches" in refused.err
    assert "Jane.Doe@acme.example" in refused.err
    assert '"viewer"' in refused.err and '"previewer"' in refused.err  # what it was, what it is
    writes = [r for r in studio.requests()[requests_before:] if r["method"] != "GET"]
    assert writes == []
    assert studio.apply().code == 0
    studio.assert_converged()


def test_safety_limit_refuses_mass_removal_until_forced(studio: Studio) -> None:
    assert studio.apply().code == 0
    strays = [
        invite_behind_our_back(studio, INITECH_FILE, f"old-{n}@initech.example") for n in range(3)
    ]
    studio.edit(INITECH, lambda doc: doc.update(prune=True))
    studio.edit("reconcile.yaml", lambda doc: doc["safety"].update(max_removals=2))

    refused = studio.apply()

    assert refused.code == 4
    assert "safety.max_removals = 2" in refused.err
    assert "has 3 changes to remove" in refused.err
    assert "--force" in refused.err
    assert len(studio.collaborations(INITECH_FILE)) == 4  # nothing was removed

    forced = studio.apply("--force")

    assert forced.code == 0, forced.text
    left = {c["id"] for c in studio.collaborations(INITECH_FILE)}
    assert left.isdisjoint(strays) and len(left) == 1
    studio.assert_converged()


def test_group_and_existing_hub_member_are_not_added_twice(studio: Studio) -> None:
    """A hub member added by hand with the manifest's role is recognised, not re-added."""
    from box_sdk_gen import (
        CreateHubCollaborationV2025R0AccessibleBy,
        CreateHubCollaborationV2025R0Hub,
    )

    studio.client().hub_collaborations.create_hub_collaboration_v2025_r0(
        CreateHubCollaborationV2025R0Hub(id=ACME_HUB),
        CreateHubCollaborationV2025R0AccessibleBy(type="user", id=CMO),
        "editor",
    )

    applied = studio.apply()

    assert applied.code == 0, applied.text
    assert [m["accessible_by_id"] for m in studio.hub_members()].count(CMO) == 1
    assert duplicates(studio.state()) == []
    studio.assert_converged()


ACME_REVIEWED = {"1400000101", "1400000102", "1400000103", "1400000104", "1400000111"}


def review_tasks(studio: Studio) -> dict[str, list[dict[str, Any]]]:
    """file id -> the review tasks on it."""
    out: dict[str, list[dict[str, Any]]] = {}
    for task in studio.state()["tasks"]:
        out.setdefault(task["file_id"], []).append(task)
    return out


def assignments_of(studio: Studio, user_id: str) -> list[str]:
    """The file ids on which this user has a task assignment."""
    rows = studio.state()["task_assignments"]
    return sorted(a["file_id"] for a in rows if a["assigned_to_id"] == user_id)


def test_approvers_are_assigned_once_they_accept_and_never_twice(studio: Studio) -> None:
    assert studio.apply().code == 0
    tasks = review_tasks(studio)
    acme_tasks = {f: t for f, t in tasks.items() if f in ACME_REVIEWED}
    assert set(acme_tasks) == ACME_REVIEWED  # include/exclude globs: no pdf, nothing internal
    assert all(len(t) == 1 for t in tasks.values())  # one task per file
    assert assignments_of(studio, CMO) == sorted(ACME_REVIEWED)  # accepted at once

    jane = studio.client(studio.sign_up("jane.doe@acme.example")).users.get_user_me().id
    assert assignments_of(studio, jane) == []  # nothing is assigned before acceptance
    applied = studio.apply()

    assert applied.code == 0, applied.text
    assert assignments_of(studio, jane) == sorted(ACME_REVIEWED)
    assert {f: len(t) for f, t in review_tasks(studio).items()} == {f: 1 for f in tasks}
    assert assignments_of(studio, CMO) == sorted(ACME_REVIEWED)
    studio.assert_converged()

    studio.control("DELETE", "requests")
    assert studio.apply().code == 0
    assert [r for r in studio.requests() if r["method"] != "GET"] == []


def test_prune_tears_down_a_departed_approver_in_reverse(studio: Studio) -> None:
    """Assignments go first, then the hub membership, then the collaboration they came with."""
    assert studio.apply().code == 0
    jane = studio.client(studio.sign_up("jane.doe@acme.example")).users.get_user_me().id
    assert studio.apply().code == 0
    assert assignments_of(studio, jane) == sorted(ACME_REVIEWED)

    def drop_jane(doc: dict[str, Any]) -> None:
        doc["clients"] = [c for c in doc["clients"] if c.get("email") != "Jane.Doe@acme.example"]
        doc["prune"] = True

    studio.edit(ACME, drop_jane)
    studio.control("DELETE", "requests")
    applied = studio.apply()

    assert applied.code == 0, applied.text
    deletes = [r["path"].split("/")[2] for r in studio.requests() if r["method"] == "DELETE"]
    assert deletes == ["task_assignments"] * 5 + ["hub_collaborations", "collaborations"]
    assert assignments_of(studio, jane) == []
    assert jane not in {m["accessible_by_id"] for m in studio.hub_members()}
    assert jane not in {c["accessible_by_id"] for c in studio.collaborations(ACME_FOLDER)}
    studio.assert_converged()
