"""Routes as data, the request a handler sees, and the shared rules of Box's query strings.

A service module exposes ``ROUTES: list[Route]``. A handler takes a ``Call`` and returns a
``Reply``; it raises ``SandboxError`` subclasses for Box's errors. Query parameters a route does
not declare are refused with 501 (Box would honour them; the sandbox would silently not).
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from reconciler.sandbox.box_routes import BOX_ROUTES
from reconciler.sandbox.errors import BadRequest, NotImplementedInSandbox, invalid_parameter
from reconciler.sandbox.state import State, User

JSON = dict[str, Any]


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-able, bytes (a file's content), or None for an empty body (204)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class UploadPart:
    filename: str
    content: bytes


@dataclass
class Call:
    """One API request, already authenticated."""

    state: State
    method: str
    path: str
    args: dict[str, str]  # path parameters
    query: Mapping[str, str]
    headers: Mapping[str, str]
    actor: User  # the user the call acts as (As-User applied)
    caller: User  # the token's owner
    raw_body: bytes = b""
    form: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, UploadPart] = field(default_factory=dict)
    events: list[JSON] = field(default_factory=list)  # webhook events raised by this call

    # -- body --

    def json(self, *, required: bool = True) -> JSON:
        if not self.raw_body.strip():
            if required:
                raise BadRequest("Request body is empty", code="bad_request")
            return {}
        try:
            value = json.loads(self.raw_body)
        except json.JSONDecodeError as exc:
            raise BadRequest(f"Could not parse JSON body: {exc.msg}", code="bad_request") from None
        except UnicodeDecodeError:  # bytes that are not text at all; it has no .msg
            raise BadRequest("Could not parse JSON body: not UTF-8", code="bad_request") from None
        except RecursionError:  # nested deeper than the parser can go: bad input, not a 500
            raise BadRequest(
                "Could not parse JSON body: nested too deeply", code="bad_request"
            ) from None
        if not isinstance(value, dict):
            raise BadRequest("Request body must be a JSON object", code="bad_request")
        return value

    def origin(self) -> str:
        """``scheme://host`` as the client addressed it: behind a TLS front, what the front
        forwards (``X-Forwarded-Proto``, ``X-Forwarded-Host``; the first of a list, as a chain
        of proxies appends), else plain http and ``Host``."""
        proto = forwarded(self.headers, "X-Forwarded-Proto").lower()
        scheme = proto if proto in ("http", "https") else "http"
        host = forwarded(self.headers, "X-Forwarded-Host") or self.headers.get("Host")
        return f"{scheme}://{host or '127.0.0.1'}"

    # -- query --

    def param(self, name: str, default: str | None = None) -> str | None:
        return self.query.get(name, default)

    def flag(self, name: str, default: bool = False) -> bool:
        """Booleans as the SDK sends them: ``True``/``False`` (Python's str), or lowercase."""
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        lowered = raw.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise BadRequest(f"Invalid value for '{name}'", context_info=invalid_parameter(name, raw))

    def integer(self, name: str, default: int, *, minimum: int = 0) -> int:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise BadRequest(
                f"Invalid value for '{name}'", context_info=invalid_parameter(name, raw)
            ) from None
        if value < minimum:
            raise BadRequest(
                f"Invalid value for '{name}'", context_info=invalid_parameter(name, raw)
            )
        return value

    def fields(self) -> list[str] | None:
        raw = self.query.get("fields")
        if raw is None or raw == "":
            return None
        return [f.strip() for f in raw.split(",") if f.strip()]

    def limit(self, default: int = 100, maximum: int = 1000) -> int:
        """``limit`` above the maximum is clamped silently, as Box does."""
        return max(1, min(self.integer("limit", default, minimum=1), maximum))


def forwarded(headers: Mapping[str, str], name: str) -> str:
    """The first value of a forwarding header: the one the outermost proxy saw."""
    return (headers.get(name) or "").split(",")[0].strip()


# --- request bodies ------------------------------------------------------------------------


def refuse_unimplemented(body: JSON, implemented: Iterable[str], endpoint: str) -> None:
    """Box would act on these body fields; the sandbox would silently not, so it says 501."""
    extra = sorted(set(body) - set(implemented))
    if extra:
        raise NotImplementedInSandbox(
            f"Body field(s) {', '.join(extra)} of {endpoint} are not implemented by the sandbox",
            context_info=invalid_parameter(extra[0], body[extra[0]], "not implemented"),
        )


def require_text(body: JSON, key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(
            f"'{key}' is required and must be a non-empty string",
            context_info=invalid_parameter(key, value),
        )
    return value


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    rule: str  # werkzeug rule, e.g. "/2.0/users/<user_id>"
    handler: Handler
    params: Sequence[str] = ()  # query parameters the sandbox implements
    box_version: str | None = None  # "2025.0" for the versioned (hub) endpoints
    writes: bool = False  # changes state: persisted, and subject to fail_after_commit


def public(handler: Handler) -> Handler:
    """Mark a handler that needs no bearer token (the OAuth token endpoint)."""
    setattr(handler, "public", True)  # noqa: B010 - a marker the server reads with getattr
    return handler


def is_public(route: Route) -> bool:
    return bool(getattr(route.handler, "public", False))


#: a job the server runs on a thread: given the state in use (a reset replaces it), an event set
#: when the server stops, and how to persist the state
Background = Callable[[Callable[[], State], threading.Event, Callable[[], None]], None]


@dataclass
class ServiceHooks:
    """What services plug into the server: their routes, and what to do with raised events."""

    routes: list[Route] = field(default_factory=list)
    #: called with a call's webhook events once its change is committed
    on_events: Callable[[State, list[JSON]], None] | None = None
    #: run on threads while the server serves: (the state in use, stop, persist)
    background: list[Background] = field(default_factory=list)


@cache
def box_route_patterns() -> list[tuple[str, str, re.Pattern[str]]]:
    """(method, template, regex) per Box route; a template's ``{name}`` is one path segment."""
    patterns = []
    for entry in BOX_ROUTES:
        method, template = entry.split(" ", 1)
        regex = re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
        regex = re.sub(r"\{[^}]+\}", "[^/]+", regex)
        patterns.append((method, template, re.compile(f"{regex}/?")))
    return patterns


def box_route(method: str, path: str) -> str | None:
    """``"POST /2.0/folders/{folder_id}/copy"`` when Box serves ``method path``, else None."""
    for box_method, template, regex in box_route_patterns():
        if box_method == method and regex.fullmatch(path):
            return f"{method} {template}"
    return None


def check_params(route: Route, query: Mapping[str, str]) -> None:
    for name in query:
        if name not in route.params:
            raise NotImplementedInSandbox(
                f"Query parameter '{name}' is not implemented by the sandbox for "
                f"{route.method} {route.rule}",
                context_info=invalid_parameter(name, query[name], "not implemented"),
            )


def pick_fields(full: JSON, mini_keys: Sequence[str], fields: list[str] | None) -> JSON:
    """Box's ``fields``: the mini fields plus those asked for, and nothing else."""
    if fields is None:
        return full
    keep = set(mini_keys) | set(fields)
    return {k: v for k, v in full.items() if k in keep}


# --- pagination ----------------------------------------------------------------------------


def encode_marker(position: int) -> str:
    return base64.urlsafe_b64encode(f"m:{position}".encode()).decode().rstrip("=")


def decode_marker(marker: str) -> int:
    try:
        padded = marker + "=" * (-len(marker) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        if not text.startswith("m:"):
            raise ValueError(text)
        return int(text[2:])
    except (ValueError, UnicodeDecodeError):
        raise BadRequest(
            "Invalid marker", context_info=invalid_parameter("marker", marker)
        ) from None


def marker_page(call: Call, entries: Sequence[JSON], *, default_limit: int = 100) -> JSON:
    """One page in marker style: ``{entries, limit, next_marker, prev_marker}``."""
    limit = call.limit(default_limit)
    marker = call.param("marker")
    start = decode_marker(marker) if marker else 0
    page = list(entries[start : start + limit])
    end = start + len(page)
    return {
        "entries": page,
        "limit": limit,
        "next_marker": encode_marker(end) if end < len(entries) else None,
        "prev_marker": encode_marker(max(0, start - limit)) if start > 0 else None,
    }


MAX_OFFSET = 10_000


def offset_page(call: Call, entries: Sequence[JSON], *, default_limit: int = 100) -> JSON:
    """One page in offset style: ``{entries, total_count, limit, offset}``."""
    limit = call.limit(default_limit)
    offset = call.integer("offset", 0)
    if offset > MAX_OFFSET:
        raise BadRequest("Offset is too large", context_info=invalid_parameter("offset", offset))
    return {
        "entries": list(entries[offset : offset + limit]),
        "total_count": len(entries),
        "limit": limit,
        "offset": offset,
    }


def page(call: Call, entries: Sequence[JSON], *, default_limit: int = 100) -> JSON:
    """Marker style when ``usemarker`` or ``marker`` is given, offset style otherwise."""
    if call.flag("usemarker") or call.param("marker"):
        return marker_page(call, entries, default_limit=default_limit)
    return offset_page(call, entries, default_limit=default_limit)
