"""Box webhooks end to end: ``reconcile webhooks plan|apply`` declaring them on the delivered
folders, and a running ``reconcile watch --listen`` acting on the sandbox's signed deliveries,
with and without the event stream, through key rotation, refusing forged, stale and replayed
deliveries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import signal
import socket
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.integration.conftest import ACME_FOLDER, CMO, Studio
from tests.integration.watching import (
    ACME_REVIEWED,
    Watch,
    assigned_files,
    configure,
    decisions,
    reject,
    wait_until,
)
from tests.receiver import Receiver

GLOBEX_FOLDER = "213534631700"
#: what Box takes (https on 443); the sandbox stores it and sends nothing off the machine
PUBLIC = "https://hooks.studio.example/box"
PRIMARY, SECONDARY = "sandbox-primary-key", "sandbox-secondary-key"
KEYS = {"BOX_WEBHOOK_PRIMARY_KEY": PRIMARY, "BOX_WEBHOOK_SECONDARY_KEY": SECONDARY}
DEFAULT_TRIGGERS = [
    "COLLABORATION.ACCEPTED",
    "COLLABORATION.REJECTED",
    "COMMENT.CREATED",
    "FILE.UPLOADED",
    "TASK_ASSIGNMENT.UPDATED",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def declare(studio: Studio, address: str, triggers: list[str] | None = None) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["webhooks"] = {"address": address, **({"triggers": triggers} if triggers else {})}

    studio.edit("reconcile.yaml", change)


def hooks(studio: Studio) -> dict[str, dict[str, Any]]:
    """The sandbox's webhooks by the folder they watch."""
    found: dict[str, dict[str, Any]] = {}
    for hook in studio.state()["webhooks"]:
        assert hook["target_id"] not in found, "two webhooks on one folder"
        found[hook["target_id"]] = hook
    return found


@pytest.fixture
def watching(studio: Studio) -> Iterator[list[Watch]]:
    started: list[Watch] = []
    yield started
    for watch in started:
        watch.stop(signal.SIGKILL)


class Listening:
    """A watcher with ``--listen`` on a port chosen up front (the declared address names it)."""

    def __init__(self, studio: Studio, watching: list[Watch], **watch_settings: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.studio, self.watching = studio, watching
        self.settings = watch_settings
        declare(studio, f"{self.url}/box")

    def start(self, keys: dict[str, str] = KEYS) -> Watch:
        watch = Watch(self.studio, "--listen", f"127.0.0.1:{self.port}", env=keys)
        self.watching.append(watch)
        watch.wait_for_log("full reconcile (start)")
        wait_until(lambda: self.health(), 30, "the health endpoint", watch)
        return watch

    def health(self) -> dict[str, Any] | None:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:
                return dict(json.loads(answer.read()))
        except OSError:
            return None

    def accepted(self) -> int:
        health = self.health() or {}
        return int((health.get("deliveries") or {}).get("accepted") or 0)

    def post(self, body: bytes, headers: dict[str, str]) -> int:
        request = urllib.request.Request(f"{self.url}/box", data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as refused:
            return int(refused.code)


def signed(body: bytes, *, key: str = PRIMARY, age: timedelta = timedelta(0)) -> dict[str, str]:
    """Headers as Box sends them, signed with ``key`` as the primary."""
    stamp = (datetime.now(timezone.utc) - age).replace(microsecond=0).isoformat()
    digest = hmac.new(key.encode(), body + stamp.encode(), hashlib.sha256).digest()
    return {
        "Content-Type": "application/json",
        "BOX-DELIVERY-ID": str(uuid.uuid4()),
        "BOX-DELIVERY-TIMESTAMP": stamp,
        "BOX-SIGNATURE-PRIMARY": base64.b64encode(digest).decode(),
        "BOX-SIGNATURE-SECONDARY": "not-it",
        "BOX-SIGNATURE-VERSION": "1",
        "BOX-SIGNATURE-ALGORITHM": "HmacSHA256",
    }


def acceptance_payload() -> bytes:
    return json.dumps(
        {
            "type": "webhook_event",
            "id": str(uuid.uuid4()),
            "trigger": "COLLABORATION.ACCEPTED",
            "webhook": {"id": "1", "type": "webhook"},
            "source": {
                "type": "collaboration",
                "id": "9",
                "item": {"type": "folder", "id": ACME_FOLDER},
            },
        }
    ).encode()


# --- declared webhooks ---------------------------------------------------------------------


def test_webhooks_apply_twice_leaves_one_per_folder_changed_in_place(studio: Studio) -> None:
    declare(studio, PUBLIC)
    planned = studio.cli("webhooks", "plan")
    assert planned.code == 0, planned.text
    assert "Plan: 2 changes to add, 0 to change, 0 to remove" in planned.out
    first = studio.cli("webhooks", "apply", "--yes")
    assert first.code == 0, first.text
    made = hooks(studio)
    assert set(made) == {ACME_FOLDER, GLOBEX_FOLDER}
    assert all(sorted(h["triggers"]) == DEFAULT_TRIGGERS for h in made.values())
    again = studio.cli("webhooks", "apply", "--yes")
    assert again.code == 0 and "No changes" in again.out, again.text
    assert hooks(studio) == made

    declare(studio, PUBLIC, ["FILE.UPLOADED", "TASK_ASSIGNMENT.UPDATED"])
    changed = studio.cli("webhooks", "apply", "--yes")
    assert changed.code == 0 and "0 changes to add, 2 to change, 0 to remove" in changed.out, (
        changed.text
    )
    now = hooks(studio)
    assert {f: h["id"] for f, h in now.items()} == {f: h["id"] for f, h in made.items()}
    assert all(h["triggers"] == ["FILE.UPLOADED", "TASK_ASSIGNMENT.UPDATED"] for h in now.values())


def test_the_webhook_of_an_ended_delivery_is_removed(studio: Studio) -> None:
    declare(studio, PUBLIC)
    assert studio.cli("webhooks", "apply", "--yes").code == 0
    studio.path("deliveries/globex/lookbook.yaml").unlink()
    ended = studio.cli("webhooks", "apply", "--yes")
    assert ended.code == 0 and "0 changes to add, 0 to change, 1 to remove" in ended.out, ended.text
    assert set(hooks(studio)) == {ACME_FOLDER}


def test_a_plain_http_address_off_this_machine_is_refused_where_it_is_written(
    studio: Studio,
) -> None:
    declare(studio, "http://hooks.studio.example/box")
    refused = studio.cli("webhooks", "plan")
    assert refused.code == 3
    assert "reconcile.yaml:" in refused.err and "https://" in refused.err


# --- deliveries at watch --listen ----------------------------------------------------------


def test_an_acceptance_and_a_decision_by_webhook_alone(
    studio: Studio, watching: list[Watch]
) -> None:
    configure(studio, stream_type="none", review_poll_minutes=600)
    listening = Listening(studio, watching)
    watch = listening.start()
    wait_until(lambda: ACME_FOLDER in hooks(studio) or None, 30, "the declared webhook", watch)
    jane_token = studio.sign_up("jane.doe@acme.example")  # COLLABORATION.ACCEPTED
    jane = next(u["id"] for u in studio.state()["users"] if u["login"] == "jane.doe@acme.example")
    wait_until(
        lambda: assigned_files(studio, jane) == ACME_REVIEWED or None, 30, "Jane's tasks", watch
    )
    file_id = reject(studio, jane_token)  # TASK_ASSIGNMENT.UPDATED
    ledger = studio.path("decisions.jsonl")
    found = wait_until(lambda: decisions(ledger), 30, "the decision in the ledger", watch)
    assert [(d["file"]["id"], d["decision"]) for d in found] == [(file_id, "rejected")]
    assert "following no event stream" in watch.log
    assert "review poll" not in watch.log
    assert listening.accepted() >= 2
    assert watch.stop() == 0


def test_forged_stale_and_replayed_deliveries_change_nothing(
    studio: Studio, watching: list[Watch]
) -> None:
    configure(studio, stream_type="none", review_poll_minutes=600)
    listening = Listening(studio, watching)
    watch = listening.start()
    body = acceptance_payload()
    assert listening.post(body, signed(body, key="a-guess")) == 403
    assert listening.post(body, signed(body, age=timedelta(minutes=11))) == 403
    assert listening.post(body, signed(body, age=-timedelta(minutes=2))) == 403
    assert listening.post(body.replace(b"ACCEPTED", b"REJECTED"), signed(body)) == 403
    assert ": touched by" not in watch.log
    good = signed(body)
    assert listening.post(body, good) == 200
    watch.wait_for_log("reconciling acme-spring-2026: touched by")
    assert listening.post(body, good) == 200  # Box retries: taken, no effect
    assert listening.post(body, signed(body)) == 200
    assert watch.stop() == 0
    assert watch.log.count(": touched by") == 1, watch.log
    again = listening.start()  # a restart remembers what it took
    assert listening.post(body, signed(body)) == 200
    assert (listening.health() or {})["deliveries"]["duplicates"] == 1
    assert again.stop() == 0
    assert ": touched by" not in again.log, again.log


def test_key_rotation_loses_nothing(studio: Studio, watching: list[Watch]) -> None:
    configure(studio, stream_type="none", review_poll_minutes=600)
    listening = Listening(studio, watching)
    watch = listening.start()
    wait_until(lambda: ACME_FOLDER in hooks(studio) or None, 30, "the declared webhook", watch)
    wait_until(lambda: assigned_files(studio, CMO) == ACME_REVIEWED or None, 30, "tasks", watch)
    ledger = studio.path("decisions.jsonl")
    # Box's console: the secondary key becomes the primary one, and a new secondary is made.
    studio.control("PUT", "webhook_keys", {"primary": SECONDARY, "secondary": "brand-new"})
    first = reject(studio, "cmo-token")
    wait_until(lambda: len(decisions(ledger)) == 1 or None, 30, "the first decision", watch)
    assert watch.stop() == 0
    # The operator follows: the watcher restarts with the new pair.
    rotated = {"BOX_WEBHOOK_PRIMARY_KEY": SECONDARY, "BOX_WEBHOOK_SECONDARY_KEY": "brand-new"}
    after = listening.start(rotated)
    second = reject(studio, "cmo-token")
    found = wait_until(lambda: len(decisions(ledger)) == 2 or None, 30, "the second one", after)
    assert found
    assert sorted(d["file"]["id"] for d in decisions(ledger)) == sorted([first, second])
    assert (listening.health() or {})["deliveries"]["refused"] == 0


def test_a_decision_by_webhook_and_by_the_stream_is_notified_once(
    studio: Studio, watching: list[Watch], receiver: Receiver
) -> None:
    configure(studio, url=receiver.url, stream_type="admin_logs_streaming")
    listening = Listening(studio, watching)
    watch = listening.start()
    wait_until(lambda: assigned_files(studio, CMO) == ACME_REVIEWED or None, 30, "tasks", watch)
    before = listening.accepted()
    file_id = reject(studio, "cmo-token")
    ledger = studio.path("decisions.jsonl")
    wait_until(lambda: decisions(ledger), 30, "the decision", watch)
    wait_until(lambda: listening.accepted() > before or None, 30, "the webhook delivery", watch)
    watch.settle("admin_logs_streaming")
    wait_until(lambda: receiver.accepted("decision"), 30, "the decision POSTed", watch)
    assert watch.stop() == 0
    assert [d["file"]["id"] for d in decisions(ledger)] == [file_id]
    assert len(receiver.accepted("decision")) == 1


def test_a_deleted_webhook_is_an_alarm_and_is_declared_again(
    studio: Studio, watching: list[Watch]
) -> None:
    configure(studio, stream_type="none", review_poll_minutes=600)
    listening = Listening(studio, watching)
    watch = listening.start()
    gone = wait_until(lambda: hooks(studio).get(ACME_FOLDER), 30, "the declared webhook", watch)
    studio.client().webhooks.delete_webhook_by_id(gone["id"])  # as Box's clean-up would
    body = json.dumps(
        {
            "type": "webhook_event",
            "id": str(uuid.uuid4()),
            "trigger": "WEBHOOK.DELETED",
            "webhook": {"id": gone["id"], "type": "webhook"},
            "source": {"type": "folder", "id": ACME_FOLDER},
            "additional_info": {"reason": "auto_cleanup"},
        }
    ).encode()
    assert listening.post(body, signed(body)) == 200
    back = wait_until(lambda: hooks(studio).get(ACME_FOLDER), 30, "the webhook again", watch)
    assert back["id"] != gone["id"]
    alarms = (listening.health() or {})["alarms"]
    assert alarms == [f"Box sent WEBHOOK.DELETED for webhook {gone['id']} (auto_cleanup)"]
    assert "ERROR Box sent WEBHOOK.DELETED" in watch.log
    assert watch.stop() == 0
