"""Collaborations that end, over HTTP: the enterprise setting, expires_at, and the movable clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from reconciler.sandbox.server import Sandbox
from tests.conftest import ADMIN_TOKEN, control
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
