"""Pending hub invitations: Box shows only the user id (login and name are empty), so the
reconciler knows the person only by what folder and file invitations revealed about that id,
and never removes one it cannot tell apart from a protected person."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

from box_sdk_gen import (
    CreateCollaborationAccessibleBy,
    CreateCollaborationAccessibleByTypeField,
    CreateCollaborationItem,
    CreateCollaborationItemTypeField,
    CreateCollaborationRole,
    CreateHubCollaborationV2025R0AccessibleBy,
    CreateHubCollaborationV2025R0Hub,
)

from reconciler.sandbox.server import Sandbox
from tests.integration.conftest import ACME_FOLDER, ACME_HUB, MANIFESTS, Studio, sample_seed

GUARD = {
    "id": "20011",
    "login": "guard@acme.example",
    "name": "Acme Guard",
    "token": "guard-token",
    "auto_accept": False,
}
ACME = "deliveries/acme/spring-2026.yaml"


def guarded_studio(sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> Studio:
    """The acme delivery prunes its hub; the guard is protected and invited to the hub by
    hand, and has not accepted yet."""
    token = f"tok-{secrets.token_hex(12)}"
    seed = sample_seed(token)
    seed["external_users"].append(dict(GUARD))
    workdir = tmp_path / "repo"
    shutil.copytree(MANIFESTS / "studio", workdir)
    studio = Studio(sandbox_factory(seed), workdir, token, seed)
    studio.edit(ACME, lambda doc: doc.update(prune=True))
    studio.edit(
        "reconcile.yaml", lambda doc: doc["policy"]["protected"].append("Guard@acme.example")
    )
    studio.client().hub_collaborations.create_hub_collaboration_v2025_r0(
        CreateHubCollaborationV2025R0Hub(id=ACME_HUB),
        CreateHubCollaborationV2025R0AccessibleBy(type="user", login=GUARD["login"]),
        "viewer",
    )
    return studio


def guard_membership(studio: Studio) -> list[str]:
    return [m["status"] for m in studio.hub_members() if m["accessible_by_id"] == GUARD["id"]]


def test_a_protected_persons_pending_hub_invitation_is_never_removed(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    studio = guarded_studio(sandbox_factory, tmp_path)
    assert guard_membership(studio) == ["pending"]

    plan = studio.cli("plan")
    applied = studio.apply()

    assert "Box does not show whose invitation this is" in plan.out, plan.out
    assert applied.code == 0, applied.text
    assert guard_membership(studio) == ["pending"]


def test_a_pending_hub_member_is_known_by_the_user_id_their_item_invitation_shows(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """A folder invitation shows the guard's user id with their login: the hub entry of that
    id is the guard's, protected by policy and said so."""
    studio = guarded_studio(sandbox_factory, tmp_path)
    studio.client().user_collaborations.create_collaboration(
        CreateCollaborationItem(type=CreateCollaborationItemTypeField.FOLDER, id=ACME_FOLDER),
        CreateCollaborationAccessibleBy(
            type=CreateCollaborationAccessibleByTypeField.USER, login=GUARD["login"]
        ),
        CreateCollaborationRole.VIEWER,
    )

    plan = studio.cli("plan")
    applied = studio.apply()

    hub_lines = [line for line in plan.out.splitlines() if "hub member guard@acme.example" in line]
    assert any("protected by policy: never removed" in line for line in hub_lines), plan.out
    assert "Box does not show whose invitation this is" not in plan.out
    assert applied.code == 0, applied.text
    assert guard_membership(studio) == ["pending"]
