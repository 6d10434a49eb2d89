"""Box's event stream through the SDK: user streams by its ``EventStream`` (long polling), the
enterprise stream by polling ``GET /events`` (Box offers no long poll for it), each event
reduced to the items it is about.

The SDK's ``EventStream`` keeps its stream position to itself and ends quietly when a fetch
fails; the feed reads that position after each event (so it can be stored) and reports the end,
so the watcher can resync and start again from ``now``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from box_sdk_gen import BoxClient
from box_sdk_gen.box.event_stream import EventStream
from box_sdk_gen.managers.events import (
    GetEventsEventType,
    GetEventsStreamType,
    GetEventStreamHeaders,
    GetEventStreamQueryParams,
    GetEventStreamQueryParamsStreamTypeField,
)

from reconciler.box.errors import call
from reconciler.box.wire import raw_json
from reconciler.errors import BoxError
from reconciler.model import ItemKind, ItemRef

log = logging.getLogger(__name__)

#: The SDK's ``EventStream`` constructor, typed once here (the SDK leaves it unannotated).
_event_stream: Callable[..., EventStream] = EventStream

ENTERPRISE = "admin_logs_streaming"
#: The enterprise events that can change what a delivery needs (Box's event type names).
ENTERPRISE_TYPES = (
    "COLLABORATION_INVITE",
    "COLLABORATION_ACCEPT",
    "COLLABORATION_ROLE_CHANGE",
    "COLLABORATION_REMOVE",
    "UPLOAD",
    "MOVE",
    "COPY",
    "DELETE",
    "TASK_ASSIGNMENT_CREATE",
    "TASK_ASSIGNMENT_UPDATE",
    "COMMENT_CREATE",
    "DELETE_USER",
)
#: A person opened a file: Box tells the file's owner, on its ``all`` stream only. Nothing to
#: reconcile, but a decision on the file's review (or a comment) may follow within minutes.
OPENED_TYPES = frozenset({"ITEM_PREVIEW", "ITEM_DOWNLOAD"})
_KINDS = {"folder": ItemKind.FOLDER, "file": ItemKind.FILE}
#: Events our own writes cause that tell the pass which made them nothing it did not know:
#: an assignment we created. (Our invitations are kept: reading them back is what announces
#: an invitation as sent, and an accepted-at-once one as accepted.)
ECHOES = frozenset({"TASK_ASSIGNMENT_CREATE"})


@dataclass(frozen=True)
class BoxEvent:
    id: str
    type: str
    items: tuple[ItemRef, ...]  # the source and the folders above it
    created_at: str | None
    position: str | None  # where the stream resumes after this event
    created_by_id: str = ""

    def echoes(self, me_id: str) -> bool:
        """An event of our own making that needs no second look."""
        return self.type in ECHOES and bool(me_id) and self.created_by_id == me_id

    def by_someone_else(self, me_id: str) -> bool:
        """Somebody other than the reconciler's account acted: a client is at work."""
        return bool(self.created_by_id) and self.created_by_id != me_id


def _ref(obj: Any) -> ItemRef | None:
    if not isinstance(obj, dict):
        return None
    # Enterprise collaboration events name the item flat: folder_id or file_id.
    for name, flat in _KINDS.items():
        if obj.get(f"{name}_id") and not obj.get("type"):
            return ItemRef(flat, str(obj[f"{name}_id"]))
    kind = _KINDS.get(str(obj.get("type") or obj.get("item_type") or ""))
    ident = obj.get("id") if obj.get("type") in _KINDS else obj.get("item_id")
    return ItemRef(kind, str(ident)) if kind is not None and ident else None


def _with_ancestors(obj: Any) -> list[ItemRef]:
    """The object, its parent and every folder on its path (Box's ``path_collection``)."""
    if not isinstance(obj, dict):
        return []
    found = [r for r in (_ref(obj), _ref(obj.get("parent"))) if r is not None]
    entries = (obj.get("path_collection") or {}).get("entries") or []
    found.extend(r for r in (_ref({"type": "folder", **e}) for e in entries) if r is not None)
    return found


def event_items(raw: dict[str, Any]) -> tuple[ItemRef, ...]:
    """The folders and files an event is about: a file or folder with its ancestors; for a
    collaboration, task or task assignment, the item it belongs to."""
    source = raw.get("source")
    refs = _with_ancestors(source)
    if isinstance(source, dict):
        for key in ("item", "target"):
            refs.extend(_with_ancestors(source.get(key)))
    return tuple(sorted(set(refs)))


def parse_event(raw: dict[str, Any], position: str | None) -> BoxEvent:
    return BoxEvent(
        id=str(raw.get("event_id") or ""),
        type=str(raw.get("event_type") or ""),
        items=event_items(raw),
        created_at=raw.get("created_at") or None,
        position=position,
        created_by_id=str((raw.get("created_by") or {}).get("id") or ""),
    )


def folder_ancestors(client: BoxClient, folder_id: str) -> tuple[ItemRef, ...]:
    """The folders above a folder (Box's ``path_collection``): one call, for an event whose
    source names only its direct parent."""
    folder = call(
        f"read the path of folder {folder_id}",
        lambda: client.folders.get_folder_by_id(folder_id, fields=["id", "path_collection"]),
    )
    entries = (raw_json(folder).get("path_collection") or {}).get("entries") or []
    return tuple(ItemRef(ItemKind.FOLDER, str(e["id"])) for e in entries if e.get("id"))


def next_position(current: str, raw: dict[str, Any]) -> str:
    """Where a stream goes on after a page. Box may answer a page with no events with
    ``next_stream_position: 0`` (Box's Node SDK ignores it; box-windows-sdk-v2#371), or with
    none; ``0`` asks for everything Box still keeps, so taking it would replay weeks of events
    in a loop. Neither ever replaces the position the page was read from."""
    value = raw.get("next_stream_position")
    if value is None or str(value).strip() in ("", "0"):
        return current
    return str(value)


def current_position(client: BoxClient, stream_type: str) -> str:
    """The stream's position now: where to start so that only what happens next is seen.

    Box documents ``stream_position=now`` as answering the latest position; an answer of ``0``
    (or none) is no position at all, so the latest is then found by reading the stream through
    from the start, its events left aside."""
    events = call(
        "read the event stream position",
        lambda: client.events.get_events(
            stream_type=GetEventsStreamType(stream_type), stream_position="now", limit=1
        ),
    )
    position = next_position("", raw_json(events))
    if position:
        return position
    log.warning(
        "Box answered no position for 'now' on the %s stream: reading the stream through to "
        "find the latest (its events are not acted on)",
        stream_type,
    )
    return _latest_by_reading(client, stream_type)


def _latest_by_reading(client: BoxClient, stream_type: str) -> str:
    position = "0"
    while True:
        page = raw_json(
            call(
                "read the event stream to its end",
                lambda p=position: client.events.get_events(  # type: ignore[misc]
                    stream_type=GetEventsStreamType(stream_type), stream_position=p, limit=500
                ),
            )
        )
        after = next_position(position, page)
        if not page.get("entries") or after == position:
            return position
        position = after


class _KeepingPosition:
    """The events manager the SDK's ``EventStream`` reads through: a page's ``0`` (or missing)
    position is replaced by the one the page was read from (see ``next_position``); the SDK
    would otherwise take it and replay the stream."""

    def __init__(self, manager: Any) -> None:
        self._manager = manager

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)

    def get_events(self, **params: Any) -> Any:
        events = self._manager.get_events(**params)
        asked = str(params.get("stream_position") or "")
        kept = next_position(asked, raw_json(events))
        if kept:
            events.next_stream_position = kept
        return events


#: With the enterprise stream the watcher also long-polls the account's own ``changes``
#: stream, which carries the collaboration events, uploads, moves and copies at once and for
#: nothing while idle; the enterprise stream is then read for what only it carries.
ENTERPRISE_ONLY_TYPES = ("TASK_ASSIGNMENT_UPDATE", "COMMENT_CREATE", "DELETE", "DELETE_USER")
#: events that say a client commented (the enterprise stream's name; ``all`` uses it too)
COMMENT_TYPES = frozenset({"COMMENT_CREATE"})

OnEvents = Callable[[list[BoxEvent], bool], None]


class EventFeed:
    """Follows one stream from ``position`` in a daemon thread; ``stop`` ends it.

    ``on_events`` gets events with the position after each, and whether they are a page read
    whole (a polled stream: the page is the burst); ``on_end`` a reason when the stream stopped
    by itself (Box refused the position, or could not be reached). The enterprise stream is
    read every ``interval()`` seconds while its pages are empty; ``nudge`` reads it at once.
    """

    def __init__(
        self,
        client: BoxClient,
        stream_type: str,
        position: str,
        *,
        interval: Callable[[], float] = lambda: 5.0,
        event_types: tuple[str, ...] = ENTERPRISE_TYPES,
        polled: bool = False,
    ) -> None:
        self.client = client
        self.stream_type = stream_type
        #: where the stream resumes after the last events handed on
        self.position = position
        self.interval = interval
        self.event_types = event_types
        #: read by ``GET /events`` every ``interval()`` rather than long polled (always so for
        #: the enterprise stream; for a user stream, while its long poll is silent)
        self.polled = polled or stream_type == ENTERPRISE
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._stream: Any = None
        self._thread: threading.Thread | None = None

    def start(self, on_events: OnEvents, on_end: Callable[[str], None]) -> None:
        run = self._poll if self.polled else self._follow_user
        self._thread = threading.Thread(
            target=self._guarded,
            args=(run, on_events, on_end),
            name=f"box-events-{self.stream_type}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._stream is not None:
            self._stream.stop()

    def nudge(self) -> None:
        """Read a polled stream now rather than at the end of the wait under way."""
        self._wake.set()

    def _guarded(
        self,
        run: Callable[[OnEvents], None],
        on_events: OnEvents,
        on_end: Callable[[str], None],
    ) -> None:
        try:
            run(on_events)
        except BoxError as err:
            reason = err.describe()
        except Exception as exc:  # the feed thread must report, never die silently
            reason = f"{type(exc).__name__}"
            log.debug("event feed failed", exc_info=True)
        else:
            reason = "the event stream ended"
        if not self._stop.is_set():
            on_end(reason)

    def _follow_user(self, on_events: OnEvents) -> None:
        self._stream = _event_stream(
            events_manager=_KeepingPosition(self.client.events),
            query_params=GetEventStreamQueryParams(
                stream_type=GetEventStreamQueryParamsStreamTypeField(self.stream_type),
                stream_position=self.position,
            ),
            headers_input=GetEventStreamHeaders(),
        )
        for event in self._stream:
            if self._stop.is_set():
                return
            # The SDK advances its position before yielding a page's events.
            position = getattr(self._stream, "_stream_position", None)
            # Events inside a page carry no raw JSON of their own; the model's dict has the ids.
            raw = raw_json(event) or event.to_dict()
            if position is not None:
                self.position = str(position)
            on_events([parse_event(raw, None if position is None else str(position))], False)

    def _poll(self, on_events: OnEvents) -> None:
        enterprise = self.stream_type == ENTERPRISE
        # Box filters the enterprise stream by type; a user stream takes no such filter.
        types = [GetEventsEventType(t) for t in self.event_types] if enterprise else None
        while not self._stop.is_set():
            self._wake.clear()
            page = call(
                f"read the {self.stream_type} event stream",
                lambda p=self.position: self.client.events.get_events(  # type: ignore[misc]
                    stream_type=GetEventsStreamType(self.stream_type),
                    stream_position=p,
                    event_type=types,
                    limit=500,
                ),
            )
            raw = raw_json(page)
            position = next_position(self.position, raw)
            entries: Iterable[dict[str, Any]] = raw.get("entries") or []
            events = [parse_event(entry, position) for entry in entries]
            self.position = position
            if events:
                on_events(events, True)
            else:
                self._wake.wait(self.interval())


def waiting_after(client: BoxClient, stream_type: str, position: str) -> bool:
    """Whether the stream holds an event after ``position``: one plain ``GET /events``, to
    check a long poll that may have gone silent."""
    page = call(
        f"check the {stream_type} event stream",
        lambda: client.events.get_events(
            stream_type=GetEventsStreamType(stream_type), stream_position=position, limit=1
        ),
    )
    return bool(raw_json(page).get("entries"))
