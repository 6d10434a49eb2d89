"""``reconcile sandbox serve --state``: a server killed in the middle of a save leaves no
temporary file behind once it runs again."""

from __future__ import annotations

from pathlib import Path


def test_a_killed_sandbox_leaves_no_stale_temporary_state(tmp_path: Path) -> None:
    from box_sdk_gen import CreateFolderParent

    from tests.conftest import sdk_client
    from tests.sandbox.test_seed_and_serve import Served

    state_file = tmp_path / "box.json"
    first = Served("--state", str(state_file))
    try:
        sdk_client(first.url).folders.create_folder("a", CreateFolderParent(id="0"))
    finally:
        first.kill()
    # What a kill -9 in the middle of a save leaves beside the state file.
    (tmp_path / ".box.json.k1ll3d").write_text('{"half": ', encoding="utf-8")
    (tmp_path / ".box.json.x9y8z7.tmp").write_text("{", encoding="utf-8")

    second = Served("--state", str(state_file))
    try:
        sdk_client(second.url).folders.create_folder("b", CreateFolderParent(id="0"))
    finally:
        second.kill()

    assert sorted(p.name for p in tmp_path.iterdir()) == ["box.json"]
