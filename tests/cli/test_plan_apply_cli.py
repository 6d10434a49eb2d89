"""``reconcile plan`` and ``reconcile apply`` as a user runs them: every exit code of the
contract, confirmation off a terminal, the journal, the JSON plan, and no token in any output."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.sandbox.server import Sandbox
from tests.integration.conftest import ACME_FOLDER, INITECH_FILE, Studio, open_studio
from tests.integration.test_plan_apply import invite_behind_our_back


@pytest.fixture
def studio(sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> Studio:
    return open_studio(sandbox_factory, tmp_path)


# --- exit codes ----------------------------------------------------------------------------


def test_plan_exits_0_and_2_with_detailed_exitcode(studio: Studio) -> None:
    plain = studio.run("plan")
    detailed = studio.run("plan", "--detailed-exitcode")

    assert plain.code == 0, plain.text
    assert detailed.code == 2
    assert detailed.out == plain.out
    assert "Plan: " in plain.out


def test_bad_token_exits_1_without_printing_it(studio: Studio) -> None:
    bad = "tok-not-a-real-one-5f3a9c"
    result = studio.run("-v", "plan", env={"BOX_DEVELOPER_TOKEN": bad})

    assert result.code == 1
    assert "Box refused the credentials" in result.err
    assert bad not in result.text
    assert result.out == ""


def test_a_missing_folder_fails_its_delivery_and_the_other_two_carry_on(studio: Studio) -> None:
    studio.edit("deliveries/globex/lookbook.yaml", lambda doc: doc.update(folders=["999999999999"]))
    named = "deliveries/globex/lookbook.yaml:"
    says = "folder 999999999999 was not found"

    plan = studio.run("plan")

    assert plan.code == 1, plan.text
    assert named in plan.err and says in plan.err
    assert "delivery globex-lookbook is left out of this run" in plan.err
    assert "every other delivery was planned" in plan.err
    assert "acme-spring-2026" in plan.out and "initech-stills" in plan.out
    assert "globex-lookbook" not in plan.out

    apply = studio.run("apply", "--yes")

    assert apply.code == 5, apply.text
    assert named in apply.err and "every other delivery was applied" in apply.err
    assert studio.collaborations(INITECH_FILE)  # the other deliveries were applied
    assert studio.collaborations(ACME_FOLDER)

    status = studio.run("status", "--format", "csv")

    assert status.code == 1, status.text
    assert named in status.err
    deliveries = {row.split(",")[0] for row in status.out.splitlines()[1:]}
    assert deliveries == {"acme-spring-2026", "initech-stills"}


CLIENT_CREDENTIALS = {
    "BOX_DEVELOPER_TOKEN": "",
    "BOX_CLIENT_ID": "reconciler-app",
    "BOX_CLIENT_SECRET": "secret-4b1d",
    "BOX_ENTERPRISE_ID": "900001",
}


@pytest.mark.parametrize(
    "credentials",
    [pytest.param({}, id="developer token"), pytest.param(CLIENT_CREDENTIALS, id="client creds")],
)
def test_unreachable_box_exits_1(studio: Studio, credentials: dict[str, str]) -> None:
    """Not "Box refused the credentials": nothing answered (the token URL must not fool us)."""
    result = studio.run("plan", env={"BOX_BASE_URL": "http://127.0.0.1:9", **credentials})

    assert result.code == 1
    assert "could not reach Box at http://127.0.0.1:9" in result.err
    assert "Traceback" not in result.err
    assert "secret-4b1d" not in result.text


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        pytest.param(["plan", "--format", "yaml"], {}, "yaml", id="bad flag value"),
        pytest.param(["apply", "--no-such-flag"], {}, "--no-such-flag", id="unknown flag"),
        pytest.param(["plan"], {"BOX_DEVELOPER_TOKEN": ""}, "BOX_DEVELOPER_TOKEN", id="no creds"),
        pytest.param(
            ["plan"],
            {"BOX_BASE_URL": "127.0.0.1:8080"},
            "BOX_BASE_URL='127.0.0.1:8080' is not a URL: it must start with http:// or https://",
            id="base url without scheme",
        ),
        pytest.param(
            ["status"],
            {"BOX_BASE_URL": "http://127.0.0.1:8080", "BOX_DEVELOPER_TOKEN": ""},
            "for a sandbox, set BOX_DEVELOPER_TOKEN to one of its tokens",
            id="sandbox url without token",
        ),
        pytest.param(["apply", "--plan", "gone.json"], {}, "gone.json", id="no saved plan"),
        pytest.param(["plan", "--out", "no/dir/plan.json"], {}, "no/dir", id="unwritable out"),
        pytest.param(
            ["plan"], {"BOX_RETRY_BASE_INTERVAL": "soon"}, "BOX_RETRY_BASE_INTERVAL", id="bad env"
        ),
    ],
)
def test_usage_and_credential_problems_exit_3(
    studio: Studio, args: list[str], env: dict[str, str], says: str
) -> None:
    result = studio.run(*args, env=env)

    assert result.code == 3, result.text
    assert says in result.err


def test_invalid_manifest_exits_3_before_reaching_box(studio: Studio) -> None:
    manifest = studio.path("deliveries/initech/stills.yaml")
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("role: viewer", "role: veiwer"),
        encoding="utf-8",
    )

    result = studio.run("apply", "--yes")

    assert result.code == 3
    assert "deliveries/initech/stills.yaml:" in result.err
    assert "veiwer" in result.err
    assert studio.requests() == []


def test_stale_saved_plan_exits_4(studio: Studio) -> None:
    assert studio.run("plan", "--out", "plan.json").code == 0
    invite_behind_our_back(studio, INITECH_FILE, "buyer@initech.example")

    result = studio.run("apply", "--plan", "plan.json")

    assert result.code == 4
    assert "no longer planned" in result.err and "buyer@initech.example" in result.err
    assert [r for r in studio.requests() if r["method"] != "GET"] == [
        {**r, "method": "POST"} for r in studio.requests() if r["method"] == "POST"
    ][:1]  # only the invitation made behind the reconciler's back


def test_partial_failure_exits_5_and_reports_each_failure(studio: Studio) -> None:
    studio.control("DELETE", "requests")
    assert studio.run("plan").code == 0
    reads = len(studio.requests())
    # Box lets the reads and two writes through this minute, then answers 429 to every call.
    studio.faults(rate_limit_per_minute=reads + 2, retry_after=0)

    result = studio.run("apply", "--yes", "--journal", "run.jsonl")

    assert result.code == 5, result.text
    failed = [line for line in result.out.splitlines() if line.lstrip().startswith("✗")]
    assert failed and all("rate_limit_exceeded" in line for line in failed)
    assert "changes failed" in result.err
    done = [json.loads(line) for line in studio.path("run.jsonl").read_text().splitlines()]
    assert sum(1 for d in done if d["outcome"] == "failed") == len(failed)
    studio.no_faults()
    assert studio.run("apply", "--yes").code == 0
    assert studio.run("plan", "--detailed-exitcode").code == 0


# --- confirmation, journal, JSON -----------------------------------------------------------


def test_apply_off_a_terminal_needs_yes(studio: Studio) -> None:
    result = studio.run("apply", stdin="yes\n")

    assert result.code == 3
    assert "--yes" in result.err and "--plan" in result.err
    assert [r for r in studio.requests() if r["method"] != "GET"] == []


def test_journal_has_one_json_line_per_change_with_its_outcome(studio: Studio) -> None:
    planned = json.loads(studio.run("plan", "--format", "json").out)
    executable = {c["id"] for c in planned["changes"] if c["action"] in ("add", "change", "remove")}

    result = studio.run("apply", "--yes", "--journal", "run.jsonl")

    assert result.code == 0, result.text
    lines = studio.path("run.jsonl").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert sorted(e["change"] for e in entries) == sorted(executable)
    assert {e["outcome"] for e in entries} == {"applied", "waiting"}
    invite = next(e for e in entries if e["item"]["id"] == INITECH_FILE)
    assert invite["box_ids"]["collaboration_id"]
    assert {"time", "action", "kind", "delivery", "principal", "status", "request_id"} <= set(
        invite
    )
    journal_text = "\n".join(lines)
    assert all(secret not in journal_text for secret in studio.secrets)


def test_journal_that_cannot_be_written_exits_3(studio: Studio) -> None:
    result = studio.run("apply", "--yes", "--journal", "no/such/dir/run.jsonl")

    assert result.code == 3
    assert "--journal no/such/dir/run.jsonl" in result.err
    assert [r for r in studio.requests() if r["method"] != "GET"] == []


def test_plan_json_carries_version_checksum_summary_and_changes(studio: Studio) -> None:
    result = studio.run("plan", "--format", "json", "--out", "saved.json")

    assert result.code == 0
    plan = json.loads(result.out)
    assert plan["format_version"] == 1
    assert len(plan["checksum"]) == 64
    assert plan["summary"]["to_add"] == sum(1 for c in plan["changes"] if c["action"] == "add")
    first = plan["changes"][0]
    assert {"delivery", "item", "principal", "before", "after"} <= set(first)
    saved = json.loads(studio.path("saved.json").read_text(encoding="utf-8"))
    assert saved["checksum"] == plan["checksum"]


def test_plan_out_saves_the_bytes_plan_format_json_prints(studio: Studio) -> None:
    """One JSON writer: the saved plan is what ``--format json`` printed, byte for byte, with
    a non-ASCII folder name written as itself (no ``\\u`` escapes), and it still applies."""
    name = "Acme Été 2026 — 春"
    studio.client().folders.update_folder_by_id(ACME_FOLDER, name=name)

    printed = studio.run("plan", "--format", "json", "--out", "saved.json")

    assert printed.code == 0, printed.text
    saved = studio.path("saved.json").read_bytes()
    assert saved == printed.out.encode("utf-8")
    assert f'"name": "{name}"'.encode() in saved
    assert studio.run("apply", "--plan", "saved.json", "--yes").code == 0


def test_verbose_logs_never_carry_the_token(studio: Studio) -> None:
    result = studio.run("-v", "apply", "--yes")

    assert result.code == 0
    assert "DEBUG" in result.err  # the logs were on
    assert studio.token not in result.text


@pytest.mark.parametrize(("answer", "code"), [("yes", 0), ("no", 1)])
def test_apply_on_a_terminal_asks_and_takes_only_yes(
    studio: Studio, answer: str, code: int
) -> None:
    main_fd, terminal = pty.openpty()
    try:
        os.write(main_fd, f"{answer}\n".encode())
        done = subprocess.run(
            [sys.executable, "-m", "reconciler", "apply"],
            cwd=studio.workdir,
            env=studio.env,
            stdin=terminal,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.close(terminal)
        os.close(main_fd)

    assert done.returncode == code, done.stderr
    assert "Only 'yes' will be accepted" in done.stderr
    writes = [r for r in studio.requests() if r["method"] != "GET"]
    assert bool(writes) is (answer == "yes")
