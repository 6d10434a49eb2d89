"""Box webhook deliveries at ``watch --listen``: checked (signature by either key, age with a
small allowance for a sender's clock ahead of ours, replay), handed to the watcher's queue as
hints, then remembered by their id in the state directory, and answered at once; ``GET
/healthz`` for a process supervisor, which also says whether the state directory is saving
(``status: degraded`` while it is not).

The request thread never reads or writes Box: Box counts an answer later than 30 s as a failure
and retries, so a delivery is answered as soon as its hint is queued. Plain HTTP: TLS (Box
delivers only to https on port 443) is the reverse proxy's job. The server itself (idle
connections, workers, timeouts) is ``intake_server``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from reconciler.box.events import event_items
from reconciler.box.webhooks import DEFAULT_FUTURE_SKEW_SECONDS, verify
from reconciler.errors import UsageError
from reconciler.model import ItemRef, box_time, stamp
from reconciler.notify.statedir import StateDir
from reconciler.watch.hints import Hint, HintQueue
from reconciler.watch.intake_server import IntakeServer, listening_socket

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
        seen = state.read(SEEN_FILE).get("seen", {})
        if not isinstance(seen, dict) or not all(isinstance(v, str) for v in seen.values()):
            raise state.wrong_shape(SEEN_FILE, '"seen" is not a map of ids to times')
        self._ids: dict[str, str] = {str(k): v for k, v in seen.items()}

    def known(self, delivery_id: str) -> bool:
        """Whether the id was taken before (a retry or a replay)."""
        with self._lock:
            return delivery_id in self._ids

    def remember(self, delivery_id: str, now: datetime) -> None:
        """Record a taken id, and forget those older than REMEMBER. A write that fails (a full
        disk) is kept in memory and tried again by the state directory."""
        with self._lock:
            self._ids[delivery_id] = stamp(now)
            cutoff = now - REMEMBER
            self._ids = {k: v for k, v in self._ids.items() if (box_time(v) or now) >= cutoff}
            self._state.write(SEEN_FILE, {"seen": dict(self._ids)})

    def health(self) -> dict[str, Any]:
        """What the state directory reports about its writes, for ``/healthz``."""
        return self._state.health()


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
        report = {**self.health(), "state": self.seen.health()}
        if report["state"].get("failing"):
            report["status"] = "degraded"  # taking deliveries, but not saving what it took
        return {
            **report,
            "deliveries": {
                "received": counts.received,
                "accepted": counts.accepted,
                "refused": counts.refused,
                "duplicates": counts.duplicates,
            },
            "alarms": list(counts.alarms),
        }

    def take(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        """(status, message) for one delivery.

        The id is recorded only once its hint is queued: a delivery that fails before that is
        answered with an error, and Box's retry of it is taken, not refused as a repeat.
        """
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
        except (ValueError, RecursionError):
            payload = None
        if not isinstance(payload, dict) or not isinstance(payload.get("id"), (str, int)):
            self.counters.count("refused")
            return 400, "not a Box webhook payload"
        delivery = str(payload["id"])
        if self.seen.known(delivery):
            self.counters.count("duplicates")
            log.info("webhook delivery %r seen before: ignored", delivery)
            return 200, "seen before"
        try:
            hint = self.hint(payload)
        except Exception as err:
            self.counters.count("refused")
            log.warning(
                "webhook delivery %r: a payload this intake cannot read (%s); not recorded, so "
                "Box's retry is taken",
                delivery,
                type(err).__name__,
            )
            return 400, "a webhook payload of an unexpected shape"
        self.hints.put(hint)
        self.counters.count("accepted")
        self.seen.remember(delivery, datetime.now(timezone.utc))
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
        return Hint.about(
            items,
            source="webhook",
            reason=f"webhook {trigger}",
            comment=trigger.startswith("COMMENT."),
        )


def _length(environ: dict[str, Any]) -> int | None:
    """The declared body length: ASCII digits only (``int`` would take "²" or "٣")."""
    text = str(environ.get("CONTENT_LENGTH") or "")
    if not text.isascii() or not text.isdigit():
        return None
    return int(text)


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    """The request headers under their usual names, as ``verify`` reads them."""
    out: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            out["-".join(p.capitalize() for p in key[5:].split("_"))] = str(value)
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            out["-".join(p.capitalize() for p in key.split("_"))] = str(environ[key])
    return out


def application(intake: Intake) -> Callable[..., Any]:
    """The intake as a WSGI application: every request gets a JSON answer, whatever it holds."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        try:
            status, document = _route(intake, environ)
        except Exception as err:
            log.warning("intake: a request failed (%s); answered 500", type(err).__name__)
            status, document = 500, {"message": "internal error"}
        body = json.dumps(document).encode("utf-8")
        start_response(
            f"{status} {_REASONS.get(status, 'Error')}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return app


_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    411: "Length Required",
    413: "Payload Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _route(intake: Intake, environ: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    method = environ.get("REQUEST_METHOD", "")
    path = str(environ.get("PATH_INFO") or "")
    if method in ("GET", "HEAD"):
        if path in ("/healthz", "/health"):
            report = intake.report()
            # A stopping watcher, or one that cannot save its state, is not healthy.
            return (200 if report.get("status") in ("ok", "degraded") else 503), report
        return 404, {"message": "GET /healthz; Box delivers with POST"}
    if method != "POST":
        return 405, {"message": "Box delivers with POST"}
    length = _length(environ)
    if length is None or length > MAX_BODY:
        return (411 if length is None else 413), {"message": "body length"}
    try:
        body = environ["wsgi.input"].read(length)
    except OSError:  # a timeout or a dropped connection mid-body
        return 408, {"message": "the body did not arrive in time"}
    if len(body) < length:
        return 400, {"message": "the body is shorter than its Content-Length"}
    status, message = intake.take(body, _headers(environ))
    return status, {"message": message}


class Listener:
    """The intake's HTTP server on its own thread."""

    def __init__(self, host: str, port: int, intake: Intake) -> None:
        try:
            listening = listening_socket(host, port)
        except OSError as exc:
            raise UsageError(
                f"--listen {host}:{port}: cannot listen there ({exc.strerror})"
            ) from None
        self._server = IntakeServer(listening, application(intake))
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="webhook-intake", daemon=True
        )

    @property
    def address(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()
        log.info(
            "taking Box webhook deliveries at %s (health: %s/healthz)", self.address, self.address
        )

    def stop(self) -> None:
        self._server.stop()
