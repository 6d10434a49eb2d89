"""The sandbox's movable clock: ``GET``/``PUT /_sandbox/clock``, so tests reach a future (an
expiry, an invitation's age) without sleeping.

``PUT {"now": "<ISO date-time>"}`` sets the time; ``PUT {"advance_seconds": N}`` moves it on;
``DELETE`` goes back to the real time. Box keeps time on its own; this is control plane only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from reconciler.sandbox.errors import BadRequest
from reconciler.sandbox.routing import Call, Reply, Route
from reconciler.sandbox.state import Clock, iso, parse_datetime

if TYPE_CHECKING:
    from reconciler.sandbox.controlled import ControlledSandbox

_KEYS = ("now", "advance_seconds")


@dataclass(frozen=True)
class Shifted:
    """A clock that runs ``offset`` ahead of (or behind) the one it wraps."""

    base: Clock
    offset: timedelta

    def __call__(self) -> datetime:
        return self.base() + self.offset


def base_of(clock: Clock) -> Clock:
    return clock.base if isinstance(clock, Shifted) else clock


def _offset(body: dict[str, Any], clock: Clock) -> timedelta:
    unknown = sorted(set(body) - set(_KEYS))
    if unknown:
        raise BadRequest(
            f"Unknown key '{unknown[0]}' (the clock takes one of: now, advance_seconds)"
        )
    if len(body) != 1:
        raise BadRequest("Give exactly one of 'now' or 'advance_seconds'")
    base = base_of(clock)
    if "now" in body:
        text = body["now"]
        try:
            moment = parse_datetime(text) if isinstance(text, str) else None
        except ValueError:
            moment = None
        if moment is None:
            raise BadRequest("'now' must be an ISO 8601 date-time")
        return moment - base()
    seconds = body["advance_seconds"]
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise BadRequest("'advance_seconds' must be a number")
    current = clock.offset if isinstance(clock, Shifted) else timedelta(0)
    return current + timedelta(seconds=seconds)


def routes(box: ControlledSandbox) -> list[Route]:
    def show(call: Call) -> Reply:
        return Reply(200, {"now": iso(box.state.clock())})

    def move(call: Call) -> Reply:
        state = box.state
        with state.lock:
            state.clock = Shifted(base_of(state.clock), _offset(call.json(), state.clock))
        return show(call)

    def restore(call: Call) -> Reply:
        box.state.clock = base_of(box.state.clock)
        return Reply(204)

    return [
        Route("GET", "/_sandbox/clock", show),
        Route("PUT", "/_sandbox/clock", move),
        Route("DELETE", "/_sandbox/clock", restore),
    ]
