"""Box webhook deliveries at ``watch --listen``: checked (signature by either key, age with a
small allowance for a sender's clock ahead of ours, replay),
remembered by their id in the state directory, answered at once, and handed to the watcher's
queue as hints; ``GET /healthz`` for a process supervisor.

The request thread never reads or writes Box: Box counts an answer later than 30 s as a failure
and retries, so a delivery is answered as soon as its hint is queued. Plain HTTP: TLS (Box
delivers only to https on port 443) is the reverse proxy's job.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from reconciler.box.events import event_items
from reconciler.box.webhooks import DEFAULT_FUTURE_SKEW_SECONDS, verify
from reconciler.errors import UsageError
from reconciler.model import ItemRef, box_time
from reconciler.statedir import StateDir
from reconciler.watch.hints import Hint, HintQueue

log = logging.getLogger(__name__)

SEEN_FILE = "webhooks.json"
#: Box retries a failed delivery for days (exponential back-off); an id is remembered longer.
REMEMBER = timedelta(days=14)
MAX_BODY = 1024 * 1024
#: Triggers that say the webhook itself is in trouble: a full resync puts it back, and the
#: operator is told.
ALARMS = frozenset({"WEBHOOK.DELETED", "NO_ACTIVE_SESSION"})


@dataclass(frozen=True)
class Keys:
    primary: str
    secondary: str

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Keys:
        keys = cls(env.get("BOX_WEBHOOK_PRIMARY_KEY", ""), env.get("BOX_WEBHOOK_SECONDARY_KEY", ""))
        if not keys.primary and not keys.secondary:
            raise UsageError(
                "--listen: set BOX_WEBHOOK_PRIMARY_KEY and BOX_WEBHOOK_SECONDARY_KEY (the "
                "signature keys of the app in Box's developer console) so deliveries can be "
                "verified"
            )
        return keys


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT``, ``[::1]:PORT`` or ``:PORT`` (loopback)."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UsageError(f"--listen {text!r}: give HOST:PORT, for example 127.0.0.1:8080")
    return host, int(port)


class Seen:
    """Delivery ids already taken, kept in the state directory so a restart forgets none."""

    def __init__(self, state: StateDir) -> None:
        self._state = state
        self._lock = threading.Lock()
        self._ids: dict[str, str] = {
            str(k): str(v) for k, v in (state.read(SEEN_FILE).get("seen") or {}).items()
        }

    def first_time(self, delivery_id: str, now: datetime) -> bool:
        """Record the id; False when it was seen before (a retry or a replay)."""
        with self._lock:
            if delivery_id in self._ids:
                return False
            stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
            self._ids[delivery_id] = stamp
            cutoff = now - REMEMBER
            self._ids = {k: v for k, v in self._ids.items() if (box_time(v) or now) >= cutoff}
            self._state.write(SEEN_FILE, {"seen": self._ids})
            return True


@dataclass
class Counters:
    """What the intake took, for the health endpoint; requests run on threads of their own."""

    received: int = 0
    accepted: int = 0
    refused: int = 0
    duplicates: int = 0
    alarms: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, name: str) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)


@dataclass
class Intake:
    """What a delivery needs: the keys, the memory of ids, the queue, and where an item leads
    (``extra_items``: the delivered folder of a webhook id or of a file the watcher knows)."""

    keys: Keys
    seen: Seen
    hints: HintQueue
    extra_items: Callable[[dict[str, Any], tuple[ItemRef, ...]], tuple[ItemRef, ...]]
    health: Callable[[], dict[str, Any]]
    counters: Counters = field(default_factory=Counters)
    #: seconds a timestamp may be ahead of this clock (``watch.webhook_clock_skew_seconds``)
    future_skew: Callable[[], float] = lambda: DEFAULT_FUTURE_SKEW_SECONDS

    def report(self) -> dict[str, Any]:
        """The watcher's health and what the intake took, for ``GET /healthz``."""
        counts = self.counters
        return {
            **self.health(),
            "deliveries": {
                "received": counts.received,
                "accepted": counts.accepted,
                "refused": counts.refused,
                "duplicates": counts.duplicates,
            },
            "alarms": list(counts.alarms),
        }

    def take(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        """(status, message) for one delivery."""
        self.counters.count("received")
        skew = self.future_skew()
        if not verify(body, headers, self.keys.primary, self.keys.secondary, future_skew=skew):
            self.counters.count("refused")
            log.warning(
                "refused a webhook delivery: bad signature, older than 10 minutes, or more "
                "than %g s ahead of this machine's clock",
                skew,
            )
            return 403, "signature or timestamp not valid"
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not payload.get("id"):
            self.counters.count("refused")
            return 400, "not a Box webhook payload"
        if not self.seen.first_time(str(payload["id"]), datetime.now(timezone.utc)):
            self.counters.count("duplicates")
            log.info("webhook delivery %s seen before: ignored", payload["id"])
            return 200, "seen before"
        self.counters.count("accepted")
        self.hints.put(self.hint(payload))
        return 200, "queued"

    def hint(self, payload: dict[str, Any]) -> Hint:
        trigger = str(payload.get("trigger") or "")
        hook = str((payload.get("webhook") or {}).get("id") or "")
        if trigger in ALARMS:
            reason = (payload.get("additional_info") or {}) if trigger == "WEBHOOK.DELETED" else {}
            words = f"Box sent {trigger} for webhook {hook or '?'}" + (
                f" ({reason.get('reason')})" if isinstance(reason, dict) and reason else ""
            )
            with self.counters.lock:
                self.counters.alarms.append(words)
            log.error("%s: full resync, which declares the webhooks again", words)
            return Hint(source="webhook", resync=True, reason=words)
        items = event_items(payload)
        items = tuple(sorted(set(items) | set(self.extra_items(payload, items))))
        log.debug("webhook %s %s on %s", trigger, payload.get("id"), [str(i) for i in items])
        return Hint.about(items, source="webhook", reason=f"webhook {trigger}")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _answer(self, status: int, document: dict[str, Any]) -> None:
        body = json.dumps(document).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.split("?")[0] in ("/healthz", "/health"):
            report = self.server.intake.report()
            # A stopping watcher is not healthy: a supervisor or proxy should stop sending.
            self._answer(200 if report.get("status") == "ok" else 503, report)
        else:
            self._answer(404, {"message": "GET /healthz; Box delivers with POST"})

    def do_POST(self) -> None:
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > MAX_BODY:
            self._answer(413 if length.isdigit() else 411, {"message": "body length"})
            return
        body = self.rfile.read(int(length))
        status, message = self.server.intake.take(body, dict(self.headers.items()))
        self._answer(status, {"message": message})

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("intake: " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], intake: Intake) -> None:
        self.intake = intake
        super().__init__(address, _Handler)


class Listener:
    """The intake's HTTP server on its own thread."""

    def __init__(self, host: str, port: int, intake: Intake) -> None:
        try:
            self._server = _Server((host, port), intake)
        except OSError as exc:
            raise UsageError(
                f"--listen {host}:{port}: cannot listen there ({exc.strerror})"
            ) from None
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="webhook-intake", daemon=True
        )

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()
        log.info(
            "taking Box webhook deliveries at %s (health: %s/healthz)", self.address, self.address
        )

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
