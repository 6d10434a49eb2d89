"""Canned Box JSON for the shapes of Box's answers the sandbox does not act out: a receiver
answers ``GET`` paths from a table, and the real SDK talks to it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response

from reconciler.box.reader import BoxReader
from tests.conftest import sdk_client
from tests.receiver import Receiver


def answering(answers: dict[str, Any]) -> Callable[[Request], Response]:
    """Box's answer at each path of ``answers`` (a callable one is given the parsed query),
    and Box's 404 error at any other."""

    def respond(request: Request) -> Response:
        if request.method != "GET":  # a reader never writes: a write is the test's failure
            return Response(status=405)
        found = answers.get(request.path)
        if callable(found):  # an answer that depends on the query
            found = found(request.args.to_dict(flat=False))
        status = 200 if found is not None else 404
        body = json.dumps(found or {"type": "error", "status": 404})
        return Response(body, status=status, content_type="application/json")

    return respond


@pytest.fixture
def fake_box(
    receivers: Callable[..., Receiver],
) -> Callable[[dict[str, Any]], tuple[Receiver, BoxReader]]:
    """Starts a receiver answering from a table and a reader of it; ``receiver.got`` holds each
    request's path and query."""

    def start(answers: dict[str, Any]) -> tuple[Receiver, BoxReader]:
        box = receivers(answering(answers))
        return box, BoxReader(sdk_client(box.base_url, max_attempts=1))

    return start
