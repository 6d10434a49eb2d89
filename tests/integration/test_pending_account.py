"""A client who has a Box account but does not accept invitations automatically: Box answers
with the other pending shape (``accessible_by`` is the user, with the login and an empty name)."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

from box_sdk_gen import UpdateCollaborationByIdStatus

from reconciler.sandbox.server import Sandbox
from tests.conftest import sdk_client
from tests.integration.conftest import GLOBEX_FOLDER, MANIFESTS, Studio, sample_seed

CAREFUL = {
    "id": "20009",
    "login": "careful@globex.example",
    "name": "Careful Reviewer",
    "token": "careful-token",
    "auto_accept": False,
}
GLOBEX = "deliveries/globex/lookbook.yaml"


def careful_studio(sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> Studio:
    token = f"tok-{secrets.token_hex(12)}"
    seed = sample_seed(token)
    seed["external_users"].append(dict(CAREFUL))
    workdir = tmp_path / "repo"
    shutil.copytree(MANIFESTS / "studio", workdir)
    studio = Studio(sandbox_factory(seed), workdir, token, seed)
    studio.edit(
        GLOBEX,
        lambda doc: doc["clients"].append({"email": "Careful@globex.example", "role": "viewer"}),
    )
    return studio


def test_a_pending_account_is_never_reinvited_and_gets_tasks_once_it_accepts(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    studio = careful_studio(sandbox_factory, tmp_path)
    first = studio.apply()
    assert first.code == 0, first.text
    mine = [
        c for c in studio.collaborations(GLOBEX_FOLDER) if c["accessible_by_id"] == CAREFUL["id"]
    ]
    assert [c["status"] for c in mine] == ["pending"]
    # Box shows this invitation as the user, login filled and name empty: it counts as present
    plan = studio.cli("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.text
    assert "3 files wait until Careful@globex.example accepts the invitation" in plan.out

    careful = sdk_client(studio.box.base_url, CAREFUL["token"])
    careful.user_collaborations.update_collaboration_by_id(
        mine[0]["id"], status=UpdateCollaborationByIdStatus.ACCEPTED
    )

    second = studio.apply()
    assert second.code == 0, second.text
    assigned = [
        a for a in studio.state()["task_assignments"] if a["assigned_to_id"] == CAREFUL["id"]
    ]
    assert len(assigned) == 3  # every look of the lookbook
    studio.assert_converged()
