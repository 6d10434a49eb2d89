"""Shared fixtures: a sandbox on an ephemeral port, real box_sdk_gen clients pointed at it, and
HTTP receivers that record what is sent to them (tests/receiver.py).

Every JSON response a test receives from the sandbox is checked against Box's OpenAPI
description of that operation (tests/openapi_check.py); a response that does not conform fails
the test that received it.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from box_sdk_gen import BaseUrls, BoxClient, BoxDeveloperTokenAuth, BoxRetryStrategy, NetworkSession

from reconciler.sandbox.seed import build_state, default_seed
from reconciler.sandbox.server import Sandbox
from tests.receiver import Receiver

try:
    from tests.openapi_check import ResponseChecker
except (
    ImportError
):  # pragma: no cover - the checker is part of the suite; this keeps collection working
    ResponseChecker = None  # type: ignore[assignment,misc]

# The Ctrl-C tests send SIGINT to the commands they start. A suite started in the background
# of a script (``cmd &``, nohup) inherits SIGINT ignored, and so would every command it starts:
# Python never turns an ignored SIGINT into KeyboardInterrupt. A handler here (unlike "ignore")
# is not inherited, so the commands start with SIGINT as a terminal gives it to them.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ADMIN_TOKEN = "sandbox"
#: the sandboxes tests start guard their control plane with this (``--admin-token``)
CONTROL_TOKEN = "control-plane-token"
CONTROL_HEADERS = {"Authorization": f"Bearer {CONTROL_TOKEN}", "Content-Type": "application/json"}


def control(box: Sandbox, method: str, path: str, **kwargs: Any) -> requests.Response:
    """A call to the sandbox's control plane, with its admin token, as JSON."""
    headers = {**CONTROL_HEADERS, **kwargs.pop("headers", {})}
    return requests.request(
        method, f"{box.base_url}/_sandbox/{path}", headers=headers, timeout=10, **kwargs
    )


def network_session(base_url: str, *, max_attempts: int = 5) -> NetworkSession:
    return NetworkSession(
        base_urls=BaseUrls(
            base_url=base_url, upload_url=f"{base_url}/api", oauth_2_url=f"{base_url}/oauth2"
        ),
        retry_strategy=BoxRetryStrategy(max_attempts=max_attempts, retry_base_interval=0.01),
    )


def sdk_client(base_url: str, token: str = ADMIN_TOKEN, **session: Any) -> BoxClient:
    """The real SDK, authenticated with a developer token, talking to the sandbox."""
    return BoxClient(
        auth=BoxDeveloperTokenAuth(token=token),
        network_session=network_session(base_url, **session),
    )


def start_sandbox(seed: dict[str, Any] | None = None) -> Sandbox:
    doc = seed if seed is not None else default_seed(ADMIN_TOKEN)
    box = Sandbox(build_state(doc), reset_to=doc, admin_token=CONTROL_TOKEN)
    if ResponseChecker is not None:
        box.response_observer = ResponseChecker()
    box.start()
    return box


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes with a given seed; each is stopped and its responses checked at teardown."""
    started: list[Sandbox] = []

    def make(seed: dict[str, Any] | None = None) -> Sandbox:
        box = start_sandbox(seed)
        started.append(box)
        return box

    yield make
    for box in started:
        box.stop()
    for box in started:
        failures: list[str] = getattr(box.response_observer, "failures", None) or []
        if failures:
            pytest.fail(
                "Responses that do not match Box's OpenAPI description:\n" + "\n".join(failures)
            )


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    """A sandbox with the default seed: one admin service account whose token is 'sandbox'."""
    return sandbox_factory()


@pytest.fixture
def client(sandbox: Sandbox) -> BoxClient:
    """The admin service account's SDK client."""
    return sdk_client(sandbox.base_url)


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    """Starts a ``Receiver`` (with its arguments) each time it is called; all stop after the
    test, passed or failed."""
    started: list[Receiver] = []

    def start(*args: Any, **kwargs: Any) -> Receiver:
        started.append(Receiver(*args, **kwargs))
        return started[-1]

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def receiver(receivers: Callable[..., Receiver]) -> Receiver:
    """One receiver answering 200 (set ``answers`` for other statuses first)."""
    return receivers()


#: Test files that run the real command in subprocesses, a whole sandbox story, or thousands of
#: generated inputs. ``pytest -m "not slow"`` leaves them out for a quick run while developing;
#: the default run (and CI) keeps them.
SLOW_FILES = frozenset(
    {
        "tests/cli/test_apply_saved_plan_fuzz.py",
        "tests/cli/test_box_connection.py",
        "tests/cli/test_demo.py",
        "tests/cli/test_install.py",
        "tests/cli/test_plan_apply_cli.py",
        "tests/cli/test_readme_walkthrough.py",
        "tests/cli/test_rehearsal.py",
        "tests/cli/test_validate_fuzz.py",
        "tests/cli/test_validate_scale.py",
        "tests/sandbox/test_events.py",
        "tests/sandbox/test_events_sdk.py",
        "tests/sandbox/test_seed_and_serve.py",
        "tests/unit/test_manifest_property.py",
    }
)
ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        where = item.path.relative_to(ROOT).as_posix()
        if where.startswith("tests/integration/") or where in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
