"""What ``reconcile doctor`` asks Box, read-only, as plain facts; the verdicts are
``reconciler.doctor``'s. Each probe raises reconciler's errors (``Forbidden``, ``AuthError``, ...)
when Box refuses, so a check can say which refusal it met."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from box_sdk_gen import BoxClient
from box_sdk_gen.managers.events import GetEventsStreamType
from box_sdk_gen.networking.fetch_options import FetchOptions, ResponseFormat

from reconciler.box.errors import call

# the reader's own reading of Box's Date header, shared within this package
from reconciler.box.reader import BoxReader, _box_date
from reconciler.box.tasks import TASK_FIELDS as TASK_FIELDS
from reconciler.box.wire import raw_json
from reconciler.model import ItemKind, ItemRef

ACCOUNT_FIELDS = "id,type,login,name,role,enterprise"
PAGE = 1000


@dataclass(frozen=True)
class Account:
    """Who the credentials act as, and Box's time by the answer's ``Date`` header."""

    id: str
    login: str
    name: str
    role: str  # admin, coadmin or user; "" when Box does not say
    enterprise_id: str
    enterprise_name: str
    box_time: datetime | None  # None when Box sent no readable Date
    local_time: datetime  # this host's clock halfway through the call


@dataclass(frozen=True)
class StreamPage:
    """One page of an event stream: how many events, and ``next_stream_position`` as Box sent
    it (a number, a string, or None when missing)."""

    events: int
    next_position: object


@dataclass(frozen=True)
class Owner:
    """Who owns a folder or file."""

    ref: ItemRef
    name: str
    owner_id: str
    owner_login: str


def _get(client: BoxClient, what: str, path: str, params: dict[str, str]) -> tuple[Any, Any]:
    """A GET on the API with exactly these query parameters: the raw JSON and the headers."""
    base = client.network_session.base_urls.base_url
    answer = call(
        what,
        lambda: client.make_request(
            FetchOptions(
                url=f"{base}/2.0{path}",
                method="GET",
                params=params,
                response_format=ResponseFormat.JSON,
            )
        ),
    )
    return (answer.data if isinstance(answer.data, dict) else {}), answer.headers


def account(client: BoxClient) -> Account:
    """``GET /users/me``: the account, and Box's clock against this host's."""
    before = time.time()
    raw, headers = _get(client, "read the account", "/users/me", {"fields": ACCOUNT_FIELDS})
    after = time.time()
    enterprise = raw.get("enterprise") or {}
    return Account(
        id=str(raw.get("id") or ""),
        login=str(raw.get("login") or ""),
        name=str(raw.get("name") or ""),
        role=str(raw.get("role") or ""),
        enterprise_id=str(enterprise.get("id") or ""),
        enterprise_name=str(enterprise.get("name") or ""),
        box_time=_box_date(headers),
        local_time=datetime.fromtimestamp((before + after) / 2, tz=timezone.utc),
    )


def enterprise_page(client: BoxClient, position: str | None = None) -> StreamPage:
    """``GET /events?stream_type=admin_logs_streaming&limit=1`` from ``position`` (none: the
    oldest event kept)."""
    page = call(
        "read the enterprise event stream",
        lambda: client.events.get_events(
            stream_type=GetEventsStreamType.ADMIN_LOGS_STREAMING,
            stream_position=position,
            limit=1,
        ),
    )
    raw = raw_json(page)
    return StreamPage(len(raw.get("entries") or []), raw.get("next_stream_position"))


def webhook_count(client: BoxClient) -> int:
    """How many webhooks ``GET /webhooks`` lists for this app and user (every page)."""
    count, marker = 0, None
    while True:
        page = call(
            "list the webhooks",
            lambda m=marker: client.webhooks.get_webhooks(marker=m, limit=PAGE),  # type: ignore[misc]
        )
        raw = raw_json(page)
        count += len(raw.get("entries") or [])
        marker = raw.get("next_marker") or None
        if not marker:
            return count


def owner(client: BoxClient, ref: ItemRef) -> Owner:
    """Who owns a folder or file (``owned_by``)."""
    get = (
        client.folders.get_folder_by_id
        if ref.kind is ItemKind.FOLDER
        else client.files.get_file_by_id
    )
    info = call(
        f"read {ref.kind.value} {ref.id}",
        lambda: get(ref.id, fields=["id", "type", "name", "owned_by"]),
    )
    raw = raw_json(info)
    who = raw.get("owned_by") or {}
    return Owner(
        ref, str(raw.get("name") or ""), str(who.get("id") or ""), str(who.get("login") or "")
    )


def files_below(client: BoxClient, folder_ids: list[str]) -> Iterator[tuple[str, str]]:
    """``(file id, name)`` of every file below the folders, level by level, lazily: the caller
    stops when it has found what it looks for."""
    reader = BoxReader(client)
    level = list(folder_ids)
    while level:
        below: list[str] = []
        for folder_id in level:
            for entry in reader.folder_entries(folder_id):
                if entry.get("type") == "file":
                    yield str(entry["id"]), str(entry.get("name") or "")
                elif entry.get("type") == "folder":
                    below.append(str(entry["id"]))
        level = below


def task_listing(
    client: BoxClient, file_id: str, fields: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """The entries of ``GET /files/{id}/tasks``, as Box sent them, with ``fields`` when given."""
    params = {"fields": ",".join(fields)} if fields else {}
    raw, _ = _get(client, f"list the tasks of file {file_id}", f"/files/{file_id}/tasks", params)
    return [e for e in raw.get("entries") or [] if isinstance(e, dict)]


def realtime_url(client: BoxClient) -> str:
    """The long-poll server ``OPTIONS /events`` names (on another host in real Box)."""
    servers = call("ask Box for its long-poll server", client.events.get_events_with_long_polling)
    entries = raw_json(servers).get("entries") or []
    return str((entries[0] if entries else {}).get("url") or "")


def unreachable(url: str, timeout: float) -> str:
    """Why a TCP connection to the URL's host and port fails within ``timeout`` seconds; "" when
    it opens (it is closed at once: nothing is sent)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host:
        return f"{url!r} names no host"
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return f"{url!r} has no valid port"
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return ""
    except TimeoutError:
        return f"no answer from {host}:{port} within {timeout:g} s"
    except OSError as exc:
        return f"cannot connect to {host}:{port} ({exc.strerror or type(exc).__name__})"
