"""``reconcile doctor`` against the sample studio in a sandbox, through the real command and SDK:
every check printed with its verdict, JSON that parses, and the failures a studio meets on day
one (an account that does not own the folders, no enterprise rights, a skewed clock, bad
credentials) each named with its fix and exit 1."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import socket
from collections.abc import Callable
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from box_sdk_gen import (
    CreateCollaborationAccessibleBy,
    CreateCollaborationAccessibleByTypeField,
    CreateCollaborationItem,
    CreateCollaborationItemTypeField,
    CreateCollaborationRole,
    CreateFolderParent,
)

from reconciler.cli.app import run
from reconciler.doctor.checks import TITLES
from reconciler.sandbox.server import Sandbox
from tests.integration.conftest import SERVICE_ACCOUNT, Result, Studio, open_studio

GLOBEX = "deliveries/globex/lookbook.yaml"
MAYA = "10002"  # a studio user who is no admin
SYMBOLS = {"ok": "✔", "fail": "✘", "unknown": "?"}


@pytest.fixture
def studio(sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> Studio:
    return open_studio(sandbox_factory, tmp_path)


def lines(result: Result) -> dict[str, str]:
    """Each check's line of the text output, by title (the fix is the line after, if any)."""
    found = {}
    for line in result.out.splitlines():
        match = re.match(r"^([✔✘?]) (.+?): ", line)
        if match and match.group(2) in TITLES.values():
            found[match.group(2)] = line
    return found


def verdicts(studio: Studio, *args: str) -> tuple[int, dict[str, dict[str, Any]]]:
    result = studio.cli("doctor", "--format", "json", *args)
    document = json.loads(result.out)
    return result.code, {c["id"]: c for c in document["checks"]}


def set_stream_type(studio: Studio, stream_type: str) -> None:
    studio.edit("reconcile.yaml", lambda doc: doc.update(watch={"stream_type": stream_type}))


def test_every_check_is_printed_and_nothing_fails_for_the_owning_admin(studio: Studio) -> None:
    assert studio.apply().code == 0  # review tasks now exist on the delivered files

    result = studio.cli("doctor")

    assert result.code == 0, result.text
    printed = lines(result)
    assert list(printed) == list(TITLES.values())
    for title in ("Credentials and account", "Enterprise event stream", "Managing webhooks"):
        assert printed[title].startswith("✔"), printed[title]
    assert "svc-reconciler@studio.example" in printed["Credentials and account"]
    assert "Northlight Studio (900001)" in printed["Credentials and account"]
    assert printed["Ownership of the delivered items"].startswith("✔")
    assert printed["Long-poll server reachable"].startswith("✔")
    assert printed["Clock against Box's"].startswith("✔")
    assert "0 of Box's 1,000" in printed["Webhooks against Box's limit"]
    assert "admin_logs_streaming" in printed["Recommended watch.stream_type"]
    assert "nothing failed" in result.out
    assert "Writes nothing" not in result.err


def test_json_parses_and_names_every_check_in_order(studio: Studio) -> None:
    result = studio.cli("doctor", "--format", "json")

    assert result.code == 0, result.text
    document = json.loads(result.out)
    assert document["version"] == 1
    assert document["ok"] is True
    assert [c["id"] for c in document["checks"]] == list(TITLES)
    for check in document["checks"]:
        assert check["symbol"] == SYMBOLS[check["verdict"]]
        assert check["detail"]
    assert document["recommended_stream_type"] == "admin_logs_streaming"
    assert document["configured_stream_type"] == "all"  # the default
    credentials = document["checks"][0]["facts"]
    assert (credentials["id"], credentials["role"]) == (SERVICE_ACCOUNT, "admin")


def test_doctor_writes_nothing_to_box(studio: Studio) -> None:
    studio.control("DELETE", "requests")

    studio.cli("doctor")

    methods = {(r["method"], r["path"].split("?")[0]) for r in studio.requests()}
    assert {m for m, _ in methods} <= {"GET", "OPTIONS"}, methods


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_long_poll_server_fails_with_the_fix(studio: Studio) -> None:
    port = closed_port()
    studio.control("PUT", "events", {"realtime_url": f"http://127.0.0.1:{port}/subscribe"})

    result = studio.cli("doctor")

    assert result.code == 1, result.text
    line = lines(result)["Long-poll server reachable"]
    assert line.startswith("✘"), line
    assert f"127.0.0.1:{port}" in line and "not reachable from this host" in line
    fix = result.out.splitlines()[result.out.splitlines().index(line) + 1]
    assert "open egress" in fix and "admin_logs_streaming" in fix and "--listen" in fix
    assert lines(result)["Recommended watch.stream_type"].startswith("✘")


def test_an_unreachable_long_poll_server_is_no_failure_without_a_long_polled_stream(
    studio: Studio,
) -> None:
    studio.control("PUT", "events", {"realtime_url": f"http://127.0.0.1:{closed_port()}/"})
    set_stream_type(studio, "none")

    code, checks = verdicts(studio)

    assert code == 0
    assert checks["long_poll"]["verdict"] == "ok"
    assert checks["long_poll"]["facts"]["reachable"] is False


def folder_owned_by_maya(studio: Studio) -> str:
    """Maya makes a folder of her own and shares it with the service account as an editor."""
    maya = studio.client("maya-token")
    folder = maya.folders.create_folder("Maya's own delivery", CreateFolderParent(id="0"))
    maya.user_collaborations.create_collaboration(
        CreateCollaborationItem(type=CreateCollaborationItemTypeField.FOLDER, id=folder.id),
        CreateCollaborationAccessibleBy(
            type=CreateCollaborationAccessibleByTypeField.USER, id=SERVICE_ACCOUNT
        ),
        CreateCollaborationRole.EDITOR,
    )
    return str(folder.id)


def test_a_folder_the_account_does_not_own_fails_ownership_on_the_changes_stream(
    studio: Studio,
) -> None:
    folder_id = folder_owned_by_maya(studio)
    studio.edit(GLOBEX, lambda doc: doc.update(folders=[folder_id]))
    set_stream_type(studio, "changes")

    result = studio.cli("doctor")

    assert result.code == 1, result.text
    line = lines(result)["Ownership of the delivered items"]
    assert line.startswith("✘"), line
    assert f"folder {folder_id}" in line and "maya@studio.example" in line
    assert f"{GLOBEX}:" in line  # where the manifest names it
    assert "watch.stream_type: changes" in line
    fix = result.out.splitlines()[result.out.splitlines().index(line) + 1]
    assert fix.strip().startswith("fix:")
    assert f"--as-user {MAYA}" in fix and "admin_logs_streaming" in fix and "--listen" in fix
    assert lines(result)["Recommended watch.stream_type"].startswith("✘")


def test_on_the_enterprise_stream_a_folder_owned_by_another_is_no_failure(
    studio: Studio,
) -> None:
    folder_id = folder_owned_by_maya(studio)
    studio.edit(GLOBEX, lambda doc: doc.update(folders=[folder_id]))
    set_stream_type(studio, "admin_logs_streaming")

    code, checks = verdicts(studio)

    assert code == 0
    assert checks["ownership"]["verdict"] == "unknown"
    assert checks["ownership"]["facts"]["not_owned"][0]["owner_id"] == MAYA
    assert checks["stream_type"]["verdict"] == "ok"


def test_an_account_without_enterprise_rights_is_told_the_role_and_scope(studio: Studio) -> None:
    result = studio.cli("doctor", "--as-user", MAYA)

    assert result.code == 1
    printed = lines(result)
    assert printed["Enterprise event stream"].startswith("✘")
    assert "status 403" in printed["Enterprise event stream"]
    assert "admin account" in result.out and "Manage enterprise properties" in result.out
    assert printed["The enterprise stream's empty page"].startswith("?")
    assert "maya@studio.example" in printed["Credentials and account"]


def test_a_clock_far_from_boxs_fails_with_ntp_as_the_fix(studio: Studio) -> None:
    studio.control("PUT", "clock", {"advance_seconds": 300})

    code, checks = verdicts(studio)

    assert code == 1
    clock = checks["clock"]
    assert clock["verdict"] == "fail"
    assert clock["facts"]["skew_seconds"] <= -299
    assert "behind Box's" in clock["detail"]
    assert "NTP" in clock["fix"]


def test_credentials_box_refuses_fail_the_first_check_and_stop_the_others(
    studio: Studio,
) -> None:
    result = studio.run("doctor", env={"BOX_DEVELOPER_TOKEN": "not-a-token-5e1f"})

    assert result.code == 1, result.text
    printed = lines(result)
    assert printed["Credentials and account"].startswith("✘")
    assert "BOX_DEVELOPER_TOKEN" in result.out
    assert all(
        line.startswith("?") for t, line in printed.items() if t != "Credentials and account"
    )
    assert "Traceback" not in result.err


def test_invalid_manifests_exit_3(studio: Studio) -> None:
    studio.path(GLOBEX).write_text("version: 1\nname: [not, a, name]\n", encoding="utf-8")

    result = studio.cli("doctor")

    assert result.code == 3
    assert GLOBEX in result.err


@pytest.mark.parametrize("before", ["no deliveries folder", "an empty deliveries folder"])
def test_a_repository_without_manifests_yet_has_its_account_checked(
    studio: Studio, before: str
) -> None:
    shutil.rmtree(studio.path("deliveries"))
    if before == "an empty deliveries folder":
        studio.path("deliveries").mkdir()

    result = studio.cli("doctor")

    assert result.code == 0, result.text
    assert "No manifests under deliveries/ yet: checking the account alone." in result.err
    printed = lines(result)
    assert list(printed) == list(TITLES.values())
    assert printed["Credentials and account"].startswith("✔")
    assert printed["Enterprise event stream"].startswith("✔")
    assert printed["Ownership of the delivered items"].startswith("?")
    assert "no folder or file" in printed["Ownership of the delivered items"]


def test_without_manifests_an_invalid_config_or_a_named_path_still_exit_3(studio: Studio) -> None:
    shutil.rmtree(studio.path("deliveries"))

    named = studio.cli("doctor", "deliveries")
    studio.path("reconcile.yaml").write_text("policy: [not, a, mapping]\n", encoding="utf-8")
    config = studio.cli("doctor")

    assert named.code == 3 and "no such file or directory: deliveries" in named.err
    assert config.code == 3 and "reconcile.yaml:1" in config.err, config.text


def help_examples() -> list[list[str]]:
    """The ``reconcile doctor`` lines of the command's own help."""
    out = StringIO()
    with redirect_stdout(out):
        assert run(["doctor", "--help"]) == 0
    return [
        shlex.split(line.split("#")[0])[1:]
        for line in out.getvalue().splitlines()
        if line.strip().startswith("reconcile doctor")
    ]


def test_the_help_examples_run_against_the_sample_studio(studio: Studio) -> None:
    examples = help_examples()
    assert len(examples) >= 3
    for args in examples:
        result = studio.cli(*args)
        expected = 1 if "--as-user" in args else 0
        assert result.code == expected, (args, result.text)
        assert lines(result) or json.loads(result.out)


def test_a_mini_task_listing_shows_both_answers_and_says_the_client_asks_for_fields(
    studio: Studio,
) -> None:
    studio.control("PUT", "quirks", {"task_listing": "mini"})
    assert studio.apply().code == 0

    code, checks = verdicts(studio)

    assert code == 0
    listing = checks["task_listing"]
    assert listing["verdict"] == "ok"
    assert listing["facts"]["mini"] is True
    assert set(listing["facts"]["keys_without_fields"]) == {"type", "id", "item", "due_at"}
    assert {"action", "created_by", "task_assignment_collection", "is_completed"} <= set(
        listing["facts"]["keys_with_fields"]
    )
    assert "mini task" in listing["detail"]
    assert "the client asks for fields" in listing["detail"]


def test_a_full_task_listing_shows_no_difference(studio: Studio) -> None:
    studio.control("PUT", "quirks", {"task_listing": "full"})
    assert studio.apply().code == 0

    result = studio.cli("doctor")

    assert result.code == 0
    line = lines(result)["Task listings with and without fields"]
    assert line.startswith("✔") and "no difference with fields" in line
    assert "mini" not in line


def test_without_a_task_the_listing_check_cannot_tell(studio: Studio) -> None:
    code, checks = verdicts(studio)

    assert code == 0
    assert checks["task_listing"]["verdict"] == "unknown"
    assert "no file with a task" in checks["task_listing"]["detail"]


@pytest.mark.parametrize(
    ("reading", "position_is_zero"), [("zero", True), ("latest", False)], ids=["zero", "latest"]
)
def test_the_enterprise_streams_empty_page_says_what_position_it_carries(
    studio: Studio, reading: str, position_is_zero: bool
) -> None:
    assert studio.apply().code == 0  # events, so the latest position is not 0
    studio.control("PUT", "quirks", {"empty_page_position": reading})

    code, checks = verdicts(studio)

    assert code == 0
    page = checks["empty_page"]
    assert page["verdict"] == "ok"
    assert page["facts"]["keeps_position"] is position_is_zero
    assert (str(page["facts"]["next_stream_position"]) == "0") is position_is_zero
    if position_is_zero:
        assert "the client keeps its position" in page["detail"]
