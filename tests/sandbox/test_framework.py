"""The sandbox framework: the OpenAPI checker, auth, As-User, Box's errors, the control plane."""

from __future__ import annotations

import http.client
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from box_sdk_gen import BoxAPIError, BoxClient, BoxSDKError

from reconciler.sandbox.routing import box_route
from reconciler.sandbox.seed import default_seed
from reconciler.sandbox.server import Sandbox
from reconciler.sandbox.services import all_routes
from tests.conftest import ADMIN_TOKEN, control, sdk_client
from tests.openapi_check import (
    DEVIATIONS,
    OUTSIDE_DESCRIPTION,
    Deviation,
    ResponseChecker,
    apply_deviation,
    check_response,
    find_operation,
    load_spec,
    resolve_pointer,
)

MEMBER_TOKEN = "member-token"


def team_seed() -> dict[str, Any]:
    """The default enterprise plus a plain (non-admin) user with a token."""
    doc = default_seed(ADMIN_TOKEN)
    doc["users"].append(
        {"id": "10002", "login": "ann@corp.example", "name": "Ann Member", "token": MEMBER_TOKEN}
    )
    return doc


@pytest.fixture
def team(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    return sandbox_factory(team_seed())


def bearer(token: str = ADMIN_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- the OpenAPI checker -------------------------------------------------------------------

USER_OK = {"type": "user", "id": "1", "name": "Ann", "login": "ann@corp.example"}
ERROR_OK = {
    "type": "error",
    "status": 404,
    "code": "not_found",
    "message": "Not Found",
    "request_id": "a1",
}
USER = "/2.0/users/<user_id>"
PENDING_UNREGISTERED = {
    "type": "collaboration",
    "id": "9",
    "status": "pending",
    "accessible_by": None,
    "invite_email": "x@client.example",
    "acknowledged_at": None,
    "item": None,
}
REJECTED_ASSIGNMENT = {
    "type": "task_assignment",
    "id": "5",
    "status": "rejected",
    "resolution_state": "incomplete",
    "completed_at": None,
}

#: name -> (method, rule, status, body, a part of the expected message)
REFUSED: dict[str, tuple[str, str, int, Any, str]] = {
    "wrong type": ("GET", USER, 200, {**USER_OK, "id": 1}, "at $.id: 1 is not of type 'string'"),
    "missing type": ("GET", "/2.0/users/me", 200, {"id": "1"}, "'type' is a required property"),
    "bad nested enum": (
        "GET",
        "/2.0/users",
        200,
        {"entries": [{**USER_OK, "type": "person"}]},
        "at $.entries[0].type: 'person' is not one of ['user']",
    ),
    "date without offset": (
        "GET",
        "/2.0/users/me",
        200,
        {**USER_OK, "created_at": "2030-01-01"},
        "at $.created_at: '2030-01-01' is not a 'date-time'",
    ),
    "undescribed operation": (
        "GET",
        "/2.0/users/<user_id>/shoes",
        200,
        {},
        "the description has no operation GET /users/{user_id}/shoes",
    ),
    "undocumented success status": (
        "POST",
        "/2.0/users",
        200,
        USER_OK,
        "status 200 is not a documented response (documented: 201)",
    ),
    "body where none is declared": ("DELETE", USER, 204, {}, "declares none for 204"),
    "no body where one is declared": ("GET", USER, 200, None, "declares a JSON body for 200"),
    "error body of another type": ("GET", USER, 404, {**ERROR_OK, "type": "oops"}, "at $.type"),
}

#: name -> (method, rule, status, body)
ACCEPTED: dict[str, tuple[str, str, int, Any]] = {
    "mini user": ("GET", USER, 200, USER_OK),
    "error with an undocumented code": ("GET", USER, 409, {**ERROR_OK, "code": "user_exists"}),
    "501 from the sandbox": ("GET", USER, 501, {**ERROR_OK, "status": 501}),
    "204 without body": ("DELETE", USER, 204, None),
    "upload server path": ("POST", "/api/2.0/files/content", 201, {"entries": []}),
    "token endpoint": ("POST", "/oauth2/token", 200, {"access_token": "t"}),
    "versioned hub path": (
        "GET",
        "/2.0/hub_collaborations/<hub_collaboration_id>",
        200,
        {"type": "hub_collaboration", "id": "1"},
    ),
    "pending invitation of an unregistered email": (
        "GET",
        "/2.0/collaborations/<collaboration_id>",
        200,
        PENDING_UNREGISTERED,
    ),
    "task assignment with the undocumented status": (
        "GET",
        "/2.0/task_assignments/<task_assignment_id>",
        200,
        REJECTED_ASSIGNMENT,
    ),
}


@pytest.mark.parametrize(
    ("method", "rule", "status", "body", "expected"), REFUSED.values(), ids=REFUSED.keys()
)
def test_checker_refuses(method: str, rule: str, status: int, body: Any, expected: str) -> None:
    assert expected in " | ".join(check_response(method, rule, status, body))


@pytest.mark.parametrize(
    ("method", "rule", "status", "body"), ACCEPTED.values(), ids=ACCEPTED.keys()
)
def test_checker_accepts(method: str, rule: str, status: int, body: Any) -> None:
    assert check_response(method, rule, status, body) == []


def test_checker_maps_werkzeug_rules_to_spec_paths() -> None:
    found = find_operation("GET", "/2.0/folders/<folder_id>/items")
    assert found is not None and found.name == "GET /folders/{folder_id}/items"
    upload = find_operation("POST", "/api/2.0/files/content")
    assert upload is not None and upload.path == "/files/content"
    me = find_operation("GET", "/2.0/users/me")
    assert me is not None and me.path == "/users/me"  # the literal path, not /users/{user_id}


def test_each_deviation_is_applied_where_it_says() -> None:
    spec = load_spec()
    for deviation in DEVIATIONS:
        assert deviation.source and deviation.why
        node = resolve_pointer(spec, deviation.pointer)
        if deviation.relax == "nullable":
            assert node["nullable"] is True, deviation.pointer
        elif deviation.relax == "open_enum":
            assert "enum" not in node, deviation.pointer
        elif deviation.relax == "may_be_empty":
            assert "minItems" not in node, deviation.pointer
        else:
            assert node.get("additionalProperties") is not False, deviation.pointer


def test_a_deviation_at_a_missing_location_is_an_error() -> None:
    stale = Deviation("/components/schemas/Collaboration/properties/nope", "nullable", "-", "-")
    with pytest.raises(KeyError):
        apply_deviation(load_spec(), stale)


def test_checker_collects_failures_with_request_and_location() -> None:
    checker = ResponseChecker()
    checker("GET", "/2.0/users/<user_id>", "/2.0/users/7", 200, {**USER_OK, "login": 7})
    checker("GET", "/2.0/users/<user_id>", "/2.0/users/8", 200, USER_OK)
    assert checker.checked == 2
    assert len(checker.failures) == 1
    assert checker.failures[0].startswith(
        "GET /2.0/users/7 (rule /2.0/users/<user_id>) -> 200: at $.login"
    )


def test_every_response_of_a_test_is_checked(sandbox: Sandbox, client: BoxClient) -> None:
    checker = sandbox.response_observer
    assert isinstance(checker, ResponseChecker)
    client.users.get_user_me()
    requests.get(f"{sandbox.base_url}/2.0/users/me", timeout=5)  # a 401
    assert checker.checked == 2
    assert checker.failures == []


# --- authentication and As-User ------------------------------------------------------------


def test_missing_token_is_401_with_box_error(sandbox: Sandbox) -> None:
    response = requests.get(f"{sandbox.base_url}/2.0/users/me", timeout=5)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_developer_token_surfaces_as_sdk_error(sandbox: Sandbox) -> None:
    # The SDK tries to refresh on 401; a developer token cannot refresh, so it raises BoxSDKError.
    with pytest.raises(BoxSDKError) as caught:
        sdk_client(sandbox.base_url, token="not-a-token").users.get_user_me()
    assert not isinstance(caught.value, BoxAPIError)
    assert "Developer token" in caught.value.message


def test_admin_acts_as_another_user(team: Sandbox) -> None:
    me = sdk_client(team.base_url).with_as_user_header("10002").users.get_user_me()
    assert (me.id, me.login) == ("10002", "ann@corp.example")
    assert [r["as_user"] for r in team.request_log()] == ["10002"]


def test_non_admin_may_not_use_as_user(team: Sandbox) -> None:
    member = sdk_client(team.base_url, token=MEMBER_TOKEN).with_as_user_header("10001")
    with pytest.raises(BoxAPIError) as caught:
        member.users.get_user_me()
    assert caught.value.response_info.status_code == 403
    assert caught.value.response_info.code == "access_denied_insufficient_permissions"


def test_as_user_for_an_unknown_user_is_refused(team: Sandbox) -> None:
    with pytest.raises(BoxAPIError) as caught:
        sdk_client(team.base_url).with_as_user_header("99999").users.get_user_me()
    assert caught.value.response_info.status_code == 400


# --- Box's error responses -----------------------------------------------------------------


def raw_error(box: Sandbox, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{box.base_url}{path}", headers=bearer(), timeout=5, **kwargs)


JSON_TYPE = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class ErrorCase:
    method: str
    path: str
    status: int
    code: str
    mentions: str  # in the message
    data: bytes | None = None


ERROR_CASES = {
    "unknown path": ErrorCase("GET", "/2.0/no_such_thing", 404, "not_found", "/2.0/no_such_thing"),
    "wrong method": ErrorCase("PATCH", "/2.0/users/me", 405, "method_not_allowed", "PATCH"),
    "a Box route the sandbox does not serve": ErrorCase(
        "GET", "/2.0/files/7/versions", 501, "not_implemented", "GET /2.0/files/{file_id}/versions"
    ),
    "a Box method the sandbox does not serve on a path it serves": ErrorCase(
        "POST", "/2.0/folders/7", 501, "not_implemented", "POST /2.0/folders/{folder_id}"
    ),
    "undeclared query parameter": ErrorCase(
        "GET", "/2.0/users/me?colour=blue", 501, "not_implemented", "'colour'"
    ),
    "malformed JSON": ErrorCase("POST", "/2.0/users", 400, "bad_request", "JSON", b"{"),
    "bytes that are not text": ErrorCase(
        "POST", "/2.0/users", 400, "bad_request", "JSON", b"\xc3("
    ),
    "JSON that is not an object": ErrorCase(
        "POST", "/2.0/users", 400, "bad_request", "object", b"[1]"
    ),
}


@pytest.mark.parametrize("case", ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_errors_use_box_error_body(sandbox: Sandbox, case: ErrorCase) -> None:
    response = requests.request(
        case.method,
        f"{sandbox.base_url}{case.path}",
        headers={**bearer(), **JSON_TYPE},
        data=case.data,
        timeout=5,
    )
    body = response.json()
    assert response.status_code == case.status
    assert body["type"] == "error"
    assert body["status"] == case.status
    assert body["code"] == case.code
    assert case.mentions in body["message"]
    assert body["request_id"] == response.headers["box-request-id"]


def test_undeclared_parameter_is_named_in_context_info(sandbox: Sandbox) -> None:
    body = raw_error(sandbox, "GET", "/2.0/users?colour=blue").json()
    assert body["context_info"]["errors"][0]["name"] == "colour"


def test_sdk_error_carries_code_and_request_id(client: BoxClient) -> None:
    with pytest.raises(BoxAPIError) as caught:
        client.users.get_user_by_id("424242")
    info = caught.value.response_info
    assert (info.status_code, info.code) == (404, "not_found")
    assert info.request_id and info.request_id == info.headers["box-request-id"]


# --- the control plane ---------------------------------------------------------------------


def test_reset_restores_the_seed_and_clears_faults_and_log(
    sandbox: Sandbox, client: BoxClient
) -> None:
    client.users.create_user("Bob", login="bob@corp.example")
    control(sandbox, "PUT", "faults", json={"latency_ms": 1})
    assert control(sandbox, "POST", "reset").json() == {"reset": True}
    logins = [u["login"] for u in control(sandbox, "GET", "state").json()["users"]]
    assert logins == ["svc-reconciler@boxdevedition.com"]
    assert sandbox.faults.latency_ms == 0
    assert control(sandbox, "GET", "requests").json() == {"total_count": 0, "entries": []}


def test_state_shows_every_table(sandbox: Sandbox) -> None:
    state = control(sandbox, "GET", "state").json()
    assert state["enterprise"]["id"] == "900001"
    for table in (
        "users",
        "tokens",
        "groups",
        "folders",
        "collaborations",
        "tasks",
        "hubs",
        "webhooks",
    ):
        assert table in state


def test_request_log_records_api_calls_but_not_control_calls(
    sandbox: Sandbox, client: BoxClient
) -> None:
    client.users.get_user_me()
    with pytest.raises(BoxAPIError):
        client.users.get_user_by_id("424242")
    control(sandbox, "GET", "state")
    log = control(sandbox, "GET", "requests").json()
    assert log["total_count"] == 2
    assert [(e["method"], e["path"], e["status"], e["user_id"]) for e in log["entries"]] == [
        ("GET", "/2.0/users/me", 200, "10001"),
        ("GET", "/2.0/users/424242", 404, "10001"),
    ]
    assert control(sandbox, "DELETE", "requests").status_code == 204
    assert control(sandbox, "GET", "requests").json()["total_count"] == 0


def test_faults_are_set_shown_and_cleared(sandbox: Sandbox) -> None:
    shown = control(sandbox, "PUT", "faults", json={"latency_ms": 5, "seed": 3}).json()
    assert shown["latency_ms"] == 5 and shown["seed"] == 3 and shown["error_rate"] == 0
    assert control(sandbox, "DELETE", "faults").status_code == 204
    assert sandbox.faults.latency_ms == 0


@pytest.mark.parametrize(
    "settings",
    [{"error_rate": 2}, {"latency_ms": -1}, {"colour": "blue"}, {"error_rate": "often"}],
    ids=["rate above 1", "negative latency", "unknown setting", "not a number"],
)
def test_invalid_faults_are_refused(sandbox: Sandbox, settings: dict[str, Any]) -> None:
    response = control(sandbox, "PUT", "faults", json=settings)
    assert response.status_code == 400
    assert response.json()["type"] == "error"
    assert sandbox.faults.error_rate == 0


def test_seed_replaces_the_enterprise_and_becomes_the_reset_point(sandbox: Sandbox) -> None:
    response = control(sandbox, "POST", "seed", json=team_seed())
    assert response.status_code == 200
    member = sdk_client(sandbox.base_url, token=MEMBER_TOKEN).users.get_user_me()
    assert member.id == "10002"
    control(sandbox, "POST", "reset")
    assert {u["id"] for u in control(sandbox, "GET", "state").json()["users"]} == {"10001", "10002"}
    refused = control(sandbox, "POST", "seed", json={"users": "nobody"})
    assert refused.status_code == 400


# --- HTTP/1.1 keep-alive -------------------------------------------------------------------


def exchange(conn: http.client.HTTPConnection, method: str, path: str, body: bytes = b"") -> int:
    conn.request(method, path, body=body or None, headers=bearer())
    response = conn.getresponse()
    response.read()
    assert response.getheader("Connection") != "close"
    return response.status


def test_one_connection_serves_many_requests_even_after_an_unread_body(sandbox: Sandbox) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=5)
    # the 404 is answered without reading the body; the next request must still parse
    assert exchange(conn, "POST", "/2.0/no_such_thing", b'{"name": "x"}') == 404
    assert exchange(conn, "GET", "/2.0/users/me") == 200
    assert conn.sock is not None
    conn.close()


def test_stop_closes_idle_kept_alive_connections(sandbox: Sandbox) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=5)
    assert exchange(conn, "GET", "/2.0/users/me") == 200
    sandbox.stop()
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        exchange(conn, "GET", "/2.0/users/me")


def test_every_route_the_sandbox_serves_is_described() -> None:
    undescribed = [
        f"{route.method} {route.rule}"
        for route in all_routes()
        if find_operation(route.method, route.rule) is None
        and (route.method, route.rule) not in OUTSIDE_DESCRIPTION
    ]
    assert undescribed == []


def test_every_route_the_sandbox_serves_is_a_box_route() -> None:
    # the table of Box's routes that turns an unserved one into a 501 knows the served ones too;
    # only the realtime long-poll server lies outside Box's API description
    checked = [
        route for route in all_routes() if (route.method, route.rule) not in OUTSIDE_DESCRIPTION
    ]
    assert {("GET", "/2.0/events"), ("OPTIONS", "/2.0/events")} <= {
        (route.method, route.rule) for route in checked
    }
    unknown = [
        f"{route.method} {route.rule}"
        for route in checked
        if box_route(route.method, re.sub(r"<[^>]+>", "7", route.rule)) is None
    ]
    assert unknown == []


def test_a_chunked_request_body_is_read_whole(sandbox: Sandbox) -> None:
    chunks = iter([b'{"name": "Zed Zane", ', b'"login": "zed@corp.example"}'])  # sent chunked
    response = requests.post(
        f"{sandbox.base_url}/2.0/users", data=chunks, headers={**bearer(), **JSON_TYPE}, timeout=5
    )
    assert response.status_code == 201
    assert response.json()["login"] == "zed@corp.example"
