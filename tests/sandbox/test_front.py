"""The sandbox behind a TLS front (``--allow-host``, ``X-Forwarded-*``) and the long-poll address
``OPTIONS /events`` hands out (``PUT /_sandbox/events {"realtime_url": ...}``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from reconciler.sandbox.server import Sandbox
from tests.conftest import ADMIN_TOKEN, control, sdk_client
from tests.sandbox.test_seed_and_serve import Served, run_serve
from tests.sandbox.test_seed_and_serve import serve as serve

FRONT = "127.0.0.1:8443"  # where a TLS front listens; it passes its own Host on


def options_url(box: Sandbox, **headers: str) -> str:
    reply = requests.options(
        f"{box.base_url}/2.0/events",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", **headers},
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    url: str = reply.json()["entries"][0]["url"]
    return url


def me(url: str, host: str) -> int:
    reply = requests.get(
        f"{url}/2.0/users/me",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Host": host},
        timeout=10,
    )
    return reply.status_code


# --- the long-poll URL -----------------------------------------------------------------------


def test_the_long_poll_url_is_plain_http_on_the_host_asked_for(sandbox: Sandbox) -> None:
    url = options_url(sandbox)
    assert url.startswith(f"http://127.0.0.1:{sandbox.port}/subscribe?channel=")


def test_behind_a_front_the_long_poll_url_is_built_from_the_forwarded_scheme_and_host(
    sandbox: Sandbox,
) -> None:
    url = options_url(sandbox, **{"X-Forwarded-Proto": "https", "X-Forwarded-Host": FRONT})
    assert url.startswith(f"https://{FRONT}/subscribe?channel=")
    # a chain of proxies appends: the first value is what the client addressed
    chained = options_url(
        sandbox, **{"X-Forwarded-Proto": "https, http", "X-Forwarded-Host": f"{FRONT}, inner"}
    )
    assert chained.startswith(f"https://{FRONT}/subscribe?")


def test_the_long_poll_url_can_point_at_an_unreachable_host_and_back(sandbox: Sandbox) -> None:
    unreachable = "http://127.0.0.1:9/subscribe"
    reply = control(sandbox, "PUT", "events", json={"realtime_url": unreachable})
    assert reply.status_code == 200
    assert reply.json()["realtime_url"] == unreachable
    assert reply.json()["long_poll_timeout_s"] == 600  # a partial update keeps the rest
    url = options_url(sandbox)
    assert url.startswith(f"{unreachable}?channel=") and url.endswith("&stream_type=all")
    client = sdk_client(sandbox.base_url)
    assert client.events.get_events_with_long_polling().entries[0].url.startswith(unreachable)
    control(sandbox, "PUT", "events", json={"realtime_url": None})
    assert options_url(sandbox).startswith(f"http://127.0.0.1:{sandbox.port}/subscribe?")


def test_a_reset_restores_the_sandboxs_own_long_poll_url(sandbox: Sandbox) -> None:
    control(sandbox, "PUT", "events", json={"realtime_url": "http://127.0.0.1:9/subscribe"})
    control(sandbox, "POST", "reset")
    assert control(sandbox, "GET", "events").json()["realtime_url"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"realtime_url": "ftp://x/subscribe"}, "realtime_url", id="not http"),
        pytest.param({"realtime_url": 9}, "realtime_url", id="not text"),
        pytest.param({"long_poll_timeout_s": 0}, "long_poll_timeout_s", id="no timeout"),
        pytest.param({"realtime": "http://x"}, "realtime", id="unknown key"),
    ],
)
def test_wrong_event_settings_are_refused_naming_the_field(
    sandbox: Sandbox, body: dict[str, Any], field: str
) -> None:
    reply = control(sandbox, "PUT", "events", json=body)
    assert reply.status_code == 400
    assert field in reply.json()["message"]
    assert control(sandbox, "GET", "events").json()["realtime_url"] is None


# --- the Host check ----------------------------------------------------------------------------


def test_a_front_that_keeps_its_own_host_is_refused_unless_allowed(sandbox: Sandbox) -> None:
    assert me(sandbox.base_url, FRONT) == 403
    allowed = Sandbox(sandbox.state, allowed_hosts=(FRONT, "box.test"))
    with allowed:
        assert me(allowed.base_url, FRONT) == 200
        assert me(allowed.base_url, "box.test:443") == 200  # a name alone: any port
        assert me(allowed.base_url, "127.0.0.1:8444") == 403
        assert me(allowed.base_url, "evil.example") == 403
        assert me(allowed.base_url, f"127.0.0.1:{allowed.port}") == 200


def test_serve_allows_the_hosts_named(serve: Callable[..., Served]) -> None:
    served = serve("--allow-host", FRONT, "--allow-host", "box.test")
    assert me(served.url, FRONT) == 200
    assert me(served.url, "box.test") == 200
    assert me(served.url, "other.test") == 403


def test_serve_refuses_a_malformed_allowed_host() -> None:
    result = run_serve("--allow-host", "not a host")
    assert result.returncode == 3  # a usage error
    assert "--allow-host" in result.stderr and "not a host" in result.stderr
