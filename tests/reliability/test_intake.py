"""The webhook intake holds: idle connections under a 1,024-descriptor limit, a payload of an
unexpected shape, a ``Content-Length`` that is not ASCII digits, and clients that hang up; each
gets an HTTP answer or is closed quietly, and ``/healthz`` and Box's deliveries still get in."""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.conftest import Studio
from tests.integration.test_webhooks import KEYS, Listening, acceptance_payload, signed
from tests.integration.watching import Watch, configure, wait_until

FD_LIMIT = 1024


class LimitedWatch(Watch):
    """``reconcile watch`` under systemd's default descriptor limit."""

    def __init__(self, studio: Studio, *args: str, env: dict[str, str] | None = None) -> None:
        super().__init__(
            studio,
            *args,
            env=env,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT)),
        )


@pytest.fixture
def listening(studio: Studio) -> Iterator[tuple[Listening, Watch]]:
    configure(studio)
    started: list[Watch] = []
    where = Listening(studio, started)
    watch = LimitedWatch(studio, "--listen", f"127.0.0.1:{where.port}", env=KEYS)
    started.append(watch)
    watch.wait_for_log("full reconcile (start)")
    wait_until(where.health, 30, "the health endpoint", watch)
    yield where, watch
    for each in started:
        each.stop(signal.SIGKILL)


def raw(port: int, request: bytes, *, timeout: float = 60.0) -> bytes:
    """Send ``request`` as is and read the answer until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def connected(sockets: list[socket.socket], timeout: float = 60.0) -> None:
    """Wait until every connection is set up (the server took it, or took it and closed it)."""
    poller = select.poll()
    waiting = {conn.fileno() for conn in sockets}
    for fd in waiting:
        poller.register(fd, select.POLLOUT)
    deadline = time.monotonic() + timeout
    while waiting:
        assert time.monotonic() < deadline, f"{len(waiting)} connections were never taken"
        for fd, _ in poller.poll(500):
            waiting.discard(fd)
            poller.unregister(fd)


def descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def closed_by_server(sockets: list[socket.socket]) -> bool:
    poller = select.poll()
    for conn in sockets:
        poller.register(conn.fileno(), select.POLLIN)
    for fd, _ in poller.poll(0):
        conn = next(c for c in sockets if c.fileno() == fd)
        try:
            if conn.recv(1) == b"":
                return True
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            return True
    return False


def payload(**fields: Any) -> bytes:
    return json.dumps(
        {"type": "webhook_event", "trigger": "COLLABORATION.ACCEPTED", **fields}
    ).encode()


def test_idle_connections_leave_room_for_health_and_deliveries(
    listening: tuple[Listening, Watch],
) -> None:
    where, watch = listening
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2_200:
        pytest.skip(f"this test opens 2,000 connections; the descriptor limit here is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2_200), hard))
    idle: list[socket.socket] = []
    try:
        for _ in range(2_000):
            conn = socket.socket()
            conn.setblocking(False)
            conn.connect_ex(("127.0.0.1", where.port))
            idle.append(conn)
        connected(idle)
        # The intake has dealt with them: it holds as many as it may, or closed some of ours.
        wait_until(
            lambda: descriptors(watch.process.pid) >= FD_LIMIT - 8 or closed_by_server(idle),
            60,
            "the intake to take the idle connections",
        )

        health = wait_until(where.health, 10, "the health endpoint beside 2,000 idle connections")
        body = acceptance_payload()
        taken = where.post(body, signed(body))
    finally:
        for conn in idle:
            conn.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    assert health["status"] == "ok"
    assert taken == 200
    assert where.accepted() == 1, (where.health(), watch.log[-3000:])
    assert watch.process.poll() is None, watch.log
    assert "Traceback" not in watch.log and "no manifests found" not in watch.log


def test_a_payload_of_an_unexpected_shape_is_not_remembered(
    listening: tuple[Listening, Watch],
) -> None:
    where, watch = listening
    delivery = str(uuid.uuid4())
    odd = payload(id=delivery, webhook="not-an-object", source=5)

    first = where.post(odd, signed(odd))
    good = payload(id=delivery, webhook={"id": "1", "type": "webhook"})
    retried = where.post(good, signed(good))

    assert first == 400
    assert retried == 200 and where.accepted() == 1  # taken, not refused as a repeat
    assert "Traceback" not in watch.log


def test_every_request_gets_an_answer_and_no_traceback(
    listening: tuple[Listening, Watch],
) -> None:
    where, watch = listening
    superscript = raw(
        where.port, b"POST /box HTTP/1.1\r\nHost: x\r\nContent-Length: \xc2\xb2\r\n\r\n"
    )
    short = raw(where.port, b"POST /box HTTP/1.1\r\nHost: x\r\nContent-Length: 99\r\n\r\n{}")
    for _ in range(300):  # clients that hang up before the answer, or halfway through
        with socket.create_connection(("127.0.0.1", where.port)) as conn:
            conn.sendall(b"POST /box HTTP/1.1\r\nContent-Length: 5000\r\n\r\n{")
        with socket.create_connection(("127.0.0.1", where.port)) as conn:
            conn.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            conn.sendall(b"GET /healthz HTTP/1.1\r\n\r\n")

    assert superscript.startswith(b"HTTP/1.1 4"), superscript
    assert short.startswith(b"HTTP/1.1 4"), short
    assert wait_until(where.health, 10, "the health endpoint")["status"] == "ok"
    assert watch.process.poll() is None
    assert "Traceback" not in watch.log and "BrokenPipe" not in watch.log
