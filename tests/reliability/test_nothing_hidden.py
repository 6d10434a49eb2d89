"""Nothing under the manifest paths is passed by unseen: a folder that cannot be listed is an
error at its path, and a manifest that leads outside the repository is refused, never quoted."""

from __future__ import annotations

import os
from pathlib import Path

from tests.integration.conftest import INITECH_FILE, Studio
from tests.reliability.conftest import run_unprivileged

HIDDEN = """\
version: 1
name: initech-extra
files: ["1400000001"]
clients:
  - email: producer@initech.example
    role: viewer
"""


def _clients(studio: Studio) -> set[str]:
    return {
        (c["invite_email"] or c["accessible_by_login"] or "").casefold()
        for c in studio.collaborations(INITECH_FILE)
    }


def test_unreadable_folder_is_an_error_and_prune_removes_nothing(studio: Studio) -> None:
    hidden = studio.path("deliveries/extra")
    hidden.mkdir()
    (hidden / "producer.yaml").write_text(HIDDEN, encoding="utf-8")
    studio.edit("deliveries/initech/stills.yaml", lambda doc: doc.update(prune=True))
    assert studio.apply().code == 0
    assert "producer@initech.example" in _clients(studio)

    hidden.chmod(0)
    try:
        checked = run_unprivileged(studio, "validate")
        applied = run_unprivileged(studio, "apply", "--yes")
    finally:
        hidden.chmod(0o755)

    assert checked.code == 3, checked.text
    assert "deliveries/extra:1:1:" in checked.out and "cannot list this folder" in checked.out
    assert "OK" not in checked.out
    assert applied.code == 3, applied.text
    assert "deliveries/extra" in applied.text
    assert "producer@initech.example" in _clients(studio)  # nothing was removed


def test_manifest_linked_outside_is_refused_unread(studio: Studio, tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "token.yaml"
    secret.parent.mkdir()
    secret.write_text("ghp_secretTokenValue1234: x\n", encoding="utf-8")
    os.symlink(secret, studio.path("deliveries/leak.yaml"))

    checked = studio.cli("validate")
    as_json = studio.cli("validate", "--format", "json")

    assert checked.code == 3
    assert "deliveries/leak.yaml:1:1:" in checked.out and "outside the repository" in checked.out
    for shown in (checked, as_json):
        assert "ghp_secretTokenValue1234" not in shown.text


def test_link_inside_the_repository_is_read(studio: Studio) -> None:
    shared = studio.path("shared")
    shared.mkdir()
    (shared / "extra.yaml").write_text(HIDDEN, encoding="utf-8")
    os.symlink(shared / "extra.yaml", studio.path("deliveries/extra.yaml"))

    checked = studio.cli("validate")

    assert checked.code == 0, checked.text
    assert "OK: 4 manifests valid" in checked.out
