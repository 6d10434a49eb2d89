"""Read live Box state for the items of a desired state: everything ``plan`` needs, nothing else.

The reader has no method that writes, so a plan made from it cannot change Box.
"""

from __future__ import annotations

import email.utils
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from functools import partial
from typing import Any

from box_sdk_gen import BoxClient
from box_sdk_gen.networking.fetch_options import FetchOptions, ResponseFormat

from reconciler.box import ledger
from reconciler.box.errors import call
from reconciler.box.tasks import TaskReads
from reconciler.box.webhooks import read_webhooks
from reconciler.box.wire import raw_json
from reconciler.errors import BoxError, NotFound, ReadError
from reconciler.model import (
    InvitationRecord,
    InviteStatus,
    ItemKind,
    ItemRef,
    LiveCollaboration,
    LiveFile,
    LiveItem,
    LiveState,
    LiveTask,
    LiveUser,
    LiveWebhook,
)

log = logging.getLogger(__name__)

PAGE = 1000
COLLAB_FIELDS = [
    "type",
    "id",
    "item",
    "accessible_by",
    "invite_email",
    "role",
    "status",
    "created_by",
    "created_at",
    "expires_at",
    "acknowledged_at",
]
Progress = Callable[[str], None]


def _status(value: object) -> InviteStatus:
    try:
        return InviteStatus(str(value))
    except ValueError:
        return InviteStatus.PENDING


def parse_collaboration(raw: dict[str, Any], item: ItemRef) -> LiveCollaboration:
    """Both shapes of a pending invitation: ``accessible_by: null``, or a user stub with a login."""
    who = raw.get("accessible_by") or {}
    return LiveCollaboration(
        id=str(raw.get("id")),
        item=item,
        role=str(raw.get("role") or ""),
        status=_status(raw.get("status")),
        principal_type=who.get("type") or None,
        principal_id=str(who["id"]) if who.get("id") else None,
        login=who.get("login") or None,
        invite_email=raw.get("invite_email") or None,
        name=who.get("name") or "",
        expires_at=raw.get("expires_at") or None,
        created_at=raw.get("created_at") or None,
        created_by_id=str((raw.get("created_by") or {}).get("id") or "") or None,
        acknowledged_at=raw.get("acknowledged_at") or None,
    )


class BoxReader:
    """Read-only access to the Box state a plan needs."""

    def __init__(self, client: BoxClient, *, on_read: Callable[[], None] | None = None) -> None:
        self.client = client
        #: called after each API call, for a progress display
        self.on_read = on_read

    def _call(self, what: str, fetch: Callable[[], Any]) -> Any:
        try:
            return call(what, fetch)
        finally:
            if self.on_read is not None:
                self.on_read()

    def me(self) -> LiveUser:
        return self.me_and_time()[0]

    def me_and_time(self) -> tuple[LiveUser, datetime]:
        """The reconciler's own account, and Box's time from the answer's ``Date`` header: Box
        removes expired collaborations by its clock, so expiries are judged by it too (the
        local clock when Box sends no readable date)."""
        base = self.client.network_session.base_urls.base_url
        answer = self._call(
            "read the reconciler's own account",
            lambda: self.client.make_request(
                FetchOptions(
                    url=f"{base}/2.0/users/me",
                    method="GET",
                    params={"fields": "id,login,name"},
                    response_format=ResponseFormat.JSON,
                )
            ),
        )
        raw = answer.data if isinstance(answer.data, dict) else {}
        user = LiveUser(
            id=str(raw.get("id")),
            login=str(raw.get("login") or ""),
            name=str(raw.get("name") or ""),
        )
        return user, _box_date(answer.headers) or datetime.now(timezone.utc)

    def item(self, ref: ItemRef) -> LiveItem:
        if ref.kind is ItemKind.HUB:
            return self.hub(ref.id)
        get: Callable[..., Any]
        collaborations: Callable[..., Any]
        if ref.kind is ItemKind.FOLDER:
            get, collaborations = (
                self.client.folders.get_folder_by_id,
                self.client.list_collaborations.get_folder_collaborations,
            )
        else:
            get, collaborations = (
                self.client.files.get_file_by_id,
                self.client.list_collaborations.get_file_collaborations,
            )
        kind = ref.kind.value
        info: Any = self._call(
            f"read {kind} {ref.id}", lambda: get(ref.id, fields=["id", "type", "name", "owned_by"])
        )
        pages = self._marker_pages(
            f"list collaborations of {kind} {ref.id}",
            lambda marker: collaborations(ref.id, fields=COLLAB_FIELDS, limit=PAGE, marker=marker),
        )
        raw = raw_json(info)
        owner = raw.get("owned_by") or {}
        return LiveItem(
            ref=ref,
            name=str(raw.get("name") or ""),
            owner_id=str(owner["id"]) if owner.get("id") else None,
            collaborations=tuple(parse_collaboration(e, ref) for e in pages),
        )

    def hub(self, hub_id: str) -> LiveItem:
        ref = ItemRef(ItemKind.HUB, hub_id)
        info = self._call(
            f"read hub {hub_id}", lambda: self.client.hubs.get_hub_by_id_v2025_r0(hub_id)
        )
        raw = raw_json(info)
        owner = raw.get("created_by") or {}
        entries = self._marker_pages(
            f"list collaborations of hub {hub_id}",
            lambda marker: self.client.hub_collaborations.get_hub_collaborations_v2025_r0(
                hub_id, limit=PAGE, marker=marker
            ),
        )
        return LiveItem(
            ref=ref,
            name=str(raw.get("title") or ""),
            owner_id=str(owner["id"]) if owner.get("id") else None,
            collaborations=tuple(parse_collaboration(e, ref) for e in entries),
        )

    def group_name(self, group_id: str) -> str:
        """A group's name, for a group no item shows any more (its collaborations removed)."""
        group = self._call(
            f"read group {group_id}",
            lambda: self.client.groups.get_group_by_id(group_id, fields=["id", "name"]),
        )
        return str(getattr(group, "name", "") or "")

    def ledger(self, ref: ItemRef) -> dict[str, InvitationRecord]:
        """The reconciler's invitation ledger on a folder or file (see ``box.ledger``)."""
        try:
            return ledger.read(self.client, ref)[0]
        finally:
            if self.on_read is not None:
                self.on_read()

    def folder_entries(self, folder_id: str, extra: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """The direct children of a folder (all pages): ``{type, id, name}`` each, and the
        ``extra`` fields asked for."""
        return list(
            self._marker_pages(
                f"list the items of folder {folder_id}",
                lambda marker: self.client.folders.get_folder_items(
                    folder_id,
                    fields=["type", "id", "name", *extra],
                    usemarker=True,
                    marker=marker,
                    limit=PAGE,
                ),
            )
        )

    def file_tasks(self, file_id: str) -> tuple[LiveTask, ...]:
        """A file's tasks with their assignments, every field the client reads asked for (see
        ``box.tasks``): one call per file when Box answers whole."""
        return TaskReads(self.client, self._call).file_tasks(file_id)

    def webhooks(self) -> tuple[LiveWebhook, ...]:
        """The webhooks of this app and user, each with its address and triggers."""
        return read_webhooks(self.client)

    def _marker_pages(
        self, what: str, fetch: Callable[[str | None], Any]
    ) -> Iterator[dict[str, Any]]:
        marker: str | None = None
        while True:
            page = self._call(what, lambda m=marker: fetch(m))  # type: ignore[misc]
            raw = raw_json(page)
            yield from raw.get("entries") or []
            marker = raw.get("next_marker") or None  # Box sends null or "" at the end
            if not marker:
                return


def _box_date(headers: Mapping[str, str]) -> datetime | None:
    text = next((v for k, v in headers.items() if k.lower() == "date"), None)
    try:
        moment = email.utils.parsedate_to_datetime(text) if text else None
    except (TypeError, ValueError):
        return None
    return moment.astimezone(timezone.utc) if moment is not None else None


def _parallel(concurrency: int, jobs: Iterable[Callable[[], Any]]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="box-read") as pool:
        futures = [pool.submit(job) for job in jobs]
        return [f.result() for f in futures]


def read_items(
    reader: BoxReader,
    refs: Iterable[ItemRef],
    *,
    concurrency: int = 8,
    where: Callable[[ItemRef], str] | None = None,
) -> dict[ItemRef, LiveItem]:
    """Read each item once, in parallel; every item that fails is named in one error, after
    ``where`` it was asked for (a manifest's FILE:LINE:COL)."""
    found, failures = read_items_apart(reader, refs, concurrency=concurrency, where=where)
    if failures:
        raise ReadError("Could not read from Box:\n  " + "\n  ".join(sorted(failures.values())))
    return found


def read_items_apart(
    reader: BoxReader,
    refs: Iterable[ItemRef],
    *,
    concurrency: int = 8,
    where: Callable[[ItemRef], str] | None = None,
) -> tuple[dict[ItemRef, LiveItem], dict[ItemRef, str]]:
    """Read each item once, in parallel: what was read, and why each other item was not."""
    unique = sorted(set(refs))
    failures: dict[ItemRef, str] = {}

    def read_one(ref: ItemRef) -> LiveItem | None:
        prefix = f"{where(ref)}: " if where is not None else ""
        try:
            return reader.item(ref)
        except NotFound as err:
            failures[ref] = (
                f"{prefix}{ref.kind.value} {ref.id} was not found, or is not visible to the "
                f"reconciler's account ({err.describe()})"
            )
        except BoxError as err:
            failures[ref] = f"{prefix}{ref.kind.value} {ref.id}: {err.describe()}"
        return None

    results = _parallel(concurrency, [partial(read_one, ref) for ref in unique])
    return {item.ref: item for item in results if item is not None}, dict(sorted(failures.items()))


def read_folder_files(
    reader: BoxReader, folder_ids: Iterable[str], *, with_tasks: bool, concurrency: int = 8
) -> dict[str, tuple[LiveFile, ...]]:
    """Every file below each folder, recursively, with its path below that folder and
    (optionally) its tasks. All folders are walked together, one level at a time, so the
    calls of every delivery share one pool."""
    roots = sorted(set(folder_ids))
    found: dict[str, list[tuple[str, str, str]]] = {root: [] for root in roots}
    level = [(root, root, "") for root in roots]  # (root, folder id, path prefix)
    while level:
        listings = _parallel(
            concurrency, [partial(reader.folder_entries, fid) for _, fid, _ in level]
        )
        next_level: list[tuple[str, str, str]] = []
        for (root, _, prefix), entries in zip(level, listings, strict=True):
            for entry in entries:
                path = f"{prefix}{entry.get('name', '')}"
                if entry.get("type") == "folder":
                    next_level.append((root, str(entry["id"]), f"{path}/"))
                elif entry.get("type") == "file":
                    found[root].append((str(entry["id"]), str(entry.get("name", "")), path))
        level = next_level
    flat = [(root, *f) for root in roots for f in found[root]]
    tasks = (
        _parallel(concurrency, [partial(reader.file_tasks, fid) for _, fid, _, _ in flat])
        if with_tasks
        else [()] * len(flat)
    )
    files: dict[str, list[LiveFile]] = {root: [] for root in roots}
    for (root, fid, name, path), file_tasks in zip(flat, tasks, strict=True):
        files[root].append(LiveFile(fid, name, path, root, file_tasks))
    return {root: tuple(sorted(files[root], key=lambda f: f.path)) for root in roots}


def read_live(
    reader: BoxReader,
    items: Iterable[ItemRef],
    *,
    task_folders: Iterable[str] = (),
    ledger_items: Iterable[ItemRef] = (),
    concurrency: int = 8,
    where: Callable[[ItemRef], str] | None = None,
    keep_going: bool = False,
) -> LiveState:
    """The live state of the given items (folders, files, hubs), of the files below
    ``task_folders`` with their tasks, and the invitation ledger of ``ledger_items``. An item
    Box will not give raises ``ReadError``, or with ``keep_going`` is recorded in
    ``LiveState.unreadable`` (and its files and ledger are not read).

    Seven parameters: the reader and the items, then five keyword-only options with defaults
    (what else to read, how many calls at once, how to name an item, whether to carry on).
    """
    me, read_at = reader.me_and_time()
    if keep_going:
        live_items, unreadable = read_items_apart(
            reader, items, concurrency=concurrency, where=where
        )
    else:
        live_items, unreadable = read_items(reader, items, concurrency=concurrency, where=where), {}
    readable = [f for f in task_folders if ItemRef(ItemKind.FOLDER, f) not in unreadable]
    files = read_folder_files(reader, readable, with_tasks=True, concurrency=concurrency)
    refs = sorted(set(ledger_items) - set(unreadable))
    ledgers = _parallel(concurrency, [partial(reader.ledger, ref) for ref in refs])
    invitations = {
        (ref, email): record
        for ref, entries in zip(refs, ledgers, strict=True)
        for email, record in entries.items()
    }
    return LiveState(
        me=me,
        items=live_items,
        files=files,
        read_at=read_at,
        invitations=invitations,
        unreadable=unreadable,
    )
