"""The sandbox's quirks (both readings where Box is undocumented): the control plane and the seed,
mini task listings, and the enterprise stream's empty page."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from box_sdk_gen import BoxClient

from reconciler.sandbox.errors import BadRequest
from reconciler.sandbox.seed import validate_seed
from reconciler.sandbox.server import Sandbox
from tests.conftest import ADMIN_TOKEN, control
from tests.sandbox.test_collaborations import studio_seed
from tests.sandbox.test_events import events, now
from tests.sandbox.test_items import upload
from tests.sandbox.test_tasks import FILE, assign, new_task

# the tasks tests' fixture: a file shared with alice, bob, carol (pending) and dave's group
from tests.sandbox.test_tasks import box as box

DEFAULTS = {"task_listing": "mini", "empty_page_position": "zero", "expiry_policy_days": None}
MINI_KEYS = {"type", "id", "item", "due_at"}


def quirks(box: Sandbox) -> dict[str, Any]:
    reply = control(box, "GET", "quirks")
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def file_tasks(box: Sandbox, **params: str) -> list[dict[str, Any]]:
    reply = requests.get(
        f"{box.base_url}/2.0/files/{FILE}/tasks",
        params=params,
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    entries: list[dict[str, Any]] = reply.json()["entries"]
    return entries


# --- the control plane and the seed --------------------------------------------------------


def test_the_defaults_are_the_readings_hardest_on_a_client(sandbox: Sandbox) -> None:
    assert quirks(sandbox) == DEFAULTS


def test_a_partial_update_changes_only_what_it_names_and_a_reset_restores_the_seeds(
    sandbox: Sandbox,
) -> None:
    reply = control(sandbox, "PUT", "quirks", json={"task_listing": "full"})
    assert reply.status_code == 200
    assert reply.json() == {**DEFAULTS, "task_listing": "full"}
    control(sandbox, "PUT", "quirks", json={"expiry_policy_days": 30})
    assert quirks(sandbox) == {**DEFAULTS, "task_listing": "full", "expiry_policy_days": 30}
    assert control(sandbox, "POST", "reset").status_code == 200
    assert quirks(sandbox) == DEFAULTS


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"task_listings": "mini"}, "task_listings", id="unknown key"),
        pytest.param({"task_listing": "short"}, "task_listing", id="unknown listing"),
        pytest.param({"empty_page_position": 0}, "empty_page_position", id="position as number"),
        pytest.param({"expiry_policy_days": 0}, "expiry_policy_days", id="zero days"),
        pytest.param({"expiry_policy_days": "30"}, "expiry_policy_days", id="days as text"),
        pytest.param({"expiry_policy_days": True}, "expiry_policy_days", id="days as boolean"),
    ],
)
def test_a_wrong_update_is_refused_naming_the_field_and_changes_nothing(
    sandbox: Sandbox, body: dict[str, Any], field: str
) -> None:
    reply = control(sandbox, "PUT", "quirks", json={"task_listing": "full", **body})
    assert reply.status_code == 400
    assert field in reply.json()["message"]
    assert reply.json()["context_info"]["errors"][0]["name"] == field
    assert quirks(sandbox) == DEFAULTS


def test_the_quirks_endpoint_keeps_the_control_planes_admission_rules(sandbox: Sandbox) -> None:
    url = f"{sandbox.base_url}/_sandbox/quirks"
    assert requests.get(url, timeout=10).status_code == 401
    form = requests.put(
        url,
        data="task_listing=full",
        headers={"Authorization": "Bearer control-plane-token"},
        timeout=10,
    )
    assert form.status_code == 415


def test_a_seed_sets_the_quirks(sandbox_factory: Any) -> None:
    doc = studio_seed()
    doc["quirks"] = {"task_listing": "full", "empty_page_position": "latest"}
    box = sandbox_factory(doc)
    assert quirks(box) == {**DEFAULTS, "task_listing": "full", "empty_page_position": "latest"}
    control(box, "PUT", "quirks", json={"task_listing": "mini"})
    control(box, "POST", "reset")
    assert quirks(box)["task_listing"] == "full"


@pytest.mark.parametrize(
    "wrong",
    [{"task_listing": "short"}, {"expiry_policy_days": -1}, {"nope": 1}],
    ids=["listing", "days", "unknown"],
)
def test_a_seed_with_a_wrong_quirk_is_refused_at_the_quirk(wrong: dict[str, Any]) -> None:
    doc = studio_seed()
    doc["quirks"] = wrong
    with pytest.raises(BadRequest) as caught:
        validate_seed(doc)
    assert "$.quirks" in caught.value.message


# --- task listings -------------------------------------------------------------------------


@pytest.fixture
def two_tasks(box: Sandbox, client: BoxClient) -> list[str]:
    """Two review tasks on the file, the first assigned to alice."""
    first, second = new_task(client), new_task(client)
    assign(client, first, user_id="20001")
    return [first, second]


def test_a_mini_listing_shows_the_mini_keys_only(box: Sandbox, two_tasks: list[str]) -> None:
    entries = file_tasks(box)
    assert [e["id"] for e in entries] == two_tasks
    assert all(set(e) <= MINI_KEYS and {"type", "id", "item"} <= set(e) for e in entries)
    assert entries[0]["item"]["id"] == FILE


def test_the_sdk_reads_a_mini_listing_without_the_fields_it_lacks(
    box: Sandbox, client: BoxClient, two_tasks: list[str]
) -> None:
    listing = client.tasks.get_file_tasks(FILE)
    assert [t.id for t in listing.entries] == two_tasks
    first = listing.entries[0]
    assert first.action is None and first.task_assignment_collection is None
    assert first.created_by is None and first.is_completed is None
    assert client.tasks.get_task_by_id(first.id).task_assignment_collection.total_count == 1


@pytest.mark.parametrize("listing", ["mini", "full"])
def test_fields_answer_the_mini_keys_and_exactly_the_fields_asked_for(
    box: Sandbox, two_tasks: list[str], listing: str
) -> None:
    control(box, "PUT", "quirks", json={"task_listing": listing})
    entries = file_tasks(box, fields="action,is_completed,task_assignment_collection")
    assert set(entries[0]) == {"type", "id", "item", "action", "is_completed"} | {
        "task_assignment_collection"
    }
    assert entries[0]["task_assignment_collection"]["entries"][0]["assigned_to"]["id"] == "20001"
    assert entries[1]["task_assignment_collection"]["total_count"] == 0


def test_a_full_listing_shows_full_tasks(box: Sandbox, two_tasks: list[str]) -> None:
    control(box, "PUT", "quirks", json={"task_listing": "full"})
    first = file_tasks(box)[0]
    assert first["action"] == "review" and first["is_completed"] is False
    assert first["created_by"]["id"] == "10001"
    assert first["task_assignment_collection"]["total_count"] == 1


# --- the enterprise stream's empty page -----------------------------------------------------


def test_an_empty_enterprise_page_answers_zero_and_zero_replays_everything(
    studio: Sandbox, admin: BoxClient
) -> None:
    upload(admin, "cut-1.mov")
    caught_up = events(studio, stream_type="admin_logs_streaming")
    assert caught_up["entries"] != []
    position = caught_up["next_stream_position"]
    for stream_type in ("admin_logs_streaming", "admin_logs"):
        empty = events(studio, stream_type=stream_type, stream_position=position)
        assert empty["entries"] == [] and empty["next_stream_position"] == "0"
    replayed = events(studio, stream_type="admin_logs_streaming", stream_position="0")
    assert [e["event_id"] for e in replayed["entries"]] == [
        e["event_id"] for e in caught_up["entries"]
    ]


def test_now_still_answers_the_latest_position_under_zero(
    studio: Sandbox, admin: BoxClient
) -> None:
    upload(admin, "cut-1.mov")
    assert now(studio, stream_type="admin_logs_streaming") != "0"


def test_under_latest_an_empty_page_keeps_the_position_and_user_streams_never_answer_zero(
    studio: Sandbox, admin: BoxClient
) -> None:
    upload(admin, "cut-1.mov")
    position = events(studio, stream_type="all")["next_stream_position"]
    assert events(studio, stream_type="all", stream_position=position)["next_stream_position"] == (
        position
    )
    control(studio, "PUT", "quirks", json={"empty_page_position": "latest"})
    empty = events(studio, stream_type="admin_logs_streaming", stream_position=str(position))
    assert empty["entries"] == [] and empty["next_stream_position"] == str(position)
