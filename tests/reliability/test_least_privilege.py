"""Least privilege and no secrets in the open: a command sink gets a minimal environment, and a
password in a URL (an http sink's, ``BOX_BASE_URL``'s) is neither logged nor stored."""

from __future__ import annotations

import json
import socket
import sys
from typing import Any

from tests.integration.conftest import Studio
from tests.integration.watching import reject
from tests.receiver import Receiver

SECRETS = {
    "BILLING_SECRET": "billing-secret-0a1b",
    "GITHUB_TOKEN": "ghs-secret-2c3d",
    "RECONCILE_GITLAB_TOKEN": "glpat-secret-4e5f",
    "BOX_WEBHOOK_PRIMARY_KEY": "primary-secret-6a7b",
    "BOX_WEBHOOK_SECONDARY_KEY": "secondary-secret-8c9d",
    "SLACK_WEBHOOK_URL": "https://hooks.example/secret-0e1f",
}


def test_a_command_sink_gets_none_of_the_secrets(studio: Studio) -> None:
    dump = studio.path("env.json")
    script = f"import json, os; open({str(dump)!r}, 'w').write(json.dumps(dict(os.environ)))"

    def sinks(doc: dict[str, Any]) -> None:
        doc["notify"] = [{"command": [sys.executable, "-c", script]}]

    studio.edit("reconcile.yaml", sinks)
    assert studio.apply().code == 0
    reject(studio, "cmo-token")

    done = studio.run("notify", "--state-dir", "state", env=SECRETS)

    assert done.code == 0, done.err
    env = json.loads(dump.read_text(encoding="utf-8"))
    held = [name for name, value in env.items() if value in {*SECRETS.values(), studio.token}]
    assert held == []
    assert env["RECONCILE_NOTICE_ID"] and env.get("PATH")


def test_a_command_sink_is_given_what_its_env_list_names_and_nothing_else(studio: Studio) -> None:
    dump = studio.path("env.json")
    script = f"import json, os; open({str(dump)!r}, 'w').write(json.dumps(dict(os.environ)))"

    def sinks(doc: dict[str, Any]) -> None:
        doc["notify"] = [{"command": [sys.executable, "-c", script], "env": ["SLACK_WEBHOOK_URL"]}]

    studio.edit("reconcile.yaml", sinks)
    assert studio.apply().code == 0
    reject(studio, "cmo-token")

    done = studio.run("notify", "--state-dir", "state", env=SECRETS)

    assert done.code == 0, done.err
    env = json.loads(dump.read_text(encoding="utf-8"))
    assert env["SLACK_WEBHOOK_URL"] == SECRETS["SLACK_WEBHOOK_URL"]
    assert "BILLING_SECRET" not in env and "GITHUB_TOKEN" not in env


PASSWORD = "hunter2-pass-9f8e"


def test_a_password_in_a_sink_url_is_neither_logged_nor_stored(studio: Studio) -> None:
    receiver = Receiver(answers=[500] * 50)
    try:

        def sinks(doc: dict[str, Any]) -> None:
            url = receiver.url.replace("http://", f"http://billing:{PASSWORD}@")
            doc["notify"] = [{"http": {"url": url, "secret_env": "BILLING_SECRET", "retries": 0}}]

        studio.edit("reconcile.yaml", sinks)
        assert studio.apply().code == 0
        reject(studio, "cmo-token")
        done = studio.run("notify", "--state-dir", "state", env={"BILLING_SECRET": "s3"})
    finally:
        receiver.stop()

    assert done.code == 1 and "still owed" in done.err  # the receiver refused: owed, and said
    assert PASSWORD not in done.text
    for path in studio.path("state").iterdir():
        assert PASSWORD.encode() not in path.read_bytes(), path.name


def test_a_password_in_box_base_url_is_not_echoed(studio: Studio) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    done = studio.run("plan", env={"BOX_BASE_URL": f"http://admin:{PASSWORD}@127.0.0.1:{port}"})

    assert done.code != 0
    assert "could not reach Box" in done.err or "Box" in done.err
    assert PASSWORD not in done.text
