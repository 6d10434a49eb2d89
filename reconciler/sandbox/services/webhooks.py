"""Webhooks (V2): their API, and signed deliveries of the events services raise, to loopback only.

Box takes any HTTPS address on port 443; so does the sandbox, and it also takes http(s) on any port
of this machine, where tests run plain-HTTP receivers. It delivers only to this machine: for any
other address it logs the delivery it does not make.

A service raises an event by appending to ``call.events`` a dict::

    {"trigger": "TASK_ASSIGNMENT.CREATED", "target_type": "file", "target_id": "123",
     "source": {...the JSON object the event is about...}, "created_by": "<user id>"}

The server hands a call's events to ``deliver_events`` once the change is stored; the sending,
Box's retry schedule and its clean-up of failing webhooks are ``webhook_outbox``'s.
"""

from __future__ import annotations

import ipaddress
import logging
import uuid
from typing import Any
from urllib.parse import urlsplit

from reconciler.sandbox.errors import BadRequest, Conflict, NotFound, invalid_parameter
from reconciler.sandbox.routing import JSON, Call, Reply, Route, marker_page
from reconciler.sandbox.services import webhook_outbox
from reconciler.sandbox.services.access import ancestors, can_see, get_item
from reconciler.sandbox.services.users import someone
from reconciler.sandbox.state import State, User, Webhook

log = logging.getLogger(__name__)

#: Box's trigger list (OpenAPI ``Webhook.triggers``)
TRIGGERS = frozenset(
    """
    FILE.UPLOADED FILE.PREVIEWED FILE.DOWNLOADED FILE.TRASHED FILE.DELETED FILE.RESTORED
    FILE.COPIED FILE.MOVED FILE.LOCKED FILE.UNLOCKED FILE.RENAMED COMMENT.CREATED
    COMMENT.UPDATED COMMENT.DELETED TASK_ASSIGNMENT.CREATED TASK_ASSIGNMENT.UPDATED
    METADATA_INSTANCE.CREATED METADATA_INSTANCE.UPDATED METADATA_INSTANCE.DELETED
    FOLDER.CREATED FOLDER.RENAMED FOLDER.DOWNLOADED FOLDER.RESTORED FOLDER.DELETED
    FOLDER.COPIED FOLDER.MOVED FOLDER.TRASHED WEBHOOK.DELETED COLLABORATION.CREATED
    COLLABORATION.ACCEPTED COLLABORATION.REJECTED COLLABORATION.REMOVED COLLABORATION.UPDATED
    SHARED_LINK.DELETED SHARED_LINK.CREATED SHARED_LINK.UPDATED SIGN_REQUEST.COMPLETED
    SIGN_REQUEST.DECLINED SIGN_REQUEST.EXPIRED SIGN_REQUEST.SIGNER_EMAIL_BOUNCED
    SIGN_REQUEST.SIGN_SIGNER_SIGNED SIGN_REQUEST.SIGN_DOCUMENT_CREATED
    SIGN_REQUEST.SIGN_ERROR_FINALIZING
    """.split()  # noqa: SIM905 - one word per trigger reads better than 43 lines
)
LOOPBACK_NAMES = ("localhost",)
#: "a limit of 1000 webhooks for each application and each user" (developer.box.com
#: /guides/webhooks/v2/limitations-v2)
MAX_WEBHOOKS = 1000


# --- views ---------------------------------------------------------------------------------


def webhook_mini(hook: Webhook) -> JSON:
    return {
        "type": "webhook",
        "id": hook.id,
        "target": {"type": hook.target_type, "id": hook.target_id},
    }


def webhook_view(state: State, hook: Webhook) -> JSON:
    return {
        **webhook_mini(hook),
        "created_by": someone(state, hook.created_by_id),
        "created_at": hook.created_at,
        "address": hook.address,
        "triggers": list(hook.triggers),
    }


# --- state operations ----------------------------------------------------------------------


def target_owner(state: State, hook: Webhook) -> str | None:
    table = state.folders if hook.target_type == "folder" else state.files
    item = table.get(hook.target_id)
    return None if item is None else item.owner_id


def is_listed_for(state: State, hook: Webhook, actor: User) -> bool:
    """Box lists "only webhooks that are applied to files or folders that are owned by the
    authenticated user" (OpenAPI ``get_webhooks``). Tokens do not say which app issued them,
    so every webhook counts as the caller's app's."""
    return target_owner(state, hook) == actor.id


def get_webhook(state: State, actor: User, webhook_id: str) -> Webhook:
    """A webhook its creator or the owner of its item may read, change and delete."""
    hook = state.webhooks.get(webhook_id)
    if hook is None or actor.id not in (hook.created_by_id, target_owner(state, hook)):
        raise NotFound(
            f"Not Found: webhook '{webhook_id}'",
            context_info=invalid_parameter("webhook", webhook_id),
        )
    return hook


def checked_target(state: State, actor: User, target: object) -> tuple[str, str]:
    if (
        not isinstance(target, dict)
        or target.get("type") not in ("file", "folder")
        or not target.get("id")
    ):
        raise BadRequest(
            "'target' must be a file or a folder", context_info=invalid_parameter("target", target)
        )
    kind, ident = str(target["type"]), str(target["id"])
    if kind == "folder" and ident == "0":
        raise BadRequest(
            "Webhooks cannot be placed on the root folder",
            context_info=invalid_parameter("target", target),
        )
    get_item(state, kind, ident)
    if not can_see(state, actor.id, kind, ident):
        raise NotFound("Not Found", context_info=invalid_parameter("target", target))
    return kind, ident


def is_loopback(host: str) -> bool:
    if host.casefold() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def checked_address(address: object) -> str:
    """Box's rule, HTTPS on port 443 (which Box checks when it delivers, not here), or http(s) to
    a loopback host on any port."""
    if not isinstance(address, str) or not address:
        raise BadRequest(
            "'address' is required", context_info=invalid_parameter("address", address)
        )
    parts = urlsplit(address)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest(
            "'address' must be an http(s) URL", context_info=invalid_parameter("address", address)
        )
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not is_loopback(parts.hostname) and (parts.scheme != "https" or port not in (None, 443)):
        raise BadRequest(
            "'address' must be an HTTPS URL on port 443 (or, in the sandbox, an http(s) URL on "
            "a loopback address: 127.0.0.0/8, localhost, [::1])",
            context_info=invalid_parameter("address", address, "not HTTPS on port 443"),
        )
    return address


def checked_triggers(triggers: object) -> list[str]:
    if not isinstance(triggers, list) or not triggers:
        raise BadRequest(
            "'triggers' must be a non-empty list",
            context_info=invalid_parameter("triggers", triggers),
        )
    unknown = [t for t in triggers if t not in TRIGGERS]
    if unknown:
        raise BadRequest(
            f"Unknown trigger(s): {', '.join(map(str, unknown))}",
            context_info=invalid_parameter("triggers", unknown),
        )
    return list(dict.fromkeys(triggers))


def refuse_duplicate(state: State, actor: User, kind: str, ident: str, hook_id: str = "") -> None:
    """One webhook per target, app and user. Tokens do not say which app issued them, so the
    sandbox treats every token of a user as one app."""
    for hook in state.webhooks.values():
        same = (hook.target_type, hook.target_id, hook.created_by_id) == (kind, ident, actor.id)
        if same and hook.id != hook_id:
            raise Conflict(
                "Webhook already exists for this target, application and user",
                code="conflict",
            )


def refuse_over_limit(state: State, actor: User) -> None:
    """The 1,001st webhook of an app and user. Box documents the limit but not its error;
    of ``post_webhooks``' documented answers (400 wrong parameters, 403 no permission to
    manage webhooks, 404 no target, 409 this target's webhook exists) a refused create that
    is none of those is most likely the 400 ``bad_request``."""
    made = sum(1 for hook in state.webhooks.values() if hook.created_by_id == actor.id)
    if made >= MAX_WEBHOOKS:
        raise BadRequest(
            f"The limit of {MAX_WEBHOOKS} webhooks for this application and user is reached: "
            "delete webhooks, or put one on a folder higher up (webhooks cascade)",
            code="bad_request",
        )


def create_webhook(state: State, actor: User, body: JSON) -> Webhook:
    for name in ("target", "address", "triggers"):
        if name not in body:
            raise BadRequest(f"'{name}' is required", context_info=invalid_parameter(name, None))
    kind, ident = checked_target(state, actor, body["target"])
    address = checked_address(body["address"])
    triggers = checked_triggers(body["triggers"])
    refuse_duplicate(state, actor, kind, ident)
    refuse_over_limit(state, actor)
    hook = Webhook(
        id=state.new_id(),
        target_type=kind,
        target_id=ident,
        address=address,
        triggers=triggers,
        created_by_id=actor.id,
        created_at=state.now(),
    )
    state.webhooks[hook.id] = hook
    return hook


def update_webhook(state: State, actor: User, hook: Webhook, body: JSON) -> Webhook:
    if "target" in body:
        kind, ident = checked_target(state, actor, body["target"])
        refuse_duplicate(state, actor, kind, ident, hook.id)
        hook.target_type, hook.target_id = kind, ident
    if "address" in body:
        hook.address = checked_address(body["address"])
    if "triggers" in body:
        hook.triggers = checked_triggers(body["triggers"])
    return hook


# --- deliveries ----------------------------------------------------------------------------


def listening(state: State, event: JSON) -> list[Webhook]:
    """Webhooks on the event's item or on a folder above it (webhooks cascade)."""
    try:
        places = set(ancestors(state, str(event["target_type"]), str(event["target_id"])))
    except KeyError:
        return []
    return [
        hook
        for hook in sorted(
            state.webhooks.values(), key=lambda h: int(h.id) if h.id.isdigit() else 0
        )
        if (hook.target_type, hook.target_id) in places and event["trigger"] in hook.triggers
    ]


def payload(state: State, hook: Webhook, event: JSON) -> JSON:
    creator: Any = event.get("created_by")
    if isinstance(creator, str):
        creator = someone(state, creator)
    return {
        "type": "webhook_event",
        "id": str(uuid.uuid4()),
        "created_at": state.now(),
        "trigger": event["trigger"],
        "webhook": {"id": hook.id, "type": "webhook"},
        "created_by": creator,
        "source": event.get("source"),
        "additional_info": [],
    }


def deliver_events(state: State, events: list[JSON]) -> None:
    """Owe a delivery to each listening webhook on this machine; the sender
    (``webhook_outbox.run``) posts it within a tick and tries again on Box's schedule. The
    others are logged: the sandbox never sends off the machine."""
    with state.lock:
        for event in events:
            for hook in listening(state, event):
                if is_loopback(urlsplit(hook.address).hostname or ""):
                    webhook_outbox.enqueue(state, hook, payload(state, hook, event))
                else:
                    log.info(
                        "webhook delivery to %s not sent: the sandbox delivers only to loopback",
                        hook.address,
                    )


# --- handlers ------------------------------------------------------------------------------


def handle_list(call: Call) -> Reply:
    """The webhooks on the items the caller owns, whoever created them."""
    hooks = sorted(
        (h for h in call.state.webhooks.values() if is_listed_for(call.state, h, call.actor)),
        key=lambda h: int(h.id) if h.id.isdigit() else 0,
    )
    return Reply(200, marker_page(call, [webhook_mini(h) for h in hooks]))


def handle_create(call: Call) -> Reply:
    hook = create_webhook(call.state, call.actor, call.json())
    return Reply(201, webhook_view(call.state, hook))


def handle_get(call: Call) -> Reply:
    hook = get_webhook(call.state, call.actor, call.args["webhook_id"])
    return Reply(200, webhook_view(call.state, hook))


def handle_update(call: Call) -> Reply:
    hook = get_webhook(call.state, call.actor, call.args["webhook_id"])
    update_webhook(call.state, call.actor, hook, call.json(required=False))
    return Reply(200, webhook_view(call.state, hook))


def handle_delete(call: Call) -> Reply:
    hook = get_webhook(call.state, call.actor, call.args["webhook_id"])
    del call.state.webhooks[hook.id]
    for row in call.state.webhook_deliveries.values():
        if row.webhook_id == hook.id and row.status == "pending":
            row.status = "failed"  # a deleted webhook delivers nothing more
    return Reply(204)


ROUTES = [
    Route("GET", "/2.0/webhooks", handle_list, params=("marker", "limit")),
    Route("POST", "/2.0/webhooks", handle_create, writes=True),
    Route("GET", "/2.0/webhooks/<webhook_id>", handle_get),
    Route("PUT", "/2.0/webhooks/<webhook_id>", handle_update, writes=True),
    Route("DELETE", "/2.0/webhooks/<webhook_id>", handle_delete, writes=True),
]
