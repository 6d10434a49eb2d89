"""Box webhooks (V2) through the SDK: a delivery's signature checked by the SDK's own
``WebhooksManager.validate_message``, and the webhooks of this app read and written.

Box lists only the webhooks of the calling app and user (``GET /webhooks``), with their target
alone, so each one is read again for its address and triggers.
"""

from __future__ import annotations

from collections.abc import Mapping

from box_sdk_gen import (
    BoxClient,
    CreateWebhookTarget,
    CreateWebhookTargetTypeField,
    CreateWebhookTriggers,
    UpdateWebhookByIdTriggers,
    WebhooksManager,
)

from reconciler.box.errors import call
from reconciler.box.reader import raw_json
from reconciler.model import ItemKind, ItemRef, LiveWebhook

#: Box's limit on a delivery's age; the SDK refuses older ones and any from the future.
MAX_AGE_SECONDS = 600
PAGE = 1000


def verify(body: bytes, headers: Mapping[str, str], primary: str, secondary: str) -> bool:
    """True when the delivery is younger than ten minutes, not from the future, and signed by
    either key. The SDK pairs the primary key with the primary header; the keys are also tried
    the other way round, so an operator who moves the secondary key to the primary place while
    Box still signs with the old pairing loses nothing."""
    lowered = {name.lower(): value for name, value in headers.items()}
    if "box-delivery-timestamp" not in lowered:
        return False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    pairs = [(primary, secondary), (secondary, primary)]
    return any(_signed(text, lowered, first, second) for first, second in pairs if first)


def _signed(text: str, headers: dict[str, str], primary: str, secondary: str) -> bool:
    try:
        return WebhooksManager.validate_message(
            text, headers, primary, secondary_key=secondary or None, max_age=MAX_AGE_SECONDS
        )
    except (ValueError, TypeError, AttributeError):
        return False  # an unreadable timestamp: the SDK's parser raises


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
