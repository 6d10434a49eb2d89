"""The ``http`` sink: a POST signed as Standard Webhooks (https://www.standardwebhooks.com), so a
receiver verifies it with the ``standardwebhooks`` library (or Svix's) in three lines.

Headers: ``webhook-id`` (the notice's id, the same on every retry: a receiver drops an id it
has), ``webhook-timestamp`` (Unix seconds when signed) and ``webhook-signature: v1,<base64 of
HMAC-SHA256 over "id.timestamp.body">``, keyed with the secret ``whsec_<base64>`` decoded.
For receivers written before these, ``X-Reconcile-Id``/``Idempotency-Key`` and
``X-Reconcile-Signature: sha256=<hex HMAC-SHA256 of the body>`` (same key) are still sent; a
secret without the ``whsec_`` prefix is used as its UTF-8 bytes, as it always was.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import urllib3
from urllib3.util.retry import Retry

from reconciler.errors import SinkError
from reconciler.manifest.notify_config import SinkSpec, webhook_key
from reconciler.notify.notices import Notice

SIGNATURE_HEADER = "X-Reconcile-Signature"
ID_HEADER = "X-Reconcile-Id"


def standard_signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def legacy_signature(key: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def signed_headers(
    key: bytes, msg_id: str, body: bytes, *, now: float | None = None
) -> dict[str, str]:
    timestamp = int(time.time() if now is None else now)
    return {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_signature(key, msg_id, timestamp, body),
        ID_HEADER: msg_id,
        "Idempotency-Key": msg_id,
        SIGNATURE_HEADER: legacy_signature(key, body),
        "User-Agent": "reconciler-notify/2",
    }


class HttpSink:
    """POST with urllib3's Retry: exponential backoff on 5xx, connection errors and timeouts;
    connecting and each read bounded by ``timeout_seconds``."""

    def __init__(self, spec: SinkSpec, secret: str) -> None:
        self.name = spec.name
        self.on = spec.on
        self.url = spec.target
        key = webhook_key(secret)
        if key is None:  # the config's loader refuses it first, naming the line
            raise SinkError(f"{self.name}: the secret starts with whsec_ but is not base64")
        self._key = key
        retry = Retry(
            total=spec.retries,
            backoff_factor=spec.backoff_seconds,
            status_forcelist=tuple(range(500, 600)),
            allowed_methods=frozenset({"POST"}),  # safe: the receiver dedups by webhook-id
            raise_on_status=False,
            respect_retry_after_header=True,
        )
        timeout = urllib3.Timeout(connect=spec.timeout_seconds, read=spec.timeout_seconds)
        self._pool = urllib3.PoolManager(retries=retry, timeout=timeout)

    def send(self, notice: Notice) -> None:
        body = notice.body()
        headers = signed_headers(self._key, notice.id, body)
        try:
            answer = self._pool.request("POST", self.url, body=body, headers=headers)
        except urllib3.exceptions.HTTPError as exc:
            raise SinkError(f"{self.name}: {type(exc).__name__}") from None
        if not 200 <= answer.status < 300:
            raise SinkError(f"{self.name}: answered {answer.status}")
