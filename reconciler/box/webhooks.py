"""Box webhooks (V2) through the SDK: a delivery's age and signature checked (the HMAC by the
SDK's own helper, the age here, with a small allowance for a clock ahead of ours), and the
webhooks of this app read and written.

Box lists only the webhooks of the calling app and user (``GET /webhooks``), with their target
alone, so each one is read again for its address and triggers.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime, timezone

from box_sdk_gen import (
    BoxClient,
    CreateWebhookTarget,
    CreateWebhookTargetTypeField,
    CreateWebhookTriggers,
    UpdateWebhookByIdTriggers,
)
from box_sdk_gen.internal.utils import compute_webhook_signature

from reconciler.box.errors import call
from reconciler.box.wire import raw_json
from reconciler.model import ItemKind, ItemRef, LiveWebhook, box_time

#: Box's limit on a delivery's age (its webhooks guide): older deliveries are refused.
MAX_AGE_SECONDS = 600
#: How far ahead of this machine's clock a delivery's timestamp may be: Box bounds only the
#: past, and a sender's clock a second ahead of ours must not fail every signature (the SDK's
#: ``validate_message`` refuses any timestamp in the future, so the time is judged here).
DEFAULT_FUTURE_SKEW_SECONDS = 60.0
PAGE = 1000


def verify(
    body: bytes,
    headers: Mapping[str, str],
    primary: str,
    secondary: str,
    *,
    future_skew: float = DEFAULT_FUTURE_SKEW_SECONDS,
    now: datetime | None = None,
) -> bool:
    """True when the delivery is at most ten minutes old, at most ``future_skew`` seconds
    ahead of ``now``, and signed by either key (Box's HMAC-SHA256 of the raw body and the
    timestamp header, computed by the SDK's own helper). The primary key pairs with the
    primary header; the keys are also tried the other way round, so an operator who moves the
    secondary key to the primary place while Box still signs with the old pairing loses
    nothing."""
    lowered = {name.lower(): value for name, value in headers.items()}
    sent = box_time(lowered.get("box-delivery-timestamp"))
    if sent is None or not fresh(sent, now or datetime.now(timezone.utc), future_skew):
        return False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    pairs = [(primary, secondary), (secondary, primary)]
    return any(_signed(text, lowered, first, second) for first, second in pairs if first)


def fresh(sent: datetime, now: datetime, future_skew: float) -> bool:
    """Not older than Box's ten minutes, and not further ahead than the skew allowed."""
    age = (now - sent).total_seconds()
    return -future_skew <= age <= MAX_AGE_SECONDS


def _signed(text: str, headers: dict[str, str], primary: str, secondary: str) -> bool:
    keyed = [("box-signature-primary", primary), ("box-signature-secondary", secondary)]
    for header, key in keyed:
        received = headers.get(header)
        if not key or not received:
            continue
        # Box may sign the body with non-ASCII characters escaped; the SDK tries both forms.
        for escaped in (False, True):
            expected = compute_webhook_signature(text, headers, key, escape_body=escaped)
            if expected is not None and hmac.compare_digest(expected, received):
                return True
    return False


def _parse(raw: dict[str, object]) -> LiveWebhook | None:
    target = raw.get("target")
    if not isinstance(target, dict) or target.get("type") not in ("folder", "file"):
        return None
    triggers = raw.get("triggers")
    return LiveWebhook(
        id=str(raw.get("id")),
        target=ItemRef(ItemKind(str(target["type"])), str(target.get("id"))),
        address=str(raw.get("address") or ""),
        triggers=tuple(sorted(str(t) for t in triggers)) if isinstance(triggers, list) else (),
    )


def read_webhooks(client: BoxClient) -> tuple[LiveWebhook, ...]:
    """Every webhook of this app and user, with address and triggers."""
    ids: list[str] = []
    marker: str | None = None
    while True:
        page = raw_json(
            call(
                "list the webhooks",
                lambda m=marker: client.webhooks.get_webhooks(marker=m, limit=PAGE),  # type: ignore[misc]
            )
        )
        ids.extend(str(e["id"]) for e in page.get("entries") or [] if e.get("id"))
        marker = page.get("next_marker") or None
        if not marker:
            break
    found = []
    for ident in ids:
        raw = raw_json(
            call(f"read webhook {ident}", lambda i=ident: client.webhooks.get_webhook_by_id(i))  # type: ignore[misc]
        )
        parsed = _parse(raw)
        if parsed is not None:
            found.append(parsed)
    return tuple(sorted(found, key=lambda w: (w.target, w.id)))


def create_webhook(
    client: BoxClient, folder_id: str, address: str, triggers: tuple[str, ...]
) -> LiveWebhook:
    created = call(
        f"create the webhook on folder {folder_id}",
        lambda: client.webhooks.create_webhook(
            CreateWebhookTarget(id=folder_id, type=CreateWebhookTargetTypeField.FOLDER),
            address,
            [CreateWebhookTriggers(t) for t in triggers],
        ),
    )
    parsed = _parse(raw_json(created))
    return parsed or LiveWebhook(
        str(created.id), ItemRef(ItemKind.FOLDER, folder_id), address, triggers
    )


def update_webhook(
    client: BoxClient, webhook_id: str, address: str, triggers: tuple[str, ...]
) -> None:
    call(
        f"update webhook {webhook_id}",
        lambda: client.webhooks.update_webhook_by_id(
            webhook_id, address=address, triggers=[UpdateWebhookByIdTriggers(t) for t in triggers]
        ),
    )


def delete_webhook(client: BoxClient, webhook_id: str) -> None:
    call(f"delete webhook {webhook_id}", lambda: client.webhooks.delete_webhook_by_id(webhook_id))
