"""The control plane under ``/_sandbox/``: reset, seed, state, signup, faults, request log, clock,
event settings, quirks, webhook keys and deliveries.

It is not Box, and it can read every token and rewrite the state, so it admits only: with an
admin token, callers that send it (``Authorization: Bearer <token>``); bodies that are
``application/json`` (a web page cannot send those without a CORS preflight, which the
sandbox never grants); no foreign ``Origin``. Its input is checked field by field.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from reconciler.sandbox import clock
from reconciler.sandbox.controlled import ControlledSandbox
from reconciler.sandbox.errors import BadRequest, Conflict, Forbidden, SandboxError, Unauthorized
from reconciler.sandbox.faults import Faults
from reconciler.sandbox.quirks import CONTROL_ROUTES as QUIRK_SETTINGS
from reconciler.sandbox.routing import JSON, Call, Reply, Route
from reconciler.sandbox.seed import build_state, validate_seed
from reconciler.sandbox.services.collaboration_views import event
from reconciler.sandbox.services.event_stream import CONTROL_ROUTES as EVENT_SETTINGS
from reconciler.sandbox.services.events import record_collaboration
from reconciler.sandbox.services.users import find_by_login, user_mini
from reconciler.sandbox.services.webhook_outbox import CONTROL_ROUTES as WEBHOOK_SETTINGS
from reconciler.sandbox.state import Token, User


def routes(box: ControlledSandbox) -> list[Route]:
    """The control routes, bound to one running sandbox."""
    return [
        *state_routes(box),
        *log_routes(box),
        *EVENT_SETTINGS,
        *clock.routes(box),
        *QUIRK_SETTINGS,
        *WEBHOOK_SETTINGS,
    ]


def state_routes(box: ControlledSandbox) -> list[Route]:
    """Reset, seed, read the state, sign a new Box account up."""

    def reset(call: Call) -> Reply:
        box.replace_state(build_state(box.reset_to, clock=box.state.clock))
        box.set_faults(Faults())
        box.clear_request_log()
        return Reply(200, {"reset": True})

    def seed(call: Call) -> Reply:
        doc = call.json()
        validate_seed(doc)
        box.reset_to = doc
        box.replace_state(build_state(doc, clock=box.state.clock))
        return Reply(200, {"seeded": True})

    def state(call: Call) -> Reply:
        return Reply(200, box.state.to_dict())

    def signup(call: Call) -> Reply:
        login, name, accept = signup_request(call.json())
        user, token = sign_up(box, login, name, accept)
        return Reply(201, {"user": user_mini(user), "token": token})

    return [
        Route("POST", "/_sandbox/reset", reset),
        Route("POST", "/_sandbox/seed", seed),
        Route("GET", "/_sandbox/state", state),
        Route("POST", "/_sandbox/signup", signup),
    ]


def log_routes(box: ControlledSandbox) -> list[Route]:
    """The faults to inject, and the log of the requests served."""

    def put_faults(call: Call) -> Reply:
        faults = Faults.from_dict(call.json())
        box.set_faults(faults)
        return Reply(200, vars(faults))

    def delete_faults(call: Call) -> Reply:
        box.set_faults(Faults())
        return Reply(204)

    def get_requests(call: Call) -> Reply:
        entries = box.request_log()
        return Reply(200, {"total_count": len(entries), "entries": entries})

    def delete_requests(call: Call) -> Reply:
        box.clear_request_log()
        return Reply(204)

    return [
        Route("PUT", "/_sandbox/faults", put_faults),
        Route("DELETE", "/_sandbox/faults", delete_faults),
        Route("GET", "/_sandbox/requests", get_requests),
        Route("DELETE", "/_sandbox/requests", delete_requests),
    ]


SIGNUP_KEYS = ("login", "name", "accept")
JSON_BODY = "application/json"


class UnsupportedMediaType(SandboxError):
    status = 415
    code = "unsupported_media_type"
    default_message = "Control-plane bodies must be application/json"


def admit(
    method: str, headers: Mapping[str, str], admin_token: str | None, origins: tuple[str, ...]
) -> None:
    """Refuse a control-plane call that lacks the admin token, comes from a web page, or sends
    a body that is not JSON."""
    if admin_token is not None:
        scheme, _, given = headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            given.strip().encode("utf-8", "replace"), admin_token.encode("utf-8")
        ):
            raise Unauthorized(
                "The sandbox's control plane needs its admin token "
                "(Authorization: Bearer <the --admin-token value>)",
                headers={"WWW-Authenticate": 'Bearer realm="Sandbox control plane"'},
            )
    origin = headers.get("Origin")
    if origin is not None and origin.rstrip("/").lower() not in origins:
        raise Forbidden(f"Control-plane calls from origin '{origin}' are refused")
    if method in ("POST", "PUT", "PATCH"):
        media = headers.get("Content-Type", "").partition(";")[0].strip().lower()
        if media != JSON_BODY:
            raise UnsupportedMediaType(
                f"Control-plane bodies must be {JSON_BODY}, not '{media or 'none'}'"
            )


def signup_request(body: JSON) -> tuple[str, str, bool]:
    """(login, name, accept) of a signup body; ``accept`` defaults to true (README)."""
    unknown = sorted(set(body) - set(SIGNUP_KEYS))
    if unknown:
        raise BadRequest(
            f"Unknown signup key(s): {', '.join(map(json.dumps, unknown))}; "
            f"known: {', '.join(SIGNUP_KEYS)}",
            code="bad_request",
        )
    login, name, accept = body.get("login"), body.get("name"), body.get("accept", True)
    if not isinstance(login, str) or "@" not in login:
        raise BadRequest("'login' must be an email address")
    if name is not None and not isinstance(name, str):
        raise BadRequest("'name' must be a string")
    if not isinstance(accept, bool):
        raise BadRequest("'accept' must be true or false")
    return login, name or login.split("@")[0], accept


def sign_up(box: ControlledSandbox, login: str, name: str, accept: bool) -> tuple[User, str]:
    """An invited person creates a free Box account; with ``accept`` their invitations are accepted
    (each raising COLLABORATION.ACCEPTED for the webhooks), without it they stay pending."""
    state = box.state
    events: list[dict[str, Any]] = []
    with state.lock:
        if find_by_login(state, login) is not None:
            raise Conflict(
                f"A Box account with login '{login}' exists already", code="user_login_already_used"
            )
        now = state.now()
        user = User(
            id=state.new_id(),
            login=login,
            name=name,
            enterprise_id=None,
            created_at=now,
            modified_at=now,
            auto_accept=accept,
        )
        state.users[user.id] = user
        token = secrets.token_hex(16)
        state.tokens[token] = Token(token=token, user_id=user.id)
        for collab in state.collaborations.values():
            invited = (collab.invite_email or "").casefold() == login.casefold()
            if not invited or collab.accessible_by_id is not None or collab.status != "pending":
                continue
            collab.accessible_by_id = user.id
            if accept:
                collab.status = "accepted"
                collab.acknowledged_at = now
                collab.modified_at = now
                events.append(event("COLLABORATION.ACCEPTED", state, collab, user))
                record_collaboration(state, user, "accept", collab)
        box.persist()
    if events and box.hooks.on_events is not None:
        box.hooks.on_events(state, events)
    return user, token
