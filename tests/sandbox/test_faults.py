"""Injected faults: errors the SDK retries, writes that fail after commit, rate limits, latency."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from box_sdk_gen import (
    BaseUrls,
    BoxAPIError,
    BoxClient,
    BoxDeveloperTokenAuth,
    BoxRetryStrategy,
    NetworkSession,
)
from box_sdk_gen.networking.fetch_options import FetchOptions
from box_sdk_gen.networking.fetch_response import FetchResponse

from reconciler.sandbox.server import Sandbox
from tests.conftest import ADMIN_TOKEN, control, sdk_client


def set_faults(box: Sandbox, **settings: Any) -> None:
    response = control(box, "PUT", "faults", json=settings)
    assert response.status_code == 200, response.text


def logged(box: Sandbox) -> list[dict[str, Any]]:
    return list(control(box, "GET", "requests").json()["entries"])


def statuses(box: Sandbox) -> list[int]:
    return [entry["status"] for entry in logged(box)]


class NotedWaits(BoxRetryStrategy):
    """The SDK's own retry strategy, noting each wait it gives (the SDK sleeps exactly that)."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.waits: list[float] = []

    def retry_after(
        self, fetch_options: FetchOptions, fetch_response: FetchResponse, attempt_number: int
    ) -> float:
        wait = super().retry_after(fetch_options, fetch_response, attempt_number)
        self.waits.append(wait)
        return wait


def slow_backoff_client(base_url: str, strategy: BoxRetryStrategy) -> BoxClient:
    session = NetworkSession(base_urls=BaseUrls(base_url=base_url), retry_strategy=strategy)
    return BoxClient(auth=BoxDeveloperTokenAuth(token=ADMIN_TOKEN), network_session=session)


def test_injected_error_carries_retry_after(sandbox: Sandbox) -> None:
    set_faults(sandbox, error_rate=1, error_status=503, retry_after=7)
    response = requests.get(
        f"{sandbox.base_url}/2.0/users/me",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=5,
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.json()["code"] == "unavailable"


def test_sdk_retries_injected_429_at_the_pace_of_retry_after(sandbox: Sandbox) -> None:
    set_faults(sandbox, error_rate=1, error_status=429)  # Retry-After: 0
    # A backoff of several seconds, unless the server's Retry-After says otherwise
    strategy = NotedWaits(max_attempts=3, retry_base_interval=5)
    client = slow_backoff_client(sandbox.base_url, strategy)
    with pytest.raises(BoxAPIError) as caught:
        client.users.get_user_me()
    assert strategy.waits == [0.0, 0.0]  # the sandbox's Retry-After, not the 5 s backoff
    assert caught.value.response_info.status_code == 429
    assert caught.value.response_info.code == "rate_limit_exceeded"
    assert statuses(sandbox) == [429, 429, 429]
    assert {entry["injected"] for entry in logged(sandbox)} == {"error"}

    set_faults(sandbox, error_rate=0.5, error_status=429, seed=1)
    assert client.users.get_user_me().id == "10001"


def run_calls(box: Sandbox, client: BoxClient, count: int) -> list[int]:
    control(box, "DELETE", "requests")
    for _ in range(count):
        assert client.users.get_user_me().id == "10001"
    return statuses(box)


def test_sdk_recovers_a_sequence_of_calls_and_the_faults_repeat_with_the_seed(
    sandbox: Sandbox, client: BoxClient
) -> None:
    set_faults(sandbox, error_rate=0.5, seed=1)
    first = run_calls(sandbox, client, 10)
    assert first.count(200) == 10
    assert 503 in first
    set_faults(sandbox, error_rate=0.5, seed=1)
    assert run_calls(sandbox, client, 10) == first
    set_faults(sandbox, error_rate=0.5, seed=2)
    assert run_calls(sandbox, client, 10) != first


def test_write_that_fails_after_commit_is_stored(sandbox: Sandbox) -> None:
    set_faults(sandbox, fail_after_commit_rate=1)
    once = sdk_client(sandbox.base_url, max_attempts=1)
    with pytest.raises(BoxAPIError) as caught:
        once.users.create_user("Fay Field", login="fay@corp.example")
    assert caught.value.response_info.status_code == 500
    set_faults(sandbox)
    found = once.users.get_users(filter_term="fay@corp.example").entries or []
    assert [u.name for u in found] == ["Fay Field"]
    assert logged(sandbox)[0]["injected"] == "fail_after_commit"


def test_sdk_retry_of_a_write_that_failed_after_commit_meets_the_stored_write(
    sandbox: Sandbox,
) -> None:
    # Why the applier must read Box again after a failed write: the retry is not a no-op.
    set_faults(sandbox, fail_after_commit_rate=1)
    with pytest.raises(BoxAPIError) as caught:
        sdk_client(sandbox.base_url).users.create_user("Gil Grant", login="gil@corp.example")
    assert caught.value.response_info.status_code == 409
    assert statuses(sandbox) == [500, 409]


def test_reads_never_fail_after_commit(sandbox: Sandbox, client: BoxClient) -> None:
    set_faults(sandbox, fail_after_commit_rate=1)
    assert client.users.get_user_me().id == "10001"


def test_rate_limit_per_minute(sandbox: Sandbox) -> None:
    set_faults(sandbox, rate_limit_per_minute=2, retry_after=1)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    answers = [
        requests.get(f"{sandbox.base_url}/2.0/users/me", headers=headers, timeout=5)
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["Retry-After"] == "1"
    assert answers[2].json()["message"] == "Request rate limit exceeded, please try again later"
    assert logged(sandbox)[2]["injected"] == "rate_limit"


def test_latency_applies_to_api_calls(sandbox: Sandbox, client: BoxClient) -> None:
    slept: list[float] = []
    sandbox.injector.sleep = slept.append  # the latency, seen rather than waited for
    set_faults(sandbox, latency_ms=150)
    client.users.get_user_me()
    assert slept == [0.15]  # once per API call; never for the control plane


def test_request_log_counts_retries_and_clears(sandbox: Sandbox, client: BoxClient) -> None:
    set_faults(sandbox, error_rate=1)
    with pytest.raises(BoxAPIError):
        client.users.get_user_by_id("10001")
    assert [(e["method"], e["path"], e["status"]) for e in logged(sandbox)] == [
        ("GET", "/2.0/users/10001", 503)
    ] * 5
    assert control(sandbox, "DELETE", "requests").status_code == 204
    assert logged(sandbox) == []


def test_several_error_statuses_can_be_injected_together(sandbox: Sandbox) -> None:
    """10% 5xx and 10% 429 in one run: each request meets at most one, drawn from the seed."""
    answer = control(
        sandbox, "PUT", "faults", json={"error_statuses": {"500": 0.25, "429": 0.25}, "seed": 7}
    )
    assert answer.status_code == 200
    statuses = [
        requests.get(
            f"{sandbox.base_url}/2.0/users/me",
            headers={"Authorization": "Bearer sandbox"},
            timeout=10,
        ).status_code
        for _ in range(200)
    ]
    assert set(statuses) == {200, 429, 500}
    assert 60 <= statuses.count(200) <= 140  # about half


@pytest.mark.parametrize(
    "settings",
    [
        {"error_statuses": {"500": 0.6, "429": 0.6}},  # more than all requests
        {"error_statuses": {"200": 0.1}},  # not an error
        {"error_statuses": {"500": 0.1}, "error_rate": 0.1},  # two ways to say it
    ],
)
def test_impossible_error_mixes_are_refused(sandbox: Sandbox, settings: dict[str, object]) -> None:
    answer = control(sandbox, "PUT", "faults", json=settings)
    assert answer.status_code == 400
    assert "error" in answer.json()["message"]


def test_faults_can_be_limited_to_some_routes(sandbox: Sandbox, client: BoxClient) -> None:
    set_faults(sandbox, error_rate=1.0, error_status=500, paths=["/comments"])
    headers = {"Authorization": "Bearer sandbox"}
    me = requests.get(f"{sandbox.base_url}/2.0/users/me", headers=headers, timeout=10)
    assert me.status_code == 200
    listing = requests.get(f"{sandbox.base_url}/2.0/files/1/comments", headers=headers, timeout=10)
    assert listing.status_code == 500
    assert [e["injected"] for e in logged(sandbox)] == [None, "error"]


@pytest.mark.parametrize("paths", [[], [""], "/comments", [7]])
def test_paths_must_be_a_list_of_path_parts(sandbox: Sandbox, paths: object) -> None:
    answer = control(sandbox, "PUT", "faults", json={"error_rate": 1.0, "paths": paths})
    assert answer.status_code == 400
    assert "paths" in answer.json()["message"]
