"""A small HTTP server answering canned Box JSON, for the shapes of Box's answers the sandbox
does not act out; the real SDK talks to it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from reconciler.box.reader import BoxReader
from tests.conftest import sdk_client


class FakeBox:
    """Answers ``GET`` paths from a table, and records each request's path and query."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        box = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                box.requests.append((parts.path, parse_qs(parts.query)))
                found = box.answers.get(parts.path)
                if callable(found):  # an answer that depends on the query
                    found = found(parse_qs(parts.query))
                status = 200 if found is not None else 404
                body = json.dumps(found or {"type": "error", "status": 404}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


@pytest.fixture
def fake_box() -> Iterator[Any]:
    started: list[FakeBox] = []

    def start(answers: dict[str, Any]) -> tuple[FakeBox, BoxReader]:
        box = FakeBox(answers)
        box.thread.start()
        started.append(box)
        return box, BoxReader(sdk_client(box.url, max_attempts=1))

    yield start
    for box in started:
        box.server.shutdown()
        box.server.server_close()
