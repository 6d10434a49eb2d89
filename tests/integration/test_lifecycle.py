"""The life of a delivery end to end, through the real command and SDK against the sandbox:
access that expires, invitations chased, and a delivery ended with ``revoke: true``.

The sandbox's clock is moved through its control plane, never slept on; the reconciler judges
ages and expiries by Box's clock (the ``Date`` of its answers), so it sees the same "later".
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from reconciler.box.people import Person
from reconciler.errors import EXPIRY_SETTING
from reconciler.sandbox.server import Sandbox
from tests.integration.conftest import (
    ACME_FOLDER,
    ACME_HUB,
    CMO,
    GLOBEX_FOLDER,
    MANIFESTS,
    Studio,
    sample_seed,
)

ACME = "deliveries/acme/spring-2026.yaml"
GLOBEX = "deliveries/globex/lookbook.yaml"
GLOBEX_PEOPLE = {"art@globex.example", "producer@globex.example"}


def studio_with(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path, *, expiry_setting: bool
) -> Studio:
    token = "tok-lifecycle-0123456789abcdef"
    seed = sample_seed(token)
    seed["enterprise"]["collaboration_expiry"] = expiry_setting
    workdir = tmp_path / "repo"
    shutil.copytree(MANIFESTS / "studio", workdir)
    return Studio(sandbox_factory(seed), workdir, token, seed)


@pytest.fixture
def expiring(sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> Studio:
    """The sample studio in an enterprise that lets folder owners set expiry dates."""
    return studio_with(sandbox_factory, tmp_path, expiry_setting=True)


def only_globex(studio: Studio) -> None:
    for other in ("deliveries/acme", "deliveries/initech"):
        shutil.rmtree(studio.path(other))


def globex_collabs(studio: Studio) -> dict[str, dict[str, Any]]:
    """email -> collaboration on the globex folder."""
    users = {u["id"]: u["login"] for u in studio.state()["users"]}
    out = {}
    for c in studio.collaborations(GLOBEX_FOLDER):
        out[(c["invite_email"] or users.get(c["accessible_by_id"], "")).casefold()] = c
    return out


def test_an_expiry_is_set_on_invitation_and_moved_in_place(expiring: Studio) -> None:
    only_globex(expiring)
    first = date.today() + timedelta(days=60)
    expiring.edit(GLOBEX, lambda d: d.update(expires=first.isoformat()))
    planned = expiring.cli("plan")
    assert f"expires_at: {first.isoformat()}T23:59:59+00:00" in planned.out
    assert expiring.apply().code == 0
    collabs = globex_collabs(expiring)
    assert set(collabs) == GLOBEX_PEOPLE
    assert {c["expires_at"] for c in collabs.values()} == {f"{first.isoformat()}T23:59:59+00:00"}
    expiring.assert_converged()

    later = first + timedelta(days=30)
    expiring.edit(GLOBEX, lambda d: d["clients"][0].update(expires=later.isoformat()))
    moved = expiring.cli("plan")
    stamp = "T23:59:59+00:00"
    assert f"expires_at: {first.isoformat()}{stamp} → {later.isoformat()}{stamp}" in moved.out
    assert "Plan: 0 changes to add, 1 to change, 0 to remove" in moved.out
    ids_before = {email: c["id"] for email, c in globex_collabs(expiring).items()}
    assert expiring.apply().code == 0
    collabs = globex_collabs(expiring)
    assert {email: c["id"] for email, c in collabs.items()} == ids_before  # in place
    assert collabs["art@globex.example"]["expires_at"].startswith(later.isoformat())
    assert collabs["producer@globex.example"]["expires_at"].startswith(first.isoformat())
    expiring.assert_converged()


def test_the_enterprise_setting_off_is_one_clear_error(studio: Studio) -> None:
    only_globex(studio)
    studio.edit(GLOBEX, lambda d: d.update(expires_in_days=30))
    done = studio.apply()
    assert done.code == 5, done.text
    assert done.text.count(EXPIRY_SETTING) == 1, done.text
    assert "skipped: Box refuses expiry dates in this enterprise" in done.text
    assert globex_collabs(studio) == {}  # nobody was invited without the expiry asked for


def advance(studio: Studio, days: int) -> None:
    studio.control("PUT", "clock", {"advance_seconds": days * 86400})


def test_an_old_pending_invitation_is_sent_again_once(studio: Studio) -> None:
    only_globex(studio)
    studio.edit(
        "reconcile.yaml",
        lambda d: d.update(invitations={"resend_after_days": 7, "max_resends": 1}),
    )
    assert studio.apply().code == 0
    first_id = globex_collabs(studio)["art@globex.example"]["id"]
    studio.assert_converged()  # a fresh invitation is not chased

    advance(studio, 10)
    planned = studio.cli("plan")
    assert "↻ art@globex.example" in planned.out
    assert "pending for 10 days" in planned.out
    assert "1 to resend" in planned.out
    studio.control("DELETE", "requests")
    assert studio.apply().code == 0
    calls = [(r["method"], r["path"]) for r in studio.requests()]
    assert ("DELETE", f"/2.0/collaborations/{first_id}") in calls
    assert calls.count(("POST", "/2.0/collaborations")) == 1
    again = globex_collabs(studio)["art@globex.example"]
    assert again["id"] != first_id and again["status"] == "pending"
    studio.assert_converged()  # not again on the next run

    # Eight days on, the new invitation is old enough again, but it has had its one resend.
    advance(studio, 8)
    later = studio.cli("plan", "--detailed-exitcode")
    assert later.code == 0, later.text
    assert "sent again 1 time already, max_resends = 1: not sent again" in later.out

    status = json.loads(studio.cli("status", "--format", "json").out)
    (globex,) = status["deliveries"]
    art = next(c for c in globex["clients"] if c["client"] == "art@globex.example")
    assert (art["invitation"], art["pending_days"], art["resends"]) == ("pending", 8, 1)
    assert "pending (8 days, sent again 1x)" in studio.cli("status").out


def test_revoke_removes_everyone_declared_and_keeps_decided_reviews(studio: Studio) -> None:
    assert studio.apply().code == 0
    studio.sign_up("jane.doe@acme.example")
    assert studio.apply().code == 0
    cmo = Person(studio.box.base_url, "cmo-token")
    (_, decided), *_ = cmo.my_assignments(ACME_FOLDER)
    cmo.resolve(decided.id, "approved")

    studio.edit(ACME, lambda d: d.update(revoke=True))
    planned = studio.cli("plan")
    assert "acme-spring-2026 is revoked" in planned.out
    assert studio.apply("--force").code == 0

    state = studio.state()
    acme_people = {CMO, "11446498"}
    left = [c for c in studio.collaborations(ACME_FOLDER)]
    assert all(c["accessible_by_id"] not in acme_people for c in left), left
    assert not [c for c in left if (c["invite_email"] or "").startswith("jane")]
    assert studio.hub_members(ACME_HUB) == []
    jane = next(u["id"] for u in state["users"] if u["login"] == "jane.doe@acme.example")
    theirs = [a for a in state["task_assignments"] if a["assigned_to_id"] in (CMO, jane)]
    assert [a["id"] for a in theirs] == [decided.id]  # the decided review stays, alone
    studio.assert_converged()
    assert "'retouched/detail-01.jpg'" in planned.out  # a file by its path, as everywhere

    # Status says revoked: nobody waits for acceptance, the group keeps its name, and the
    # decision made before the revoke is still there for billing.
    table = studio.cli("status")
    assert table.code == 0, table.text
    assert "acme-spring-2026  (deliveries/acme/spring-2026.yaml)  revoked" in table.out
    assert "11446498 (Studio Producers)" in table.out
    (acme,) = [
        d
        for d in json.loads(studio.cli("status", "--format", "json", "--files").out)["deliveries"]
        if d["name"] == "acme-spring-2026"
    ]
    assert acme["revoked"] is True
    assert {c["invitation"] for c in acme["clients"]} == {"revoked"}
    counts = [c["counts"] for c in acme["clients"] if c["counts"]]
    assert all(c["waiting_for_acceptance"] == c["not_assigned"] == 0 for c in counts), counts
    assert sum(c["approved"] for c in counts) == 1
    files = [f for c in acme["clients"] for f in c.get("files", [])]
    assert [(f["state"], f["assignment_id"]) for f in files] == [("approved", decided.id)]


def test_revoke_is_held_to_the_safety_limits(studio: Studio) -> None:
    assert studio.apply().code == 0
    studio.edit("reconcile.yaml", lambda d: d["safety"].update(max_removals=1))
    studio.edit(ACME, lambda d: d.update(revoke=True))
    refused = studio.apply()
    assert refused.code == 4, refused.text
    assert "safety.max_removals" in refused.text


def test_an_expired_client_is_not_invited_again_until_the_date_moves(expiring: Studio) -> None:
    only_globex(expiring)
    ends = date.today() + timedelta(days=5)
    expiring.edit(GLOBEX, lambda d: d["clients"][0].update(expires=ends.isoformat()))
    assert expiring.apply().code == 0
    assert "art@globex.example" in globex_collabs(expiring)

    advance(expiring, 10)  # Box's time passes the expiry: it removes the collaboration
    assert "art@globex.example" not in globex_collabs(expiring)
    planned = expiring.cli("plan", "--detailed-exitcode")
    assert planned.code == 0, planned.text
    assert f"access ended on {ends.isoformat()}" in planned.out

    moved = date.today() + timedelta(days=40)
    expiring.edit(GLOBEX, lambda d: d["clients"][0].update(expires=moved.isoformat()))
    assert expiring.apply().code == 0
    assert globex_collabs(expiring)["art@globex.example"]["expires_at"].startswith(
        moved.isoformat()
    )
    expiring.assert_converged()


def git(studio: Studio, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Studio", "-c", "user.email=team@studio.example", *args],
        cwd=studio.workdir,
        check=True,
        capture_output=True,
    )


def test_plan_warns_of_a_manifest_deleted_without_revoke(studio: Studio) -> None:
    git(studio, "init", "-q")
    git(studio, "add", "-A")
    git(studio, "commit", "-qm", "deliveries")
    assert studio.apply().code == 0
    studio.path(GLOBEX).unlink()
    git(studio, "commit", "-qam", "globex is over")
    planned = studio.cli("plan")
    assert planned.code == 0
    assert "deliveries/globex/lookbook.yaml (delivery globex-lookbook) was deleted" in planned.err
    assert "set `revoke: true` in the manifest, apply, then delete it" in planned.err

    # Ended the right way: restored, revoked, applied, deleted: no warning any more.
    git(studio, "checkout", "HEAD^", "--", GLOBEX)
    studio.edit(GLOBEX, lambda d: d.update(revoke=True))
    assert studio.apply().code == 0
    assert globex_collabs(studio) == {}
    git(studio, "commit", "-qam", "globex revoked")
    studio.path(GLOBEX).unlink()
    git(studio, "commit", "-qam", "globex deleted")
    again = studio.cli("plan")
    assert again.code == 0 and "was deleted" not in again.err, again.err
