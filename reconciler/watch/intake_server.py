"""The intake's HTTP server: werkzeug's request handling behind one thread that accepts and waits,
and a bounded pool of workers that only ever get a connection with a request on it.

Idle connections cost a descriptor, never a thread: they wait in a lobby (one selector) until
their first bytes arrive or ``FIRST_BYTE_TIMEOUT`` passes. When the process runs out of
descriptors, or the lobby is full, the longest-waiting idle connection is closed to make room,
so ``/healthz`` and Box's deliveries still get in. A worker reads headers and body with
``READ_TIMEOUT`` per read; every request gets an HTTP answer, and a dropped connection is a
line at debug level, never a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import resource
import selectors
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

log = logging.getLogger(__name__)

WORKERS = 8
#: Work handed to the pool beyond what its workers hold; past it a connection is closed unread.
QUEUED = 64
#: Seconds an accepted connection may stay silent before it is closed.
FIRST_BYTE_TIMEOUT = 10.0
#: Seconds one read of the request line, a header or the body may take.
READ_TIMEOUT = 10.0
#: Idle connections kept at most (fewer when the descriptor limit is low).
LOBBY = 512

WsgiApp = Callable[..., Any]


class _Handler(WSGIRequestHandler):
    """One request per connection, timed reads, and quiet about clients that go away."""

    timeout = READ_TIMEOUT
    protocol_version = "HTTP/1.1"

    def handle_one_request(self) -> None:
        super().handle_one_request()
        self.close_connection = True  # keep-alive would hold a worker while the client idles

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug("intake: %s %s", self.requestline[:200], code)

    def log_error(self, format: str, *args: Any) -> None:
        log.debug("intake: " + format, *args)

    def log(self, type: str, message: str, *args: Any) -> None:
        log.debug("intake: " + message, *args)


class IntakeServer(BaseWSGIServer):
    """Serves ``app`` on an open listening socket until ``stop``."""

    multithread = True
    request_queue_size = 1024

    def __init__(self, listening: socket.socket, app: WsgiApp) -> None:
        host, port = listening.getsockname()[:2]
        super().__init__(host, port, app, handler=_Handler, fd=listening.fileno())
        listening.close()  # werkzeug holds its own duplicate
        self.socket.setblocking(False)
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="intake")
        self._busy = threading.BoundedSemaphore(WORKERS + QUEUED)
        self._lobby: OrderedDict[int, tuple[socket.socket, Any, float]] = OrderedDict()
        self._room = _lobby_size()
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._warned = -60.0

    # -- the accepting thread --

    def serve_forever(self, poll_interval: float = 0.25) -> None:
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self.socket, selectors.EVENT_READ, None)
                while not self._stopping.is_set():
                    for key, _ in selector.select(timeout=poll_interval):
                        if key.data is None:
                            self._accept(selector)
                        else:
                            self._dispatch(selector, key.fd)
                    self._expire(selector, time.monotonic() - FIRST_BYTE_TIMEOUT)
                for fd in list(self._lobby):
                    self._drop(selector, fd)
        finally:
            self._stopped.set()

    def _accept(self, selector: selectors.BaseSelector) -> None:
        for _ in range(64):  # a burst at a time, so waiting connections get their turn too
            try:
                connection, address = self.socket.accept()
            except BlockingIOError:
                return
            except OSError as err:
                if err.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    # Out of descriptors: the idle connection that waited longest makes room.
                    if not self._evict(selector):
                        time.sleep(0.05)  # every descriptor is at work: do not spin
                    continue
                log.debug("intake: accept failed: %s", err.strerror)
                return
            connection.setblocking(False)
            if len(self._lobby) >= self._room:
                self._evict(selector)
            self._lobby[connection.fileno()] = (connection, address, time.monotonic())
            selector.register(connection, selectors.EVENT_READ, address)

    def _dispatch(self, selector: selectors.BaseSelector, fd: int) -> None:
        connection, address, _ = self._lobby.pop(fd)
        selector.unregister(connection)
        if _hung_up(connection):  # readable because the client went away: nothing to serve
            _close(connection)
            return
        if not self._busy.acquire(blocking=False):
            self._overloaded()
            _close(connection)
            return
        connection.setblocking(True)
        try:
            self._pool.submit(self._work, connection, address)
        except RuntimeError:  # the pool is shutting down
            self._busy.release()
            _close(connection)

    def _overloaded(self) -> None:
        now = time.monotonic()
        if now - self._warned >= 60:  # one line a minute, however many were closed
            log.warning("intake: %d requests waiting already; closing new ones unread", QUEUED)
            self._warned = now

    def _expire(self, selector: selectors.BaseSelector, before: float) -> None:
        while self._lobby:
            fd, (_, _, since) = next(iter(self._lobby.items()))
            if since > before:
                return
            self._drop(selector, fd)

    def _evict(self, selector: selectors.BaseSelector) -> bool:
        if not self._lobby:
            return False
        self._drop(selector, next(iter(self._lobby)))
        return True

    def _drop(self, selector: selectors.BaseSelector, fd: int) -> None:
        connection, _, _ = self._lobby.pop(fd)
        selector.unregister(connection)
        _close(connection)

    # -- the workers --

    def _work(self, connection: socket.socket, address: Any) -> None:
        try:
            self.finish_request(connection, address)
        except Exception as err:
            log.debug("intake: request from %s ended: %s", address, type(err).__name__)
        finally:
            self._busy.release()
            self.shutdown_request(connection)

    # -- stopping --

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, close idle connections, let requests under way finish (bounded)."""
        self._stopping.set()
        self._stopped.wait(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.server_close()


def _lobby_size() -> int:
    """Room for idle connections: half the descriptors the process may open, at most LOBBY."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return LOBBY
    return max(8, min(LOBBY, soft // 2))


def _hung_up(connection: socket.socket) -> bool:
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:  # reset by the peer
        return True


def _close(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.close()


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket (IPv6 when the host is an IPv6 address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((host, port))
        listening.listen(IntakeServer.request_queue_size)
    except OSError:
        listening.close()
        raise
    return listening
