"""Who may use the sandbox's control plane, and what it takes: the admin token, its own Host,
JSON bodies of bounded size, and input checked field by field (400 naming the field)."""

from __future__ import annotations

import socket
from typing import Any

import pytest
import requests

from reconciler.sandbox.server import Sandbox
from tests.conftest import CONTROL_HEADERS, CONTROL_TOKEN, control

# --- who may call --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "state"),
        ("POST", "reset"),
        ("POST", "signup"),
        ("PUT", "faults"),
        ("DELETE", "faults"),
        ("GET", "requests"),
        ("DELETE", "requests"),
        ("POST", "seed"),
        ("GET", "webhook_keys"),
        ("PUT", "webhook_keys"),
        ("GET", "webhook_deliveries"),
    ],
)
def test_every_control_call_needs_the_admin_token(sandbox: Sandbox, method: str, path: str) -> None:
    url = f"{sandbox.base_url}/_sandbox/{path}"
    json_only = {"Content-Type": "application/json"}
    missing = requests.request(method, url, headers=json_only, data="{}", timeout=10)
    wrong = requests.request(
        method, url, headers={**json_only, "Authorization": "Bearer sandbox"}, data="{}", timeout=10
    )

    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert "admin token" in missing.json()["message"]
    assert control(sandbox, "GET", "state").status_code == 200


def test_the_state_is_not_served_to_a_foreign_host_or_origin(sandbox: Sandbox) -> None:
    """DNS rebinding: a page on evil.example, resolved to 127.0.0.1, sends its own Host."""
    url = f"{sandbox.base_url}/_sandbox/state"
    port = sandbox.port
    rebound = requests.get(
        url, headers={**CONTROL_HEADERS, "Host": f"evil.example:{port}"}, timeout=10
    )
    other_port = requests.get(
        url, headers={**CONTROL_HEADERS, "Host": f"127.0.0.1:{port + 1}"}, timeout=10
    )
    foreign_origin = requests.get(
        url, headers={**CONTROL_HEADERS, "Origin": "http://evil.example"}, timeout=10
    )
    by_name = requests.get(
        url, headers={**CONTROL_HEADERS, "Host": f"localhost:{port}"}, timeout=10
    )

    assert [rebound.status_code, other_port.status_code, foreign_origin.status_code] == [403] * 3
    assert CONTROL_TOKEN not in rebound.text
    assert by_name.status_code == 200


def test_box_api_calls_to_a_foreign_host_are_refused(sandbox: Sandbox) -> None:
    answer = requests.get(
        f"{sandbox.base_url}/2.0/users/me",
        headers={"Authorization": "Bearer sandbox", "Host": f"evil.example:{sandbox.port}"},
        timeout=10,
    )
    assert answer.status_code == 403
    assert answer.json()["type"] == "error"


@pytest.mark.parametrize("media", ["text/plain", "application/x-www-form-urlencoded", None])
def test_control_bodies_must_be_json(sandbox: Sandbox, media: str | None) -> None:
    """A web page can send text/plain or a form without a preflight; not application/json."""
    headers = {"Authorization": f"Bearer {CONTROL_TOKEN}"}
    if media:
        headers["Content-Type"] = media
    answer = requests.post(
        f"{sandbox.base_url}/_sandbox/signup",
        headers=headers,
        data=b'{"login": "x@client.example"}',
        timeout=10,
    )
    assert answer.status_code == 415, answer.text
    assert "application/json" in answer.json()["message"]
    assert "x@client.example" not in str(control(sandbox, "GET", "state").json()["users"])


# --- what it takes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"rate_limit_per_minute": "x"}, "rate_limit_per_minute"),
        ({"rate_limit_per_minute": 1.5}, "rate_limit_per_minute"),
        ({"latency_ms": -5}, "latency_ms"),
        ({"error_rate": True}, "error_rate"),
        ({"error_status": "503"}, "error_status"),
        ({"seed": [1, 2]}, "seed"),
        ({"retry_after": -1}, "retry_after"),
        ({"error_statuses": {"5xx": 0.1}}, "error_statuses"),
    ],
)
def test_bad_fault_settings_are_a_400_naming_the_field(
    sandbox: Sandbox, settings: dict[str, Any], field: str
) -> None:
    answer = control(sandbox, "PUT", "faults", json=settings)

    assert answer.status_code == 400, answer.text
    assert field in answer.json()["message"]
    # and nothing was set: Box calls still answer
    me = requests.get(
        f"{sandbox.base_url}/2.0/users/me", headers={"Authorization": "Bearer sandbox"}, timeout=10
    )
    assert me.status_code == 200


@pytest.mark.parametrize("number", ["Infinity", "-Infinity", "NaN", "1e999"])
def test_non_finite_fault_settings_are_a_400(sandbox: Sandbox, number: str) -> None:
    answer = control(sandbox, "PUT", "faults", data=f'{{"latency_ms": {number}}}')
    assert answer.status_code == 400
    assert "latency_ms" in answer.json()["message"]


@pytest.mark.parametrize("path", ["_sandbox/signup", "_sandbox/seed", "2.0/folders"])
def test_a_body_nested_too_deep_is_a_400(sandbox: Sandbox, path: str) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    answer = requests.post(
        f"{sandbox.base_url}/{path}",
        headers={**CONTROL_HEADERS, "Authorization": "Bearer sandbox"}
        if path.startswith("2.0")
        else CONTROL_HEADERS,
        data=deep,
        timeout=30,
    )
    assert answer.status_code == 400, answer.text
    assert "nested too deeply" in answer.json()["message"]


def test_a_body_over_the_limit_is_a_413_without_reading_it(sandbox: Sandbox) -> None:
    """16 MiB for the control plane (README): the sandbox answers before reading the body."""
    too_big = 16 * 1024 * 1024 + 1
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=10) as conn:
        conn.sendall(
            (
                f"POST /_sandbox/signup HTTP/1.1\r\nHost: 127.0.0.1:{sandbox.port}\r\n"
                f"Authorization: Bearer {CONTROL_TOKEN}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {too_big}\r\n\r\n"
            ).encode()
        )
        conn.sendall(b'{"login": "')  # only a start: the rest is never sent
        chunks = []
        while chunk := conn.recv(4096):  # the sandbox closes the connection after answering
            chunks.append(chunk)
        answer = b"".join(chunks).decode()
    assert answer.startswith("HTTP/1.1 413"), answer
    assert "request_entity_too_large" in answer


def test_unknown_signup_keys_are_refused_by_name(sandbox: Sandbox) -> None:
    answer = control(sandbox, "POST", "signup", json={"login": "x@client.example", "acept": True})
    assert answer.status_code == 400
    assert '"acept"' in answer.json()["message"]
    logins = [u["login"] for u in control(sandbox, "GET", "state").json()["users"]]
    assert "x@client.example" not in logins


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"login": "x@client.example", "accept": "yes"}, "accept"),
        ({"login": "x@client.example", "name": 7}, "name"),
        ({"login": ["x@client.example"]}, "login"),
    ],
)
def test_mistyped_signup_fields_are_a_400_naming_them(
    sandbox: Sandbox, body: dict[str, Any], says: str
) -> None:
    answer = control(sandbox, "POST", "signup", json=body)
    assert answer.status_code == 400
    assert f"'{says}'" in answer.json()["message"]
