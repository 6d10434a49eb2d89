"""A billing receiver on loopback for the notify tests: records every POST and answers with
the statuses it is told to (then 200), so a test can see retries, signatures and ids."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def document(self) -> dict[str, Any]:
        return dict(json.loads(self.body))

    def signed_with(self, secret: str) -> bool:
        expected = "sha256=" + hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers.get("x-reconcile-signature", ""))


@dataclass
class Receiver:
    answers: list[int] = field(default_factory=list)  # statuses to give first, in order
    got: list[Received] = field(default_factory=list)
    port: int = 0  # 0: any free port

    def __post_init__(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = owner.answers.pop(0) if owner.answers else 200
                headers = {k.lower(): v for k, v in self.headers.items()}
                owner.got.append(Received(status, headers, body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/billing"

    def accepted(self, kind: str | None = None) -> list[Received]:
        """What the receiver took (a 2xx answer), optionally of one notice type."""
        return [
            r
            for r in self.got
            if 200 <= r.status < 300 and (kind is None or r.document.get("type") == kind)
        ]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
