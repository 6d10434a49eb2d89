"""Collaborations that end: the enterprise setting that allows ``expires_at``, and the sweep that
removes a collaboration once its time has come.

Box documents that ``expires_at`` works only when the enterprise setting "Automatically remove
invited collaborators: Allow folder owners to extend the expiry date" is on, and that otherwise
the request fails (403 for PUT; for POST the docs only say "an error", so the sandbox answers the
same 403). The seed's ``enterprise.collaboration_expiry`` is that setting.

The setting is also an automatic expiry *policy* (Box community, "Automatic Expiration for
Collaborators"); the ``expiry_policy_days`` quirk switches it on. From that moment every new
collaboration expires N days after its creation unless the request gives ``expires_at``, and,
as ``put_collaborations_id`` documents, "a collaboration can only be given an expiration if it
was created after the ... setting was enabled": a PUT of ``expires_at`` on an older one is 403.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from reconciler.sandbox.errors import BadRequest, Forbidden, invalid_parameter
from reconciler.sandbox.state import Collaboration, State, iso, parse_datetime

SETTING = (
    "Automatically remove invited collaborators: Allow folder owners to extend the expiry date"
)


POLICY = "Automatically remove invited collaborators"


def policy_days(state: State) -> int | None:
    return state.quirks.expiry_policy_days


def requested_expiry(state: State, value: object) -> str | None:
    """The ``expires_at`` of a POST or PUT body, checked as Box checks it; None clears it."""
    if not state.enterprise.collaboration_expiry and policy_days(state) is None:
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


def policy_expiry(state: State) -> str | None:
    """The ``expires_at`` the policy gives a collaboration created now; None without a policy."""
    days = policy_days(state)
    return None if days is None else iso(state.clock() + timedelta(days=days))


def created_under_policy(state: State, collab: Collaboration) -> bool:
    """Whether the collaboration was created after the policy was switched on (ids order
    creations exactly, where the clock has whole seconds only)."""
    since = state.quirks.expiry_policy_from_id
    return since is not None and collab.id.isdigit() and int(collab.id) > since


def changed_expiry(state: State, collab: Collaboration, value: object) -> str | None:
    """The ``expires_at`` a PUT gives ``collab``, or 403 where the policy forbids the change."""
    expires_at = requested_expiry(state, value)
    if policy_days(state) is None:
        return expires_at
    if not created_under_policy(state, collab):
        raise Forbidden(
            "Access denied - a collaboration can only be given an expiration if it was "
            f"created after the '{POLICY}' setting was enabled"
        )
    if expires_at is None and collab.expiry_by_policy:
        # Undocumented: whether an owner may clear an expiry the policy gave. "Allow folder
        # owners to extend the expiry date" speaks of extending only, so the sandbox takes the
        # reading hardest on a client and refuses.
        raise Forbidden(
            f"Access denied - the enterprise's '{POLICY}' policy set this expiry; "
            "it can be extended, not removed"
        )
    return expires_at


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
