"""The one HTTP receiver the tests start: a werkzeug server on 127.0.0.1, in a thread, that
records every request sent to it (method, path, query, headers, body) and answers as scripted.

Webhook sinks, chat through Apprise, the sandbox's webhook deliveries, canned Box answers and
the forge stand-ins are all this server with a different ``respond``; what a test asserts is
in the records, so a sender that stops sending, retries too often or signs wrongly fails it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

#: How a receiver answers one request: the default answers each with the next of its scripted
#: statuses (then 200) and an empty body.
Respond = Callable[[Request], Response]

WAIT_S = 5.0


@dataclass(frozen=True)
class Received:
    """One request as it arrived, and the status it was answered with."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    status: int

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def document(self) -> dict[str, Any]:
        return dict(json.loads(self.body))

    def signed_with(self, secret: str) -> bool:
        """Whether ``x-reconcile-signature`` is the HMAC-SHA256 of the body under ``secret``."""
        expected = "sha256=" + hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers.get("x-reconcile-signature", ""))


class _Quiet(WSGIRequestHandler):
    """HTTP/1.0, so each answer closes its connection (a receiver stopped and started again on
    its port sees fresh ones), and no access log on stderr."""

    protocol_version = "HTTP/1.0"

    def log(self, type: str, message: str, *args: Any) -> None:
        return


class Receiver:
    """Serves on 127.0.0.1 (``port`` 0: any free one) from construction until ``stop()``.

    ``answers`` are the statuses the default ``respond`` gives first, in order (then 200); a
    test may replace the list at any time. ``delay_seconds`` holds each answer back (``math.inf``:
    until ``stop()``, a receiver that takes requests and never answers). ``path`` is the path
    ``url`` names; every path is answered alike.
    """

    def __init__(
        self,
        respond: Respond | None = None,
        *,
        answers: Iterable[int] = (),
        delay_seconds: float = 0.0,
        path: str = "/hook",
        port: int = 0,
    ) -> None:
        self.answers = list(answers)
        self.got: list[Received] = []
        self.path = path
        self._respond = respond or self._scripted
        self._delay = None if math.isinf(delay_seconds) else delay_seconds
        self._held = delay_seconds > 0
        self._taken = 0  # how many of ``got`` next() has handed out
        self._holding = 0
        self._arrived = threading.Condition()
        self._stopping = threading.Event()
        self._server = make_server(
            "127.0.0.1", port, self._wsgi, threaded=True, request_handler=_Quiet
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return self.base_url + self.path

    def stop(self) -> None:
        self._stopping.set()  # held answers go now, so no request thread outlives the test
        self._server.shutdown()
        self._server.server_close()
        # Until the serving thread is gone its last poll may keep the port listening, taking
        # connections only to reset them: a test that stopped a receiver must find it closed.
        self._thread.join(timeout=WAIT_S)

    # -- what arrived --

    @property
    def holding(self) -> int:
        """How many requests are being held back by ``delay_seconds`` right now."""
        with self._arrived:
            return self._holding

    def paths(self) -> list[str]:
        """The path of each request, in the order they arrived."""
        with self._arrived:
            return [r.path for r in self.got]

    def accepted(self, kind: str | None = None) -> list[Received]:
        """What was answered 2xx, optionally only notices of one ``type``."""
        with self._arrived:
            got = list(self.got)
        return [
            r
            for r in got
            if 200 <= r.status < 300 and (kind is None or r.document.get("type") == kind)
        ]

    def next(self, timeout: float = WAIT_S) -> Received:
        """The oldest request not yet handed out by ``next``, waiting up to ``timeout``."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.got) > self._taken, timeout):
                raise AssertionError(f"nothing arrived at {self.url} within {timeout}s")
            self._taken += 1
            return self.got[self._taken - 1]

    def nothing_more(self) -> bool:
        """Whether no request beyond those handed out has arrived (so far: a caller that
        needs "never" first makes sure the sender has nothing left to send)."""
        with self._arrived:
            return len(self.got) == self._taken

    # -- serving --

    def _scripted(self, request: Request) -> Response:
        with self._arrived:
            status = self.answers.pop(0) if self.answers else 200
        return Response(b"", status=status)

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        body = request.get_data()
        if self._held:
            self._hold()
        response = self._respond(request)
        # Recorded before the answer leaves: a sender that got its answer finds its request here.
        self._record(request, body, response.status_code)
        return response(environ, start_response)

    def _hold(self) -> None:
        with self._arrived:
            self._holding += 1
        try:
            self._stopping.wait(self._delay)
        finally:
            with self._arrived:
                self._holding -= 1

    def _record(self, request: Request, body: bytes, status: int) -> None:
        received = Received(
            method=request.method,
            path=request.path,
            query=parse_qs(request.query_string.decode("latin-1"), keep_blank_values=True),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            status=status,
        )
        with self._arrived:
            self.got.append(received)
            self._arrived.notify_all()
