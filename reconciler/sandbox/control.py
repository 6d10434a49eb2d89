"""The control plane under ``/_sandbox/``: reset, seed, state, signup, faults, requests (not Box)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from reconciler.sandbox.errors import BadRequest, Conflict
from reconciler.sandbox.routing import Call, Reply, Route
from reconciler.sandbox.seed import build_state
from reconciler.sandbox.state import Token, User

if TYPE_CHECKING:
    from reconciler.sandbox.server import Sandbox


def routes(box: Sandbox) -> list[Route]:
    """The control routes, bound to one running sandbox."""
    from reconciler.sandbox.server import Faults

    def reset(call: Call) -> Reply:
        box.replace_state(build_state(box.reset_to, clock=box.state.clock))
        box.set_faults(Faults())
        box.clear_request_log()
        return Reply(200, {"reset": True})

    def seed(call: Call) -> Reply:
        doc = call.json()
        from reconciler.sandbox.seed import validate_seed

        validate_seed(doc)
        box.reset_to = doc
        box.replace_state(build_state(doc, clock=box.state.clock))
        return Reply(200, {"seeded": True})

    def state(call: Call) -> Reply:
        return Reply(200, box.state.to_dict())

    def signup(call: Call) -> Reply:
        body = call.json()
        login = body.get("login")
        if not isinstance(login, str) or "@" not in login:
            raise BadRequest("'login' must be an email address")
        user, token = sign_up(box, login, str(body.get("name") or login.split("@")[0]), bool(body.get("accept", True)))
        from reconciler.sandbox.services.users import user_mini

        return Reply(201, {"user": user_mini(user), "token": token})

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
        Route("POST", "/_sandbox/reset", reset),
        Route("POST", "/_sandbox/seed", seed),
        Route("GET", "/_sandbox/state", state),
        Route("POST", "/_sandbox/signup", signup),
        Route("PUT", "/_sandbox/faults", put_faults),
        Route("DELETE", "/_sandbox/faults", delete_faults),
        Route("GET", "/_sandbox/requests", get_requests),
        Route("DELETE", "/_sandbox/requests", delete_requests),
    ]


def sign_up(box: Sandbox, login: str, name: str, accept: bool) -> tuple[User, str]:
    """An invited person creates a free Box account; with ``accept`` their invitations are accepted."""
    from reconciler.sandbox.services.users import find_by_login

    state = box.state
    with state.lock:
        if find_by_login(state, login) is not None:
            raise Conflict(f"A Box account with login '{login}' exists already", code="user_login_already_used")
        now = state.now()
        user = User(id=state.new_id(), login=login, name=name, enterprise_id=None, created_at=now, modified_at=now)
        state.users[user.id] = user
        token = secrets.token_hex(16)
        state.tokens[token] = Token(token=token, user_id=user.id)
        for collab in state.collaborations.values():
            if collab.invite_email and collab.invite_email.casefold() == login.casefold() and collab.status == "pending":
                collab.accessible_by_id = user.id
                if accept:
                    collab.status = "accepted"
                    collab.acknowledged_at = now
                    collab.modified_at = now
        box.persist()
    return user, token
