"""The billing receiver the README prints (examples/billing/receiver.py), run as printed against
``reconcile notify``: it verifies with the standardwebhooks library, refuses a tampered body,
does not act twice on an id it saw before its own restart, and starts billing once per file
when two approvers must both approve (``all_assignees``)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest

from reconciler.box.people import Person
from tests.integration.conftest import ACME_FOLDER, Studio
from tests.integration.test_notify import NOTE, ledger_lines
from tests.integration.test_notify_channels import SECRET, notify, with_notify

standardwebhooks = pytest.importorskip("standardwebhooks")

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "billing" / "receiver.py"


def test_the_readme_prints_the_example_receiver_as_it_is() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"```py\n{EXAMPLE.read_text(encoding='utf-8')}```" in readme


class Running:
    """The example receiver in its own process, its output collected when it stops."""

    def __init__(self, port: int, db: Path) -> None:
        self.port = port
        self.process = subprocess.Popen(
            [sys.executable, str(EXAMPLE), str(port), str(db)],
            env={**os.environ, "BILLING_SECRET": SECRET},
            stdout=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                assert self.process.poll() is None, "the receiver exited"
                assert time.monotonic() < deadline, "the receiver did not start"
                time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/box"

    def post(self, body: bytes, msg_id: str, *, tamper: bool = False) -> int:
        signer = standardwebhooks.Webhook(SECRET)
        now = datetime.now(timezone.utc)
        headers = {
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signer.sign(msg_id, now, body),
            "Content-Type": "application/json",
        }
        sent = body.replace(b"rejected", b"approved") if tamper else body
        request = urllib.request.Request(self.url, data=sent, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as refused:
            return int(refused.code)

    def stop(self) -> list[str]:
        self.process.terminate()
        out, _ = self.process.communicate(timeout=10)
        return out.splitlines()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_billing_starts_once_per_file_with_two_approvers_and_nothing_acts_twice(
    studio: Studio, tmp_path: Path
) -> None:
    port, db = free_port(), tmp_path / "billing.sqlite"
    receiver = Running(port, db)
    lines: list[str] = []
    try:
        billing = {"url": receiver.url, "secret_env": "BILLING_SECRET", "backoff_seconds": 0}
        with_notify(studio, {"jsonl": "decisions.jsonl"}, {"http": billing})
        assert studio.apply().code == 0  # the CMO has a Box account: assigned at once
        jane_token = studio.sign_up("jane.doe@acme.example")
        assert studio.apply().code == 0  # Jane accepted: assigned too
        cmo = Person(studio.box.base_url, "cmo-token")
        jane = Person(studio.box.base_url, jane_token)
        theirs = {f.id: a for f, a in jane.my_assignments(ACME_FOLDER)}
        mine = {f.id: a for f, a in cmo.my_assignments(ACME_FOLDER)}
        one, two, three = sorted(set(theirs) & set(mine))[:3]
        cmo.resolve(mine[one].id, "approved", "")
        assert notify(studio, BILLING_SECRET=SECRET).code == 0  # one of two: still to review
        jane.resolve(theirs[one].id, "approved", "")
        cmo.resolve(mine[two].id, "approved", "")
        jane.resolve(theirs[two].id, "approved", "")  # both in one read
        cmo.resolve(mine[three].id, "rejected", NOTE)
        assert notify(studio, BILLING_SECRET=SECRET).code == 0
        decisions = [d for d in ledger_lines(studio) if d["type"] == "decision"]
        rejection = next(d for d in decisions if d["decision"] == "rejected")
        body = json.dumps(rejection, sort_keys=True, ensure_ascii=False).encode("utf-8")
        assert receiver.post(body, rejection["id"], tamper=True) == 401
        lines += receiver.stop()
        receiver = Running(port, db)  # restarted: what it saw is in SQLite
        assert receiver.post(body, rejection["id"]) == 204
    finally:
        lines += receiver.stop()
    path = {d["file"]["id"]: d["file"]["path"] for d in decisions}
    billing_lines = sorted(line for line in lines if line.startswith("start billing:"))
    assert billing_lines == sorted(
        f"start billing: acme-spring-2026 {who} {path[f]} https://app.box.com/file/{f}"
        for f, who in (
            (one, "Jane.Doe@acme.example"),
            (two, max(d["client"] for d in decisions if d["file"]["id"] == two and d["billable"])),
        )
    )
    alerts = [line for line in lines if line.startswith("alert the team:")]
    assert alerts == [f"alert the team: acme-spring-2026 cmo@acme.example {path[three]} - {NOTE}"]
    assert f"already taken: {rejection['id']}" in lines
    assert sum(d["billable"] for d in decisions) == 2
    first = next(
        d for d in decisions if d["file"]["id"] == one and d["client"] != "Jane.Doe@acme.example"
    )
    assert (first["result"], first["billable"]) == ("to_review", False)
