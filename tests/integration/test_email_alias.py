"""A client declared by an email alias of their Box account. Box lists the collaboration under the
primary login, so no run can recognise it: the failure must say why and how to fix the manifest,
and the fixed manifest converges without touching what was already done."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

from reconciler.sandbox.server import Sandbox
from tests.integration.conftest import (
    ACME_FOLDER,
    MANIFESTS,
    Studio,
    duplicates,
    sample_seed,
)

ACME = "deliveries/acme/spring-2026.yaml"
JANE = {  # the manifest knows her as Jane.Doe@acme.example, an alias of this account
    "id": "20007",
    "login": "jdoe@acme.example",
    "name": "Jane Doe",
    "aliases": ["jane.doe@acme.example"],
}


def alias_studio(sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> Studio:
    token = f"tok-{secrets.token_hex(12)}"
    seed = sample_seed(token)
    seed["external_users"].append(dict(JANE))
    workdir = tmp_path / "repo"
    shutil.copytree(MANIFESTS / "studio", workdir)
    return Studio(sandbox_factory(seed), workdir, token, seed)


def test_an_alias_fails_with_the_fix_and_the_fixed_manifest_converges(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    studio = alias_studio(sandbox_factory, tmp_path)
    first = studio.apply()
    assert first.code == 0, first.text  # the invitation reached her account: accepted at once
    hers = [c for c in studio.collaborations(ACME_FOLDER) if c["accessible_by_id"] == JANE["id"]]
    assert [c["status"] for c in hers] == ["accepted"]

    second = studio.apply()

    assert second.code == 5, second.text
    assert "probably an email alias" in second.out
    assert "Declare this client by that login" in second.out
    assert f"{ACME}:" in second.out  # where to fix it
    assert "user_already_collaborator" in second.out
    assert duplicates(studio.state()) == []

    def declare_by_login(doc: dict[str, list[dict[str, str]]]) -> None:
        for client in doc["clients"]:
            if client.get("email", "").casefold() == "jane.doe@acme.example":
                client["email"] = JANE["login"]

    studio.edit(ACME, declare_by_login)
    fixed = studio.apply()
    assert fixed.code == 0, fixed.text
    assert duplicates(studio.state()) == []
    studio.assert_converged()
