"""Who a request speaks for: the owner of its bearer token, or the user its As-User header names."""

from __future__ import annotations

from werkzeug.wrappers import Request

from reconciler.sandbox.errors import BadRequest, Forbidden, Unauthorized
from reconciler.sandbox.state import State, User, is_admin, parse_datetime


def authenticate(state: State, request: Request) -> User:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(headers={"WWW-Authenticate": 'Bearer realm="Service"'})
    record = state.tokens.get(token.strip())
    if record is None:
        raise Unauthorized(
            headers={"WWW-Authenticate": 'Bearer realm="Service", error="invalid_token"'}
        )
    if record.expires_at and parse_datetime(record.expires_at) <= state.clock():
        raise Unauthorized(
            headers={"WWW-Authenticate": 'Bearer realm="Service", error="invalid_token"'}
        )
    user = state.users.get(record.user_id)
    if user is None or user.status != "active":
        raise Unauthorized()
    return user


def as_user(state: State, request: Request, caller: User) -> User:
    target = request.headers.get("As-User")
    if not target:
        return caller
    if not is_admin(caller):
        raise Forbidden(
            "As-User requires an admin or a service account",
            code="access_denied_insufficient_permissions",
        )
    user = state.users.get(target.strip())
    if user is None or user.enterprise_id != caller.enterprise_id:
        raise BadRequest(
            f"Invalid As-User header: no managed user with id '{target}'",
            code="invalid_request_parameters",
        )
    return user


def anonymous() -> User:
    """The caller of the control plane and of public routes (the token endpoint)."""
    return User(id="", login="", name="", enterprise_id=None)
