"""JSON over HTTP for the forges, with their failures as ForgeError (never the token)."""

from __future__ import annotations

from typing import Any

import requests

from reconciler.errors import ForgeError
from reconciler.forge import Comment

TIMEOUT_SECONDS = 30


def send(
    session: requests.Session, method: str, url: str, what: str, json: Any = None
) -> requests.Response:
    """One call; any status >= 400, or no answer, is a ForgeError naming ``what`` was tried."""
    try:
        response = session.request(method, url, json=json, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise ForgeError(f"could not {what}: {type(exc).__name__}") from None
    if response.status_code >= 400:
        raise ForgeError(
            f"could not {what}: HTTP {response.status_code} {_message(response)}",
            status=response.status_code,
        )
    return response


def comment_of(answer: requests.Response | dict[str, Any]) -> Comment:
    """A comment or note as both forges send it: ``{"id": 1, "body": "...", "user": {"login"}}``
    (GitHub) or ``"author": {"username"}`` (GitLab)."""
    entry = answer.json() if isinstance(answer, requests.Response) else answer
    who = entry.get("user") or entry.get("author") or {}
    author = who.get("login") or who.get("username") if isinstance(who, dict) else None
    return Comment(str(entry["id"]), str(entry.get("body") or ""), author and str(author))


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason or ""
    message = body.get("message") if isinstance(body, dict) else None
    return str(message or response.reason or "")
