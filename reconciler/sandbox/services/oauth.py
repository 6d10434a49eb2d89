"""The OAuth token endpoint: client credentials and JWT bearer grants for the seeded apps."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

import jwt

from reconciler.sandbox.routing import JSON, Call, Reply, Route, public
from reconciler.sandbox.state import App, State, Token, User, iso

CLIENT_CREDENTIALS = "client_credentials"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
#: the SDK hard-codes this audience, whatever base URL it talks to (box_sdk_gen's JWT auth)
AUDIENCE = "https://api.box.com/oauth2/token"
ALGORITHMS = ["RS256", "RS384", "RS512"]
TOKEN_LIFETIME_S = 3600
#: Box refuses assertions whose ``exp`` is further than a minute away
MAX_ASSERTION_LIFETIME_S = 60


class OAuthError(Exception):
    """An OAuth error: answered as ``400 {"error", "error_description"}``, not Box's error body."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


# --- state operations ----------------------------------------------------------------------


def authenticate_client(state: State, form: dict[str, str]) -> App:
    app = state.apps.get(form.get("client_id", ""))
    if app is None or not secrets.compare_digest(app.client_secret, form.get("client_secret", "")):
        raise OAuthError("invalid_client", "The client credentials are invalid")
    return app


def subject(state: State, app: App, subject_type: str, subject_id: str) -> User:
    """The service account for the app's enterprise, or one of that enterprise's users."""
    if subject_type == "enterprise":
        if subject_id != app.enterprise_id:
            raise OAuthError(
                "invalid_grant", f"Enterprise '{subject_id}' is not the app's enterprise"
            )
        user = state.users.get(app.service_account_id)
    elif subject_type == "user":
        user = state.users.get(subject_id)
        if user is not None and user.enterprise_id != app.enterprise_id:
            user = None
    else:
        raise OAuthError("invalid_grant", f"Unknown subject type '{subject_type}'")
    if user is None or user.status != "active":
        raise OAuthError(
            "invalid_grant", f"No active {subject_type} subject '{subject_id}' for this app"
        )
    return user


def verified_assertion(app: App, assertion: str) -> JSON:
    try:
        key_id = jwt.get_unverified_header(assertion).get("kid")
    except jwt.PyJWTError as exc:
        raise OAuthError("invalid_grant", f"Malformed assertion: {exc}") from None
    public_key = app.public_keys.get(str(key_id))
    if public_key is None:
        raise OAuthError("invalid_grant", f"Unknown public key id '{key_id}'")
    try:
        claims: JSON = jwt.decode(
            assertion,
            public_key,
            algorithms=ALGORITHMS,
            audience=AUDIENCE,
            issuer=app.client_id,
            options={"require": ["exp", "iss", "sub", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise OAuthError("invalid_grant", f"Invalid assertion: {exc}") from None
    return claims


def issue_token(state: State, user: User) -> Token:
    expires = state.clock() + timedelta(seconds=TOKEN_LIFETIME_S)
    token = Token(token=secrets.token_urlsafe(24), user_id=user.id, expires_at=iso(expires))
    state.tokens[token.token] = token
    return token


def grant(state: State, form: dict[str, str]) -> Token:
    grant_type = form.get("grant_type", "")
    if grant_type == CLIENT_CREDENTIALS:
        app = authenticate_client(state, form)
        user = subject(state, app, form.get("box_subject_type", ""), form.get("box_subject_id", ""))
        return issue_token(state, user)
    if grant_type == JWT_BEARER:
        app = authenticate_client(state, form)
        claims = verified_assertion(app, form.get("assertion", ""))
        exp = claims["exp"]
        # jwt.decode checked ``exp`` against the machine's clock; so does this.
        if int(exp) - time.time() > MAX_ASSERTION_LIFETIME_S:
            raise OAuthError(
                "invalid_grant", "Please check the 'exp' claim: it is too far in the future"
            )
        user = subject(state, app, str(claims.get("box_sub_type", "")), str(claims["sub"]))
        return issue_token(state, user)
    raise OAuthError("unsupported_grant_type", f"Grant type '{grant_type}' is not supported")


# --- handlers ------------------------------------------------------------------------------


@public
def handle_token(call: Call) -> Reply:
    try:
        token = grant(call.state, dict(call.form))
    except OAuthError as err:
        return Reply(400, {"error": err.error, "error_description": err.description})
    return Reply(
        200,
        {
            "access_token": token.token,
            "expires_in": TOKEN_LIFETIME_S,
            "token_type": "bearer",
            "restricted_to": [],
        },
    )


ROUTES = [Route("POST", "/oauth2/token", handle_token, writes=True)]
