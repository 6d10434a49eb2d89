"""Webhook deliveries as Box makes them: signed with the app's two keys, tried again on Box's
schedule when the receiver fails, and the webhook deleted after Box's failure window.

From developer.box.com/guides/webhooks/v2 (index, "Retries", since 2024-07): a delivery fails
without a 2xx answer within 30 seconds; Box resends it "up to 12 times over a period of 2
hours". The guide gives no single wait, so the sandbox doubles them from 30 seconds up to 15
minutes (0.5, 1, 2, 4, 8, then 15 minutes seven times: 2 hours in all) and then gives up.
From limitations-v2 ("Reasons for webhook deletion"): a webhook
whose last successful delivery was 30 days ago, and whose last trigger came more than 14 days
after that, is deleted, and Box sends ``WEBHOOK.DELETED`` with ``{"reason": "auto_cleanup"}``.

Deliveries are rows of the state (so a restarted sandbox still owes them) and fall due by the
state's clock, which the control plane moves (``PUT /_sandbox/clock``): tests never wait.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any

from reconciler.sandbox.errors import BadRequest, invalid_parameter
from reconciler.sandbox.routing import Call, Reply, Route
from reconciler.sandbox.state import State, Webhook, WebhookDelivery, iso, parse_datetime

log = logging.getLogger(__name__)

#: the waits before each resend after a failure: 12, doubling from 30 s to 15 min, 2 h in all
RETRY_DELAYS = tuple(min(timedelta(seconds=30 * 2**n), timedelta(minutes=15)) for n in range(12))
CLEANUP_SILENCE = timedelta(days=30)
CLEANUP_GAP = timedelta(days=14)
#: Box waits 30 s; the sandbox's receivers are on this machine
DELIVERY_TIMEOUT_S = 5.0
TICK_S = 0.02


def sign(key: str, body: bytes, timestamp: str) -> str:
    """base64(HMAC-SHA256(key, raw body bytes + timestamp bytes)), as developer.box.com
    /guides/webhooks/v2/signatures-v2 describes (primary key for the primary header)."""
    digest = hmac.new(key.encode("utf-8"), body + timestamp.encode("utf-8"), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode("ascii")


def headers_for(state: State, body: bytes) -> dict[str, str]:
    """Fresh on every try: a new delivery id and timestamp, signed by both keys. The receiver
    checks the timestamp against its own clock and refuses a future one, so it is the
    machine's time (never the state's clock, which tests move), truncated to seconds."""
    timestamp = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    keys = state.enterprise
    return {
        "Content-Type": "application/json",
        "User-Agent": "Box-WH-Client/0.1",
        "BOX-DELIVERY-ID": str(uuid.uuid4()),
        "BOX-DELIVERY-TIMESTAMP": timestamp,
        "BOX-SIGNATURE-PRIMARY": sign(keys.primary_signature_key, body, timestamp),
        "BOX-SIGNATURE-SECONDARY": sign(keys.secondary_signature_key, body, timestamp),
        "BOX-SIGNATURE-VERSION": "1",
        "BOX-SIGNATURE-ALGORITHM": "HmacSHA256",
    }


def enqueue(state: State, hook: Webhook, payload: dict[str, Any], *, retries: bool = True) -> None:
    """Owe ``payload`` to the webhook's address, due now (the caller holds the state's lock)."""
    body = json.dumps(payload, separators=(",", ":"))
    now = state.now()
    row = WebhookDelivery(str(payload["id"]), hook.id, hook.address, body, now, retries=retries)
    state.webhook_deliveries[row.id] = row
    if retries:
        hook.last_trigger_at = now


def _moment(text: str, fallback: datetime) -> datetime:
    try:
        return parse_datetime(text) if text else fallback
    except ValueError:
        return fallback


def cleaned_up(hook: Webhook, now: datetime) -> bool:
    """Box's rule for deleting a failing webhook, judged at ``now``."""
    success = _moment(hook.last_success_at or hook.created_at, now)
    trigger = _moment(hook.last_trigger_at, success)
    return now - success >= CLEANUP_SILENCE and trigger - success > CLEANUP_GAP


def delete_for_failing(state: State, hook: Webhook) -> None:
    """Delete the webhook and what it still owed; tell its address once."""
    del state.webhooks[hook.id]
    for row in list(state.webhook_deliveries.values()):
        if row.webhook_id == hook.id and row.status in ("pending", "sending"):
            row.status = "failed"
    payload = {
        "type": "webhook_event",
        "id": str(uuid.uuid4()),
        "created_at": state.now(),
        "trigger": "WEBHOOK.DELETED",
        "webhook": {"id": hook.id, "type": "webhook"},
        "created_by": None,
        "source": {"id": hook.target_id, "type": hook.target_type},
        "additional_info": {"reason": "auto_cleanup"},
    }
    enqueue(state, hook, payload, retries=False)
    log.info("webhook %s deleted after a month of failed deliveries", hook.id)


def settle(state: State, row: WebhookDelivery, status: int | None, sent: datetime) -> None:
    """Record one try sent at ``sent`` (the caller holds the lock): delivered, due again
    (counted from the try, however long the receiver took), or given up. Everything is judged
    at the moment of the try, even if the control plane moved the clock while it was under way."""
    row.attempts += 1
    row.last_status = status
    hook = state.webhooks.get(row.webhook_id)
    if status is not None and 200 <= status < 300:
        row.status = "delivered"
        if hook is not None:
            hook.last_success_at = str(iso(sent))
        return
    if hook is not None and row.retries and cleaned_up(hook, sent):
        delete_for_failing(state, hook)
        return
    if not row.retries or hook is None or row.attempts > len(RETRY_DELAYS):
        row.status = "failed"
        return
    row.status = "pending"
    row.due_at = str(iso(sent + RETRY_DELAYS[row.attempts - 1]))


def post(address: str, body: bytes, headers: dict[str, str]) -> int | None:
    request = urllib.request.Request(address, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT_S) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError) as exc:
        log.debug("webhook delivery to %s failed: %s", address, exc)
        return None


def due(state: State) -> list[tuple[WebhookDelivery, dict[str, str]]]:
    """Rows due now, marked as being sent, each with its fresh headers."""
    with state.lock:
        now = state.clock()
        rows = [
            r
            for r in state.webhook_deliveries.values()
            if r.status == "pending" and _moment(r.due_at, now) <= now
        ]
        for row in rows:
            row.status = "sending"
        return [(r, headers_for(state, r.body.encode("utf-8"))) for r in rows]


def run(
    current: Callable[[], State], stopping: threading.Event, persist: Callable[[], None]
) -> None:
    """The sender: every tick, try what is due. ``current`` gives the state in use (a reset
    replaces it)."""
    with ThreadPoolExecutor(4, thread_name_prefix="box-sandbox-webhooks") as pool:
        while not stopping.wait(TICK_S):
            state = current()
            sent = state.clock()
            batch = due(state)
            if not batch:
                continue
            answers = list(
                pool.map(lambda job: post(job[0].address, job[0].body.encode(), job[1]), batch)
            )
            with state.lock:
                for (row, _), status in zip(batch, answers, strict=True):
                    settle(state, row, status, sent)
                persist()


# --- control plane: the app's signature keys (the developer console) and what was sent ---


def handle_get_keys(call: Call) -> Reply:
    keys = call.state.enterprise
    return Reply(
        200, {"primary": keys.primary_signature_key, "secondary": keys.secondary_signature_key}
    )


def handle_put_keys(call: Call) -> Reply:
    """Box's console regenerates one key at a time; either or both may be given."""
    body = call.json()
    unknown = sorted(set(body) - {"primary", "secondary"})
    values = [body.get(k) for k in ("primary", "secondary") if k in body]
    if unknown or not values or not all(isinstance(v, str) and v for v in values):
        raise BadRequest(
            'The body must be {"primary"?: "<key>", "secondary"?: "<key>"} (non-empty strings)',
            context_info=invalid_parameter("keys", unknown or values),
        )
    with call.state.lock:
        if "primary" in body:
            call.state.enterprise.primary_signature_key = str(body["primary"])
        if "secondary" in body:
            call.state.enterprise.secondary_signature_key = str(body["secondary"])
    return handle_get_keys(call)


def handle_get_deliveries(call: Call) -> Reply:
    rows = sorted(call.state.webhook_deliveries.values(), key=lambda r: (r.due_at, r.id))
    entries = [
        {
            "id": r.id,
            "webhook_id": r.webhook_id,
            "address": r.address,
            "trigger": json.loads(r.body).get("trigger"),
            "attempts": r.attempts,
            "status": r.status,
            "last_status": r.last_status,
            "due_at": r.due_at,
        }
        for r in rows
    ]
    return Reply(200, {"total_count": len(entries), "entries": entries})


CONTROL_ROUTES = [
    Route("GET", "/_sandbox/webhook_keys", handle_get_keys),
    Route("PUT", "/_sandbox/webhook_keys", handle_put_keys),
    Route("GET", "/_sandbox/webhook_deliveries", handle_get_deliveries),
]
