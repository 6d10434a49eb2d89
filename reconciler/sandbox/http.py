"""The sandbox's HTTP connections: werkzeug's threaded server with HTTP/1.1 keep-alive."""

from __future__ import annotations

import contextlib
import email.utils
import io
import json
import logging
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

log = logging.getLogger(__name__)

#: the names a request may give in ``Host`` (with the port served): the server listens on
#: 127.0.0.1 only, and any other name is a page that had its own name resolved to 127.0.0.1
LOOPBACK_NAMES = ("127.0.0.1", "localhost")
#: the largest request body read: Box's own limit for a single upload is 50 MB; larger: 413
BODY_LIMIT = 64 * 1024 * 1024
#: and for the control plane (``/_sandbox/``), which takes JSON documents only
CONTROL_BODY_LIMIT = 16 * 1024 * 1024
#: how often a serving loop checks whether it was asked to stop
POLL_INTERVAL_S = 0.05
KEEP_ALIVE_IDLE_S = 60


class Connections:
    """The open client connections of one server, so that stopping it also ends idle keep-alives.

    Otherwise a client's pooled connection would go on being served, by a handler thread of a
    stopped sandbox, from its old state.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()

    def add(self, conn: socket.socket) -> None:
        with self._lock:
            self._open.add(conn)

    def discard(self, conn: socket.socket) -> None:
        with self._lock:
            self._open.discard(conn)

    def close_all(self) -> None:
        with self._lock:
            conns, self._open = list(self._open), set()
        for conn in conns:
            # wakes the handler blocked on the next request; OSError: the client has gone
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class KeepAliveHandler(WSGIRequestHandler):
    """werkzeug's request handler, but keeping HTTP/1.1 connections open between requests.

    werkzeug's own ``run_wsgi`` closes every connection, because it cannot tell where an unread
    request body ends. Reading the whole body before the application runs makes keep-alive
    safe (the next bytes on the socket are the next request line), and without it every SDK
    call pays for a new TCP connection and a server thread.
    """

    protocol_version = "HTTP/1.1"
    timeout = KEEP_ALIVE_IDLE_S  # an idle connection is closed after this many seconds

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header by the sandbox's clock (movable), as Box's is by Box's."""
        clock = getattr(self.server, "box_clock", None)
        if timestamp is None and clock is not None:
            return email.utils.format_datetime(clock().astimezone(timezone.utc), usegmt=True)
        return super().date_time_string(timestamp)

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's algorithm holds the
        # body back until the client's delayed ACK (about 40 ms) on a kept-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connections = getattr(self.server, "box_connections", None)
        if connections is not None:
            connections.add(self.connection)

    def finish(self) -> None:
        connections = getattr(self.server, "box_connections", None)
        if connections is not None:
            connections.discard(self.connection)
        super().finish()

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        control = str(environ.get("PATH_INFO", "")).startswith("/_sandbox/")
        limit = CONTROL_BODY_LIMIT if control else BODY_LIMIT
        body = self._read_body(environ, limit)
        if body is None:
            self.close_connection = True  # the unread rest of the body is still on the socket
            self._send("413 Request Entity Too Large", *too_large(limit))
            return
        environ["wsgi.input"] = io.BytesIO(body)
        # the body is whole now: to the application it is a plain sized body
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("wsgi.input_terminated", None)
        environ.pop("HTTP_TRANSFER_ENCODING", None)

        started: list[Any] = []
        chunks: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
            started[:] = [status, headers]
            return chunks.append

        result = self.server.app(environ, start_response)
        try:
            chunks.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        self._send(started[0], started[1], b"".join(chunks))

    def _read_body(self, environ: dict[str, Any], limit: int) -> bytes | None:
        """The whole body, or None when it is larger than ``limit`` (nothing more is read)."""
        if environ.get("wsgi.input_terminated"):  # chunked: werkzeug's DechunkedInput
            body = bytes(environ["wsgi.input"].read(limit + 1))
            return None if len(body) > limit else body
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
            self.close_connection = True  # the rest of the stream cannot be trusted
        if length > limit:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: str, headers: list[tuple[str, str]], payload: bytes) -> None:
        code_text, _, reason = status.partition(" ")
        code = int(code_text)
        self.send_response(code, reason)
        names = set()
        for name, value in headers:
            self.send_header(name, value)
            names.add(name.lower())
        if "content-length" not in names and code not in (204, 304) and code >= 200:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.wfile.flush()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug("%s %s", self.requestline, code)

    def log_error(self, format: str, *args: Any) -> None:
        # e.g. an idle keep-alive connection timing out: routine, not worth stderr
        log.debug("sandbox connection: " + format, *args)


def too_large(limit: int) -> tuple[list[tuple[str, str]], bytes]:
    """Headers and Box-shaped body of a 413, answered before the application sees the call."""
    body = {
        "type": "error",
        "status": 413,
        "code": "request_entity_too_large",
        "message": f"Request body larger than {limit} bytes",
    }
    headers = [("Content-Type", "application/json"), ("Connection", "close")]
    return headers, json.dumps(body).encode("utf-8")


def host_is_served(host: str, port: int | None, allowed: tuple[str, ...] = ()) -> bool:
    """Whether ``Host`` names this server: a loopback name and the port it serves, or a name
    allowed on purpose (``--allow-host``: a TLS front that keeps its own Host). An allowed
    ``name`` matches on any port, ``name:port`` on that port only."""
    name, _, given = host.strip().lower().rpartition(":")
    if not name or not given.isdigit():  # no port: only the default port 80 would match
        name, given = host.strip().lower(), "80"
    if name in allowed or f"{name}:{given}" in allowed:
        return True
    return name in LOOPBACK_NAMES and (port is None or int(given) == port)


def allowed_host(text: str) -> str:
    """An ``--allow-host`` value as ``host_is_served`` compares it (ValueError when malformed)."""
    value = text.strip().lower()
    name, _, given = value.rpartition(":")
    if name and given.isdigit() and not name.endswith("]"):
        return value if 0 < int(given) < 65536 and valid_name(name) else invalid_host(text)
    return value if valid_name(value) else invalid_host(text)


def valid_name(name: str) -> bool:
    return bool(name) and all(c.isalnum() or c in ".-_" for c in name)


def invalid_host(text: str) -> str:
    raise ValueError(f"'{text}' is not a host name, or host:port")


def serve(
    app: Callable[..., Any], port: int, clock: Callable[[], datetime] | None = None
) -> BaseWSGIServer:
    """A threaded server on 127.0.0.1 only (never another interface); port 0 picks a free one.
    ``clock`` dates the responses."""
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=KeepAliveHandler)
    server.box_clock = clock  # type: ignore[attr-defined]
    server.daemon_threads = True  # type: ignore[attr-defined]
    server.box_connections = Connections()  # type: ignore[attr-defined]
    return server


def close_connections(server: BaseWSGIServer) -> None:
    connections = getattr(server, "box_connections", None)
    if connections is not None:
        connections.close_all()
