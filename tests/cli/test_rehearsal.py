"""The rehearsal told through the real commands against a served sandbox: invite, sign up,
accept, review tasks, an approval and a rejection, and the status that follows."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HERO, SPOT = "1400000101", "1400000104"  # hero.jpg and spot-30s.mp4 in the Acme folder
PACKSHOT, ACME = "1400000102", "213534631621"  # packshot-01.jpg, and the Acme folder


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A `reconcile sandbox serve --seed sample` with a control-plane token, and the settings
    its banner announces."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOX_", "SANDBOX_"))}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reconciler",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--seed",
            "sample",
            "--admin-token",
            "rehearsal-admin",
        ],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        export = server.stderr.readline()
        settings = dict(w.split("=", 1) for w in export.split()[1:])
        shutil.copytree(REPO / "deliveries", tmp_path / "deliveries")
        shutil.copy(REPO / "reconcile.yaml", tmp_path / "reconcile.yaml")
        yield {
            **env,
            **settings,
            "SANDBOX_ADMIN_TOKEN": "rehearsal-admin",
            "NO_COLOR": "1",
            "CWD": str(tmp_path),
        }
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def reconcile(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        cwd=env["CWD"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_whole_story_ends_with_an_approval_a_rejection_and_their_status(
    served: dict[str, str],
) -> None:
    assert reconcile(served, "apply", "--yes").returncode == 0  # invitations go out

    signed = reconcile(served, "sandbox", "signup", "jane.doe@acme.example")
    assert signed.returncode == 0, signed.stderr
    assert re.search(r"Box user \d+ \(jane\.doe@acme\.example\) signed up", signed.stdout)
    assert "0 pending invitations" in signed.stdout  # accepted with the sign-up

    later = reconcile(served, "sandbox", "signup", "art@globex.example", "--no-accept")
    assert "1 pending invitation" in later.stdout
    accepted = reconcile(served, "sandbox", "accept", "art@globex.example")
    assert accepted.returncode == 0, accepted.stderr
    assert "  accepted  " in accepted.stdout and "0 pending invitations" in accepted.stdout

    tasks = reconcile(served, "apply", "--yes")  # review tasks follow the acceptances
    assert tasks.returncode == 0, tasks.stderr
    assert "0 waiting for acceptance, 0 failed" in tasks.stdout

    yes = reconcile(served, "sandbox", "review", "jane.doe@acme.example", HERO, "approve")
    assert (yes.returncode, yes.stdout.strip()) == (
        0,
        f"jane.doe@acme.example approved file 'hero.jpg' ({HERO})",
    )
    no = reconcile(
        served,
        "sandbox",
        "review",
        "jane.doe@acme.example",
        SPOT,
        "reject",
        "--message",
        "make the text larger",
    )
    assert no.returncode == 0, no.stderr
    assert "rejected file 'spot-30s.mp4' (1400000104): 'make the text larger'" in no.stdout
    again = reconcile(served, "sandbox", "review", "jane.doe@acme.example", SPOT, "approve")
    assert again.returncode == 3 and "no open review task on file 1400000104" in again.stderr

    said = reconcile(
        served, "sandbox", "comment", "jane.doe@acme.example", PACKSHOT, "make the logo larger"
    )
    assert said.returncode == 0, said.stderr
    assert f"commented on file {PACKSHOT}; it has 1 comment:" in said.stdout
    assert "jane.doe@acme.example: make the logo larger" in said.stdout

    table = reconcile(served, "status", "--files")
    assert table.returncode == 0, table.stderr
    assert "spot-30s.mp4  (acme-spring-2026, rejected by Jane.Doe@acme.example)" in table.stdout
    assert "  packshot-01.jpg  (unanswered)" in table.stdout
    assert re.search(r"Z  jane\.doe@acme\.example: make the logo larger", table.stdout)
    assert "1 file with unanswered client comments." in table.stdout
    rows = csv.DictReader(
        io.StringIO(reconcile(served, "status", "--format", "csv", "--files").stdout)
    )
    jane = {r["path"]: r for r in rows if r["client"] == "Jane.Doe@acme.example"}
    states = [jane[p]["state"] for p in ("hero.jpg", "spot-30s.mp4", "packshot-01.jpg")]
    assert states == ["approved", "rejected", "to_review"]
    assert jane["packshot-01.jpg"]["client_comments"].endswith(
        "jane.doe@acme.example: make the logo larger"
    )
    assert jane["packshot-01.jpg"]["unanswered_comments"] == "true"
    assert jane["hero.jpg"]["unanswered_comments"] == "false"


def test_a_studio_reply_answers_the_comment_and_a_new_file_waits_for_its_task(
    served: dict[str, str],
) -> None:
    reconcile(served, "apply", "--yes")
    reconcile(served, "sandbox", "signup", "jane.doe@acme.example")
    reconcile(served, "sandbox", "comment", "jane.doe@acme.example", PACKSHOT, "larger logo")
    asked = reconcile(served, "status", "--format", "json", "--files")
    assert json.loads(asked.stdout)["unanswered_comment_files"] == 1
    studio = reconcile(
        served, "sandbox", "comment", "svc-reconciler@studio.example", PACKSHOT, "v2"
    )
    assert studio.returncode == 0, studio.stderr
    assert "it has 2 comments:" in studio.stdout

    added = reconcile(served, "sandbox", "upload", ACME, "packshot-03.jpg")
    assert added.returncode == 0, added.stderr
    assert re.search(r"uploaded file 'packshot-03\.jpg' \(\d+\) into folder " + ACME, added.stdout)
    doc = json.loads(reconcile(served, "status", "--format", "json", "--files").stdout)
    assert doc["unanswered_comment_files"] == 0
    files = {
        f["path"]: f
        for d in doc["deliveries"]
        for c in d["clients"]
        if c["client"] == "Jane.Doe@acme.example"
        for f in c.get("files", [])
    }
    assert files["packshot-03.jpg"]["state"] == "not_assigned"
    assert [c["message"] for c in files["packshot-01.jpg"]["comments"]] == ["larger logo"]
    assert files["packshot-01.jpg"]["unanswered_comments"] is False


def test_an_unknown_person_is_named(served: dict[str, str]) -> None:
    done = reconcile(served, "sandbox", "accept", "nobody@acme.example")
    assert done.returncode == 3
    assert "nobody@acme.example has no Box account in the sandbox" in done.stderr


def test_without_the_control_planes_token_the_error_names_the_variable(
    served: dict[str, str],
) -> None:
    env = {k: v for k, v in served.items() if k != "SANDBOX_ADMIN_TOKEN"}
    done = reconcile(env, "sandbox", "signup", "jane.doe@acme.example")

    assert done.returncode == 1
    assert "401" in done.stderr and "export SANDBOX_ADMIN_TOKEN=" in done.stderr
