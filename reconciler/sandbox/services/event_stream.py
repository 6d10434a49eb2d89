"""Box's event streams: ``GET /events``, ``OPTIONS /events`` and the realtime long-poll server.

Stream positions are the log's positions (``event_log.py``). ``now`` answers no events and the
latest position; ``0`` or no position starts at the oldest event. A page stops at ``limit``
(at most 500) matching events, and its ``next_stream_position`` resumes right after the last
one; a page that reached the end answers the latest position, so polling with it again returns
only what was recorded since, except that an empty page of an enterprise stream answers 0
under the ``empty_page_position: zero`` quirk (the default; ``quirks.py``). ``event_type``
filters the enterprise streams only, and ``created_after``/``created_before`` ``admin_logs``
only; Box ignores them elsewhere, and so does the sandbox. The enterprise streams need an admin,
a co-admin or an app's service account (403 otherwise, as Box answers a user without the
rights).

The realtime server lives on the sandbox itself at ``/subscribe?channel=...``: a long poll
answers ``{"message": "new_change"}`` as soon as the channel's user has an event past the given
``stream_position``, or ``{"message": "reconnect"}`` after the long-poll timeout (600 s, like
Box; ``PUT /_sandbox/events {"long_poll_timeout_s": 0.5}`` shortens it for tests). Box's
realtime server is on another host; ``PUT /_sandbox/events {"realtime_url": "http://..."}``
hands out another address, to act out one this host cannot reach.
"""

from __future__ import annotations

import re
import time
from datetime import datetime

from reconciler.sandbox.errors import BadRequest, Forbidden, invalid_parameter
from reconciler.sandbox.event_log import EventLog, EventRecord
from reconciler.sandbox.routing import JSON, Call, Reply, Route, public
from reconciler.sandbox.services.events import person
from reconciler.sandbox.state import State, User, is_admin, parse_datetime

USER_STREAMS = ("all", "changes", "sync")
ENTERPRISE_STREAMS = ("admin_logs", "admin_logs_streaming")
MAX_LIMIT = 500
EVENT_TYPE_NAME = re.compile(r"^[A-Z0-9_]+$")
REALTIME_RULE = "/subscribe"
#: what OPTIONS /events advertises (Box's documented values; ttl in minutes)
REALTIME_TTL, REALTIME_MAX_RETRIES, REALTIME_RETRY_TIMEOUT = "10", "10", 610


# --- who sees what -------------------------------------------------------------------------


def shows(record: EventRecord, stream_type: str, user_id: str) -> bool:
    """Whether ``user_id``'s stream of that type has the event. Nothing in the sandbox is
    marked for sync, so ``sync`` (synced folders only) is always empty."""
    if stream_type in ENTERPRISE_STREAMS:
        return True
    if stream_type == "changes":
        return user_id in record.audience_changes
    if stream_type == "all":
        return user_id in record.audience_all
    return False


def event_view(state: State, record: EventRecord, stream_type: str) -> JSON:
    enterprise = stream_type in ENTERPRISE_STREAMS
    view: JSON = {
        "type": "event",
        "event_id": record.event_id,
        "event_type": record.enterprise_type if enterprise else record.user_type,
        "created_at": record.created_at,
        "recorded_at": record.created_at,
        "created_by": person(state, record.created_by_id),
        "source": record.enterprise_source if enterprise else record.user_source,
    }
    if enterprise:
        view["additional_details"] = record.additional_details
    return view


# --- query parameters ----------------------------------------------------------------------


def stream_type_of(call: Call) -> str:
    stream_type = call.param("stream_type") or "all"
    if stream_type not in (*USER_STREAMS, *ENTERPRISE_STREAMS):
        raise BadRequest(
            f"Invalid value for 'stream_type': '{stream_type}'",
            context_info=invalid_parameter("stream_type", stream_type),
        )
    return stream_type


def position_of(raw: str | None, log: EventLog) -> int:
    """``now`` is the latest position; none (or ``null``) starts at the beginning."""
    if raw is None or raw in ("", "null"):
        return 0
    if raw == "now":
        return log.latest
    if not raw.isdigit():
        raise BadRequest(
            f"Invalid value for 'stream_position': '{raw}'",
            context_info=invalid_parameter("stream_position", raw),
        )
    return int(raw)


def event_types_of(call: Call) -> set[str] | None:
    raw = call.param("event_type")
    if raw is None or raw == "":
        return None
    names = {name.strip() for name in raw.split(",") if name.strip()}
    wrong = sorted(n for n in names if not EVENT_TYPE_NAME.match(n))
    if wrong:
        raise BadRequest(
            f"Invalid value for 'event_type': '{wrong[0]}'",
            context_info=invalid_parameter("event_type", raw),
        )
    return names


def moment_of(call: Call, name: str) -> datetime | None:
    raw = call.param(name)
    if raw is None or raw == "":
        return None
    try:
        return parse_datetime(raw)
    except ValueError:
        raise BadRequest(
            f"Invalid value for '{name}': '{raw}'", context_info=invalid_parameter(name, raw)
        ) from None


def require_enterprise_rights(actor: User) -> None:
    if not is_admin(actor):
        raise Forbidden(
            "The enterprise event stream needs an admin or co-admin",
            code="access_denied_insufficient_permissions",
        )


# --- handlers ------------------------------------------------------------------------------


def handle_get_events(call: Call) -> Reply:
    stream_type = stream_type_of(call)
    enterprise = stream_type in ENTERPRISE_STREAMS
    if enterprise:
        require_enterprise_rights(call.actor)
    log = call.state.event_log
    position = position_of(call.param("stream_position"), log)
    limit = call.limit(100, MAX_LIMIT)
    wanted = event_types_of(call) if enterprise else None
    after = moment_of(call, "created_after") if stream_type == "admin_logs" else None
    before = moment_of(call, "created_before") if stream_type == "admin_logs" else None
    entries: list[JSON] = []
    next_position = max(position, log.latest)
    for record in log.after(position):
        if len(entries) == limit:
            break
        next_position = record.position
        if not shows(record, stream_type, call.actor.id):
            continue
        if wanted is not None and record.enterprise_type not in wanted:
            continue
        moment = parse_datetime(record.created_at)
        if (after is not None and moment < after) or (before is not None and moment > before):
            continue
        entries.append(event_view(call.state, record, stream_type))
    else:
        next_position = max(position, log.latest)
    asked_now = call.param("stream_position") == "now"
    if enterprise and not entries and not asked_now and zero_when_empty(call.state):
        # Box answers an empty enterprise page with 0 (quirks.py); taken as the position, 0
        # replays every event still kept. ``now`` is how a client gets a position at all, so it
        # keeps answering the latest one.
        next_position = 0
    # Box sends the enterprise position as a string and the user position as a number
    body: JSON = {
        "chunk_size": len(entries),
        "next_stream_position": str(next_position) if enterprise else next_position,
        "entries": entries,
    }
    return Reply(200, body)


def zero_when_empty(state: State) -> bool:
    return state.quirks.empty_page_position == "zero"


def handle_options_events(call: Call) -> Reply:
    log = call.state.event_log
    channel = log.open_channel(call.actor.id)
    where = log.realtime_url or f"{call.origin()}{REALTIME_RULE}"
    joiner = "&" if "?" in where else "?"
    server: JSON = {
        "type": "realtime_server",
        "url": f"{where}{joiner}channel={channel}&stream_type=all",
        "ttl": REALTIME_TTL,
        "max_retries": REALTIME_MAX_RETRIES,
        "retry_timeout": REALTIME_RETRY_TIMEOUT,
    }
    return Reply(200, {"chunk_size": 1, "entries": [server]})


def has_news(log: EventLog, user_id: str, stream_type: str, position: int) -> bool:
    return any(shows(r, stream_type, user_id) for r in log.after(position))


@public
def handle_long_poll(call: Call) -> Reply:
    """Wait, with the state lock released, for an event past the position (or the timeout)."""
    log = call.state.event_log
    user_id = log.channels.get(call.param("channel") or "")
    stream_type = call.param("stream_type") or "all"
    if user_id is None or stream_type not in USER_STREAMS:
        return Reply(200, {"message": "reconnect"})  # a stale channel: start over with OPTIONS
    position = position_of(call.param("stream_position") or "now", log)
    deadline = time.monotonic() + log.long_poll_timeout_s
    with log.changed:
        interruptions = log.interruptions
        while not has_news(log, user_id, stream_type, position):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or log.interruptions != interruptions:
                return Reply(200, {"message": "reconnect"})
            log.changed.wait(remaining)
    return Reply(200, {"message": "new_change"})


# --- control plane -------------------------------------------------------------------------


SETTINGS = ("long_poll_timeout_s", "realtime_url")


def handle_get_settings(call: Call) -> Reply:
    log = call.state.event_log
    return Reply(
        200, {"long_poll_timeout_s": log.long_poll_timeout_s, "realtime_url": log.realtime_url}
    )


def handle_put_settings(call: Call) -> Reply:
    """A partial update: ``long_poll_timeout_s`` (seconds, above 0) and ``realtime_url`` (the
    long-poll URL ``OPTIONS /events`` hands out, e.g. an unreachable one; null: the sandbox's)."""
    body = call.json()
    unknown = sorted(set(body) - set(SETTINGS))
    if unknown:
        raise BadRequest(
            f"Unknown event setting '{unknown[0]}' (known: {', '.join(SETTINGS)})",
            context_info=invalid_parameter(unknown[0], body[unknown[0]], "unknown setting"),
        )
    timeout = body.get("long_poll_timeout_s", call.state.event_log.long_poll_timeout_s)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise BadRequest(
            "'long_poll_timeout_s' must be a number of seconds above 0",
            context_info=invalid_parameter("long_poll_timeout_s", timeout),
        )
    url = body.get("realtime_url", call.state.event_log.realtime_url)
    if url is not None and not (isinstance(url, str) and re.match(r"^https?://[^/?#]+", url)):
        raise BadRequest(
            "'realtime_url' must be an http(s) URL, or null for the sandbox's own",
            context_info=invalid_parameter("realtime_url", url),
        )
    call.state.event_log.long_poll_timeout_s = float(timeout)
    call.state.event_log.realtime_url = url
    return handle_get_settings(call)


EVENT_PARAMS = (
    "stream_type",
    "stream_position",
    "limit",
    "event_type",
    "created_after",
    "created_before",
)
ROUTES = [
    Route("GET", "/2.0/events", handle_get_events, params=EVENT_PARAMS),
    Route("OPTIONS", "/2.0/events", handle_options_events),
    Route(
        "GET",
        REALTIME_RULE,
        handle_long_poll,
        params=("channel", "stream_type", "stream_position"),
    ),
]
#: the long-poll timeout, in the control plane (``control.py`` serves these)
CONTROL_ROUTES = [
    Route("GET", "/_sandbox/events", handle_get_settings),
    Route("PUT", "/_sandbox/events", handle_put_settings),
]
