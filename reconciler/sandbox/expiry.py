"""Collaborations that end: the enterprise setting that allows ``expires_at``, and the sweep that
removes a collaboration once its time has come.

Box documents that ``expires_at`` works only when the enterprise setting "Automatically remove
invited collaborators: Allow folder owners to extend the expiry date" is on, and that otherwise
the request fails (403 for PUT; for POST the docs only say "an error", so the sandbox answers the
same 403). The seed's ``enterprise.collaboration_expiry`` is that setting.
"""

from __future__ import annotations

from datetime import datetime

from reconciler.sandbox.errors import BadRequest, Forbidden, invalid_parameter
from reconciler.sandbox.state import Collaboration, State, iso, parse_datetime

SETTING = (
    "Automatically remove invited collaborators: Allow folder owners to extend the expiry date"
)


def requested_expiry(state: State, value: object) -> str | None:
    """The ``expires_at`` of a POST or PUT body, checked as Box checks it; None clears it."""
    if not state.enterprise.collaboration_expiry:
        raise Forbidden(f"Access denied - the enterprise setting '{SETTING}' is off")
    if value is None:
        return None
    moment = _moment(value)
    if moment is None:
        raise BadRequest(
            "Invalid value for expires_at",
            context_info=invalid_parameter("expires_at", value),
        )
    if moment <= state.clock():
        raise BadRequest(
            "The expiry date must be in the future",
            context_info=invalid_parameter("expires_at", value, "expires_at is in the past"),
        )
    return iso(moment)


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def sweep(state: State) -> list[Collaboration]:
    """Remove every collaboration whose ``expires_at`` has passed; returns what was removed.

    Box does this on its own schedule; the sandbox does it before each request, so a moved clock
    is seen at once. What is returned is where an expiry event would be raised from.
    """
    now = state.clock()
    gone = [
        c
        for c in state.collaborations.values()
        if c.expires_at is not None and parse_datetime(c.expires_at) <= now
    ]
    for collab in gone:
        del state.collaborations[collab.id]
    return gone
