"""The tests' one HTTP receiver (tests/receiver.py): what it records, the answers it is scripted
to give, holding answers back, and starting again on the port it had."""

from __future__ import annotations

import math
import time
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest
from werkzeug.wrappers import Request, Response

from tests.receiver import Receiver


def send(
    url: str, body: bytes | None = None, timeout: float = 5.0, headers: dict[str, str] | None = None
) -> int:
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def test_it_records_method_path_query_headers_body_and_its_answer(receiver: Receiver) -> None:
    body = b'{"type": "decision"}'
    status = send(receiver.url + "?page=2&flag", body, headers={"X-Reconcile-Id": "n-1"})

    got = receiver.next()
    assert status == 200
    assert (got.method, got.path, got.query) == ("POST", "/hook", {"page": ["2"], "flag": [""]})
    assert got.headers["x-reconcile-id"] == "n-1"  # names lower-cased
    assert (got.document, got.status) == ({"type": "decision"}, 200)
    assert receiver.accepted("decision") == [got] and receiver.accepted("comment") == []
    assert receiver.nothing_more()  # one request sent, one handed out


def test_scripted_statuses_come_first_in_order_then_200(
    receivers: Callable[..., Receiver],
) -> None:
    flaky = receivers(answers=[500, 503])

    statuses = [send(flaky.url, b"{}") for _ in range(3)]

    assert statuses == [500, 503, 200]
    assert [r.status for r in flaky.got] == statuses
    assert len(flaky.accepted()) == 1


def test_a_respond_function_answers_instead(receivers: Callable[..., Receiver]) -> None:
    def respond(request: Request) -> Response:
        return Response("{}", status=201 if request.method == "POST" else 404)

    box = receivers(respond)

    assert send(box.base_url + "/a", b"{}") == 201
    assert send(box.base_url + "/b") == 404
    assert box.paths() == ["/a", "/b"]


def test_a_held_answer_waits_and_an_endless_one_never_comes_until_stopped(
    receivers: Callable[..., Receiver],
) -> None:
    slow = receivers(delay_seconds=0.3)
    started = time.monotonic()
    assert send(slow.url, b"{}") == 200
    assert time.monotonic() - started >= 0.3

    silent = receivers(delay_seconds=math.inf)
    with pytest.raises(TimeoutError):
        send(silent.url, b"{}", timeout=0.5)
    assert silent.holding == 1 and silent.got == []
    silent.stop()  # lets the held request go: no thread outlives the test
    deadline = time.monotonic() + 5
    while silent.holding and time.monotonic() < deadline:
        time.sleep(0.01)
    assert silent.holding == 0


def test_it_starts_again_on_the_port_it_had(receivers: Callable[..., Receiver]) -> None:
    first = receivers()
    first.stop()
    with pytest.raises(urllib.error.URLError):
        send(first.url, b"{}")

    back = receivers(port=first.port)

    assert send(back.url, b"{}") == 200
    assert back.url == first.url and len(back.got) == 1
