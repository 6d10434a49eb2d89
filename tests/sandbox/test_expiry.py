"""Collaborations that end, over HTTP: the enterprise setting, expires_at, and the movable clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
import requests
from box_sdk_gen import BoxAPIError

from reconciler.sandbox.server import Sandbox
from tests.conftest import ADMIN_TOKEN, control, sdk_client
from tests.sandbox.test_collaborations import DELIVERY, post_collaboration, studio_seed

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def with_expiry(setting: bool) -> dict[str, Any]:
    seed = studio_seed()
    seed["enterprise"]["collaboration_expiry"] = setting
    return seed


def clock(box: Sandbox, **body: Any) -> requests.Response:
    return control(box, "PUT", "clock", json=body)


def now(box: Sandbox) -> str:
    return str(control(box, "GET", "clock").json()["now"])


def folder_collaborations(box: Sandbox) -> list[dict[str, Any]]:
    reply = requests.get(
        f"{box.base_url}/2.0/folders/{DELIVERY}/collaborations",
        headers=AUTH,
        params={"fields": "expires_at,invite_email,accessible_by"},
        timeout=10,
    )
    return list(reply.json()["entries"])


def test_expires_at_is_refused_while_the_enterprise_setting_is_off(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    box = sandbox_factory(with_expiry(False))
    refused = post_collaboration(box, "viewer", expires_at="2030-01-01T00:00:00Z")
    assert refused.status_code == 403
    assert refused.json()["code"] == "access_denied_insufficient_permissions"
    created = post_collaboration(box, "viewer").json()
    update = requests.put(
        f"{box.base_url}/2.0/collaborations/{created['id']}",
        headers=AUTH,
        json={"expires_at": "2030-01-01T00:00:00Z"},
        timeout=10,
    )
    assert update.status_code == 403


def test_expires_at_is_set_moved_and_cleared(sandbox_factory: Callable[..., Sandbox]) -> None:
    box = sandbox_factory(with_expiry(True))
    created = post_collaboration(box, "viewer", expires_at="2030-01-01T00:00:00Z").json()
    assert created["expires_at"] == "2030-01-01T00:00:00+00:00"
    url = f"{box.base_url}/2.0/collaborations/{created['id']}"
    moved = requests.put(url, headers=AUTH, json={"expires_at": "2031-06-30T12:00:00Z"}, timeout=10)
    assert moved.json()["expires_at"] == "2031-06-30T12:00:00+00:00"
    cleared = requests.put(url, headers=AUTH, json={"expires_at": None}, timeout=10)
    assert cleared.json()["expires_at"] is None


def test_an_expiry_in_the_past_is_a_bad_request(sandbox_factory: Callable[..., Sandbox]) -> None:
    box = sandbox_factory(with_expiry(True))
    refused = post_collaboration(box, "viewer", expires_at="2001-01-01T00:00:00Z")
    assert refused.status_code == 400
    assert refused.json()["context_info"]["errors"][0]["name"] == "expires_at"


def test_a_collaboration_is_gone_once_the_clock_passes_its_expiry(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    box = sandbox_factory(with_expiry(True))
    clock(box, now="2029-12-01T00:00:00Z")
    post_collaboration(box, "viewer", expires_at="2030-01-01T00:00:00Z")
    assert [c["invite_email"] for c in folder_collaborations(box)] == ["dana@client.example"]
    assert clock(box, advance_seconds=40 * 86400).status_code == 200
    assert now(box).startswith("2030-01-10T00:00")
    assert folder_collaborations(box) == []


def test_the_clock_takes_only_its_own_keys(sandbox_factory: Callable[..., Sandbox]) -> None:
    box = sandbox_factory(with_expiry(True))
    unknown = clock(box, advance_days=3)
    assert unknown.status_code == 400 and "advance_days" in unknown.json()["message"]
    assert clock(box, now="yesterday").status_code == 400
    assert clock(box, now="2030-01-01T00:00:00Z", advance_seconds=1).status_code == 400
    assert control(box, "DELETE", "clock").status_code == 204
    assert not now(box).startswith("2030")


# --- the expiry policy (quirk expiry_policy_days) -------------------------------------------


def collaboration(box: Sandbox, login: str, **extra: Any) -> dict[str, Any]:
    reply = post_collaboration(
        box, "viewer", accessible_by={"type": "user", "login": login}, **extra
    )
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


def put_expiry(box: Sandbox, collab_id: str, value: str | None) -> requests.Response:
    return requests.put(
        f"{box.base_url}/2.0/collaborations/{collab_id}",
        headers=AUTH,
        json={"expires_at": value},
        timeout=10,
    )


def policy(box: Sandbox, days: int | None) -> None:
    assert control(box, "PUT", "quirks", json={"expiry_policy_days": days}).status_code == 200


def test_under_the_policy_a_new_collaboration_expires_n_days_after_its_creation(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    box = sandbox_factory(studio_seed())  # the enterprise setting itself is off
    clock(box, now="2030-01-01T09:00:00Z")
    policy(box, 30)
    given = collaboration(box, "dana@client.example")
    assert given["expires_at"] == "2030-01-31T09:00:00+00:00"
    chosen = collaboration(box, "erin@client.example", expires_at="2030-03-01T00:00:00Z")
    assert chosen["expires_at"] == "2030-03-01T00:00:00+00:00"
    clock(box, advance_seconds=31 * 86400)
    assert [c["invite_email"] for c in folder_collaborations(box)] == ["erin@client.example"]


def test_an_expiry_is_refused_on_a_collaboration_created_before_the_policy(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    box = sandbox_factory(studio_seed())
    before = collaboration(box, "dana@client.example")
    assert before["expires_at"] is None
    policy(box, 30)
    after = collaboration(box, "erin@client.example")
    for value in ("2031-01-01T00:00:00Z", None):
        refused = put_expiry(box, before["id"], value)
        assert refused.status_code == 403
        assert "created after" in refused.json()["message"]
    extended = put_expiry(box, after["id"], "2031-01-01T00:00:00Z")
    assert extended.status_code == 200
    assert extended.json()["expires_at"] == "2031-01-01T00:00:00+00:00"


def test_a_policy_given_expiry_cannot_be_cleared_but_a_requested_one_can(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    box = sandbox_factory(studio_seed())
    policy(box, 7)
    by_policy = collaboration(box, "dana@client.example")
    by_request = collaboration(box, "erin@client.example", expires_at="2999-01-01T00:00:00Z")
    refused = put_expiry(box, by_policy["id"], None)
    assert refused.status_code == 403 and "policy" in refused.json()["message"]
    assert put_expiry(box, by_request["id"], None).json()["expires_at"] is None


def test_the_sdk_sees_the_policys_refusal_as_a_403(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    box = sandbox_factory(studio_seed())
    before = collaboration(box, "dana@client.example")
    policy(box, 30)
    client = sdk_client(box.base_url)
    with pytest.raises(BoxAPIError) as caught:
        client.user_collaborations.update_collaboration_by_id(
            before["id"], expires_at=datetime(2031, 1, 1, tzinfo=timezone.utc)
        )
    assert caught.value.response_info.status_code == 403
    assert "created after" in caught.value.message


def test_a_seeded_policy_covers_every_collaboration_and_switching_it_off_ends_it(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    seed = studio_seed()
    seed["quirks"] = {"expiry_policy_days": 10}
    box = sandbox_factory(seed)
    assert collaboration(box, "dana@client.example")["expires_at"] is not None
    policy(box, None)
    after_off = collaboration(box, "erin@client.example")
    assert after_off["expires_at"] is None
    policy(box, 10)  # on again: from this moment, so erin's is from before
    assert put_expiry(box, after_off["id"], "2999-01-01T00:00:00Z").status_code == 403
