"""Translate the SDK's errors into reconciler's, keeping Box's status, code and request id.

The SDK's own message is never reused: it carries request headers, tokens included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar
from urllib.parse import urlsplit

import requests
from box_sdk_gen import BoxAPIError, BoxSDKError

from reconciler.errors import (
    AuthError,
    BoxError,
    BoxUnavailable,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
)
from reconciler.model.urls import without_userinfo

T = TypeVar("T")

ALREADY_COLLABORATOR = "user_already_collaborator"


def translate(exc: BoxSDKError, what: str) -> BoxError:
    """One reconciler error for one failed SDK call; ``what`` names the call for the reader."""
    if isinstance(exc, BoxAPIError):
        info = exc.response_info
        status = int(info.status_code)
        code = info.code or None
        request_id = info.request_id or None
        body = info.body if isinstance(info.body, dict) else {}
        message = str(body.get("message") or "").strip() or f"HTTP {status}"
        # The token endpoint answers in OAuth's shape, {"error", "error_description"}, not Box's.
        oauth_code = str(body.get("error") or "").strip()
        if oauth_code and not body.get("message"):
            code = code or oauth_code
            described = str(body.get("error_description") or "").strip()
            message = f"Box refused the credentials: {described or oauth_code}"
        text = f"{what}: {message}"
        kind: type[BoxError]
        if status == 401 or (oauth_code and status < 500):
            kind = AuthError
        elif status == 403:
            kind = Forbidden
        elif status == 404:
            kind = NotFound
        elif status == 409 or code == ALREADY_COLLABORATOR:
            kind = Conflict
        elif status == 429:
            kind = RateLimited
        elif status >= 500:
            kind = BoxUnavailable
        else:
            kind = BoxError
        return kind(text, status=status, code=code, request_id=request_id)
    cause = getattr(exc, "error", None)
    # A network failure's text names the URL, which for token requests says "oauth2/token":
    # look at the cause before guessing from the words.
    if isinstance(cause, (requests.RequestException, OSError)):
        return BoxUnavailable(
            f"{what}: could not reach Box at {_where(cause)} ({type(cause).__name__}); "
            "check BOX_BASE_URL and that the server is running"
        )
    message = str(getattr(exc, "message", "") or "")
    if "token" in message.lower() or "auth" in message.lower():
        return AuthError(f"{what}: Box refused the credentials (the token is invalid or expired)")
    reason = type(cause).__name__ if cause is not None else "no answer"
    return BoxUnavailable(f"{what}: could not reach Box ({reason})")


def _where(cause: BaseException) -> str:
    """The server a failed request went to (scheme, host and port: never a query string)."""
    request = getattr(cause, "request", None)
    url = str(getattr(request, "url", "") or "")
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]  # never the user and password a URL may carry
    return f"{parts.scheme}://{host}" if host else (without_userinfo(url) or "its address")


@contextmanager
def box_call(what: str) -> Iterator[None]:
    """Run SDK calls and raise reconciler's errors instead of the SDK's."""
    try:
        yield
    except BoxSDKError as exc:
        raise translate(exc, what) from None


def call(what: str, fn: Callable[[], T]) -> T:
    with box_call(what):
        return fn()
