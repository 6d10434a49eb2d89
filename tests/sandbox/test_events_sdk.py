"""The SDK's own event code against the sandbox: ``EventStream`` long polling, and what Box's SDK
test suite (box/box-python-sdk ``test/events.py``) checks of the event endpoints."""

from __future__ import annotations

import queue
import threading
import time
from datetime import datetime, timedelta, timezone

from box_sdk_gen import BoxClient
from box_sdk_gen.managers.events import (
    GetEventsEventType,
    GetEventsStreamType,
    GetEventStreamQueryParams,
    GetEventStreamQueryParamsStreamTypeField,
)
from box_sdk_gen.schemas.event import Event

from reconciler.sandbox.server import Sandbox
from tests.sandbox.test_collaborations import invite
from tests.sandbox.test_events import short_long_polls
from tests.sandbox.test_items import upload


def test_the_sdk_event_stream_yields_an_upload_made_while_it_long_polls(
    studio: Sandbox, admin: BoxClient
) -> None:
    stream = admin.events.get_event_stream(
        query_params=GetEventStreamQueryParams(
            stream_type=GetEventStreamQueryParamsStreamTypeField.CHANGES
        )
    )
    # short long polls: the stream also goes through reconnect -> OPTIONS -> poll again, and
    # once stopped it leaves within one poll
    short_long_polls(studio, 0.5)
    received: queue.Queue[Event] = queue.Queue()

    def follow() -> None:
        for event in stream:
            received.put(event)

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    try:
        deadline = time.monotonic() + 30  # bounds a failure only
        while not any(r["method"] == "OPTIONS" for r in studio.request_log()):
            assert time.monotonic() < deadline, "the event stream never asked for a realtime server"
            time.sleep(0.01)
        # its first fetch (from "now") came before OPTIONS: the upload is past its position
        upload(admin, "live.jpg")
        event = received.get(timeout=30)
        assert event.event_type == "ITEM_UPLOAD"
        assert event.source.name == "live.jpg"  # type: ignore[union-attr]
        invite(admin, login="bob@client.example")
        assert received.get(timeout=30).event_type == "COLLAB_ADD_COLLABORATOR"
    finally:
        stream.stop()
        follower.join(timeout=30)
    assert not follower.is_alive()


def test_what_the_sdk_suite_checks_of_events(studio: Sandbox, admin: BoxClient) -> None:
    """The checks of box-python-sdk ``test/events.py``, once there are uploads and a deletion."""
    upload(admin, "suite.jpg")
    admin.users.delete_user_by_id("10002", force=True)

    everything = admin.events.get_events()
    assert len(everything.entries) > 0
    assert everything.entries[0].created_by.type == "user"
    assert everything.entries[0].event_type

    uploads = admin.events.get_events(
        stream_type=GetEventsStreamType.ADMIN_LOGS, event_type=[GetEventsEventType.UPLOAD]
    )
    first = uploads.entries[0]
    assert first.event_type == "UPLOAD"
    assert first.additional_details["service_id"] != ""
    assert first.source.item_type in ("file", "folder")  # type: ignore[union-attr]
    assert first.source.item_id and first.source.item_name  # type: ignore[union-attr]

    deletions = admin.events.get_events(
        stream_type=GetEventsStreamType.ADMIN_LOGS, event_type=[GetEventsEventType.DELETE_USER]
    )
    deleted = deletions.entries[0]
    assert deleted.event_type == "DELETE_USER"
    assert deleted.source.type == "user" and deleted.source.id == "10002"  # type: ignore[union-attr]

    assert len(admin.events.get_events(stream_type=GetEventsStreamType.CHANGES).entries) > 0

    servers = admin.events.get_events_with_long_polling()
    assert servers.entries[0].type == "realtime_server" and servers.entries[0].url

    today = datetime.now(timezone.utc).replace(microsecond=0)
    week = admin.events.get_events(
        stream_type=GetEventsStreamType.ADMIN_LOGS,
        limit=1,
        created_after=today - timedelta(days=7),
        created_before=today,
    )
    assert len(week.entries) == 1
    assert admin.events.get_event_stream() is not None
