"""Seed documents (schema, consistency, YAML/JSON files) and `reconcile sandbox serve`."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from box_sdk_gen import CreateFolderParent

from reconciler.sandbox.errors import BadRequest
from reconciler.sandbox.seed import build_state, default_seed, load_seed_file, validate_seed
from reconciler.sandbox.server import Sandbox
from tests.conftest import sdk_client
from tests.sandbox.test_collaborations import studio_seed

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "seed.schema.json"


def full_seed() -> dict[str, Any]:
    """The studio plus a hub, an app and webhook keys: every section of a seed."""
    doc = studio_seed()
    doc["enterprise"]["webhook_signature_keys"] = {"primary": "k1", "secondary": "k2"}
    doc["users"][0]["id"] = "100500"  # above the sandbox's first generated ids
    doc["users"][1]["role"] = "coadmin"
    doc["groups"][0]["admins"] = ["10002"]
    doc["folders"][0]["owner"] = "100500"
    doc["hubs"] = [
        {
            "id": "60001",
            "title": "Acme portal",
            "owner": "100500",
            "items": [{"type": "folder", "id": "40002"}],
        }
    ]
    doc["apps"] = [
        {
            "client_id": "app-1",
            "client_secret": "s3cret",
            "service_account": "100500",
            "public_keys": {"kid1": "-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----"},
        }
    ]
    return doc


# --- building ------------------------------------------------------------------------------


def test_a_full_seed_builds_every_table() -> None:
    doc = full_seed()
    validate_seed(doc)
    state = build_state(doc)
    assert state.enterprise.primary_signature_key == "k1"
    assert state.users["20001"].enterprise_id is None
    assert state.users["20002"].auto_accept is False
    assert state.users["10002"].role == "coadmin"
    assert state.tokens["bob"].user_id == "20001"
    assert [(m.user_id, m.role) for m in state.memberships.values()] == [("10002", "admin")]
    assert state.folders["40002"].parent_id == "40001"
    assert state.folders["40002"].owner_id == "100500"  # inherited from the top folder
    assert state.files["50001"].size == 2048 and state.files["50001"].parent_id == "40002"
    assert state.hubs["60001"].title == "Acme portal"
    assert [(h.item_type, h.item_id) for h in state.hub_items] == [("folder", "40002")]
    assert state.apps["app-1"].service_account_id == "100500"
    assert state.apps["app-1"].public_keys["kid1"].startswith("-----BEGIN")


def test_generated_ids_never_collide_with_seeded_ones() -> None:
    state = build_state(full_seed())
    seeded = set(state.users) | set(state.folders) | set(state.files) | set(state.groups)
    fresh = {state.new_id() for _ in range(5)}
    assert not fresh & seeded
    assert min(int(i) for i in fresh) > 100500


def test_the_default_seed_has_one_admin_service_account() -> None:
    state = build_state(default_seed("tok"))
    (admin,) = state.users.values()
    assert admin.role == "admin" and admin.is_service_account
    assert state.tokens["tok"].user_id == admin.id


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(colour="red"), "colour"),
        (lambda d: d["users"][1].update(shoe_size=9), "$.users[1]"),
        (lambda d: d["users"][1].update(role="boss"), "$.users[1].role"),
        (
            lambda d: d["folders"][0]["folders"][0]["files"][0].update(id=5),
            "$.folders[0].folders[0].files[0].id",
        ),
        (lambda d: d["folders"][0].pop("owner"), "$.folders[0]"),
        (lambda d: d["groups"][0]["members"].append("777"), "$.groups[0].members[1]"),
        (
            lambda d: d["external_users"][0].update(login="ann@studio.example"),
            "login 'ann@studio.example'",
        ),
        (lambda d: d["external_users"][0].update(token="ann"), "token 'ann'"),
        (
            lambda d: d["folders"][0]["folders"][0]["files"].append({"id": "40003", "name": "x"}),
            "'40003'",
        ),
        (
            lambda d: d["folders"][0]["folders"][0]["files"].append({"id": "50002", "name": "Raw"}),
            "'raw'",
        ),
        (lambda d: d["hubs"][0]["items"].append({"type": "file", "id": "1"}), "$.hubs[0].items[1]"),
        (lambda d: d["apps"][0].update(service_account="10002"), "$.apps[0].service_account"),
    ],
    ids=[
        "unknown top-level key",
        "unknown user key",
        "bad role",
        "numeric id",
        "top folder without owner",
        "unknown group member",
        "duplicate login",
        "duplicate token",
        "item id used twice",
        "name used twice in a folder",
        "hub item not seeded",
        "app account not a service account",
    ],
)
def test_a_bad_seed_is_refused_naming_where(
    change: Callable[[dict[str, Any]], Any], expected: str
) -> None:
    doc = full_seed()
    change(doc)
    with pytest.raises(BadRequest) as caught:
        validate_seed(doc)
    assert expected in caught.value.message


def test_every_schema_property_has_a_description() -> None:
    schema = json.loads(SCHEMA.read_text())

    def walk(node: Any, where: str) -> Iterator[str]:
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                if "description" not in sub:
                    yield f"{where}.{name}"
            for key, sub in node.items():
                yield from walk(sub, f"{where}.{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                yield from walk(sub, f"{where}[{i}]")

    assert list(walk(schema, "$")) == []


def test_seed_files_load_from_yaml_and_json(tmp_path: Path) -> None:
    as_yaml = tmp_path / "seed.yaml"
    as_yaml.write_text(yaml.safe_dump(full_seed()))
    as_json = tmp_path / "seed.json"
    as_json.write_text(json.dumps(full_seed()))
    assert load_seed_file(as_yaml) == load_seed_file(as_json) == full_seed()


def test_a_broken_seed_file_names_the_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "seed.yaml"
    broken.write_text("users:\n  - id: '1'\n    login: [unclosed\n")
    with pytest.raises(BadRequest) as caught:
        load_seed_file(broken)
    assert re.search(r"seed\.yaml:\d+:\d+: ", caught.value.message)


# --- reconcile sandbox serve ---------------------------------------------------------------


class Served:
    """A `reconcile sandbox serve` subprocess and the URL it announced."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", "0", *args],
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stderr is not None
        # the address, then the export line that works with the seed served
        self.banner = self.process.stderr.readline() + self.process.stderr.readline()
        found = re.search(r"BOX_BASE_URL=(\S+)", self.banner)
        assert found, f"no URL announced: {self.banner!r}"
        self.url = found.group(1)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    started: list[Served] = []

    def start(*args: str) -> Served:
        served = Served(*args)
        started.append(served)
        return served

    yield start
    for served in started:
        if served.process.poll() is None:
            served.kill()


def test_serve_announces_a_local_url_and_the_sdk_settings(serve: Callable[..., Served]) -> None:
    served = serve("--admin-token", "t0ken")
    assert served.url.startswith("http://127.0.0.1:")
    assert "BOX_DEVELOPER_TOKEN=t0ken" in served.banner
    assert sdk_client(served.url, "t0ken").users.get_user_me().role.value == "admin"


def test_the_banner_prints_the_export_line_that_works_with_the_seed(
    serve: Callable[..., Served],
) -> None:
    served = serve("--seed", "sample")
    export = next(line for line in served.banner.splitlines() if line.strip().startswith("export"))
    settings = dict(word.split("=", 1) for word in export.split()[1:])
    assert settings["BOX_BASE_URL"] == served.url
    me = sdk_client(served.url, settings["BOX_DEVELOPER_TOKEN"]).users.get_user_me()
    assert me.login == "svc-reconciler@studio.example"  # the account that owns the deliveries


def test_a_killed_server_restarts_with_every_change_kept(
    serve: Callable[..., Served], tmp_path: Path
) -> None:
    state_file = tmp_path / "box.json"
    first = serve("--state", str(state_file))
    client = sdk_client(first.url)
    made = [
        client.folders.create_folder(f"delivery-{i}", CreateFolderParent(id="0")).id
        for i in range(3)
    ]
    first.kill()
    second = serve("--state", str(state_file))
    listed = sdk_client(second.url).folders.get_folder_items("0").entries
    assert [e.id for e in listed] == made
    again = sdk_client(second.url).folders.create_folder("delivery-3", CreateFolderParent(id="0"))
    assert again.id not in made


def test_serve_starts_from_a_seed_file(serve: Callable[..., Served], tmp_path: Path) -> None:
    seed = tmp_path / "studio.yaml"
    seed.write_text(yaml.safe_dump(studio_seed()))
    served = serve("--seed", str(seed))
    assert sdk_client(served.url, "bob").users.get_user_me().id == "20001"


def run_serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_bad_seed_file_exits_3_naming_file_and_problem(tmp_path: Path) -> None:
    seed = tmp_path / "bad.yaml"
    seed.write_text(
        yaml.safe_dump({"users": [{"id": "1", "login": "a@b.example", "colour": "red"}]})
    )
    result = run_serve("--seed", str(seed))
    assert result.returncode == 3
    assert "bad.yaml" in result.stderr and "colour" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_seed_file_exits_3(tmp_path: Path) -> None:
    result = run_serve("--seed", str(tmp_path / "nope.yaml"))
    assert result.returncode == 3 and "nope.yaml" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_corrupt_state_file_exits_3(tmp_path: Path) -> None:
    state_file = tmp_path / "box.json"
    state_file.write_text("{half a docu")
    result = run_serve("--state", str(state_file))
    assert result.returncode == 3 and "box.json" in result.stderr
    assert "Traceback" not in result.stderr


def test_seeded_sandboxes_answer_through_the_sdk(sandbox_factory: Callable[..., Sandbox]) -> None:
    box = sandbox_factory(full_seed())
    client = sdk_client(box.base_url)
    assert client.users.get_user_me().id == "100500"
    assert [e.name for e in client.folders.get_folder_items("0").entries] == ["Deliveries"]


def test_admin_token_with_a_seed_guards_the_control_plane(
    serve: Callable[..., Served], tmp_path: Path
) -> None:
    seed = tmp_path / "studio.yaml"
    seed.write_text(yaml.safe_dump(studio_seed()))
    served = serve("--seed", str(seed), "--admin-token", "c0ntrol")

    def state(token: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        return requests.get(f"{served.url}/_sandbox/state", headers=headers, timeout=10).status_code

    assert (state("wrong"), state("c0ntrol")) == (401, 200)
    assert sdk_client(served.url, "bob").users.get_user_me().id == "20001"
