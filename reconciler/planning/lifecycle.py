"""Access that ends and invitations that are chased, planned purely from the manifest, the live
snapshot and its reading time (``LiveState.read_at``): no clock of its own.

- **Expiry.** A client's ``expires``/``expires_in_days`` (else the delivery's) is Box's
  ``expires_at`` on each of their collaborations. A date counts to the end of that day, UTC;
  days count from the invitation (the collaboration's ``created_at``); ``expires: never``
  clears any expiry. Once a date has passed, Box has removed the collaboration and the person
  is not invited again (nor joined to a hub) until the manifest moves the date. Where the
  manifest declares no expiry, ``expires_at`` is not managed: an enterprise may give new
  collaborations an expiry by policy, and clearing it on every pass would fight the admin, so
  it is reported (``policy_expiry``) and left as Box set it.
- **Chasing.** A pending invitation older than ``resend_after_days`` is sent again (deleted and
  created anew: Box has no resend), at most ``max_resends`` times; the count is Box's (see
  ``LiveState.invitations``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from reconciler.model import (
    Client,
    Delivery,
    Expiry,
    InviteStatus,
    ItemRef,
    LiveCollaboration,
    LiveState,
    Policy,
    Principal,
    PrincipalKind,
    Resending,
    box_time,
)
from reconciler.plan.payloads import ExpiryFields

#: Box may store ``expires_at`` at its own precision (and the applier counts days from its own
#: clock, seconds before Box stamps ``created_at``): closer than this is the same expiry.
EXPIRY_TOLERANCE = timedelta(hours=12)


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def expiry_on_create(delivery: Delivery, client: Client) -> ExpiryFields:
    """What a new invitation carries: a fixed ``expires_at``, or days the applier counts."""
    expiry = delivery.expiry_of(client)
    if expiry is None or expiry.never:
        return {}
    if expiry.on is not None:
        moment = expiry.moment(None)
        assert moment is not None
        return {"expires_at": _iso(moment)}
    return {"expires_in_days": expiry.days}


@dataclass(frozen=True)
class ExpiryChange:
    before: ExpiryFields
    after: ExpiryFields
    reason: str


def expiry_change(
    delivery: Delivery, client: Client, found: LiveCollaboration
) -> ExpiryChange | None:
    """The ``expires_at`` to set, move or clear on a live collaboration; None if it matches or
    the manifest declares no expiry (Box's own is then left alone)."""
    expiry = delivery.expiry_of(client)
    if expiry is None:
        return None
    live = box_time(found.expires_at)
    wanted = expiry.moment(box_time(found.created_at))
    if wanted is None and not expiry.never:
        return None  # days after an invitation whose time Box did not say: nothing to compare
    if live is None and wanted is None:
        return None
    if live is not None and wanted is not None and abs(live - wanted) <= EXPIRY_TOLERANCE:
        return None
    before: ExpiryFields = {"expires_at": found.expires_at}
    after: ExpiryFields = {"expires_at": None if wanted is None else _iso(wanted)}
    if wanted is None:
        reason = f"{_where(expiry)}: access no longer ends, the expiry is cleared"
    elif live is None:
        reason = f"access ends {expiry.words()}"
    elif wanted < live:
        reason = "the manifest shortens the access"
    else:
        reason = "the manifest extends the access"
    return ExpiryChange(before, after, reason)


def policy_expiry(delivery: Delivery, client: Client, found: LiveCollaboration) -> str | None:
    """Why an expiry stays as Box set it: the manifest declares none for this person, so an
    ``expires_at`` there came from Box (an enterprise policy) or from someone's hand."""
    if delivery.expiry_of(client) is not None or not found.expires_at:
        return None
    return (
        f"Box set access to end {found.expires_at} (an enterprise expiry policy?); the manifest "
        "declares no expiry, so it is left as it is (expires: never clears it)"
    )


def access_ended(delivery: Delivery, client: Client, live: LiveState) -> str | None:
    """Why a person with no collaboration is not invited: their expiry has passed. A date is
    known from the manifest; days count from the first invitation the ledger recorded."""
    expiry = delivery.expiry_of(client)
    if expiry is None or live.read_at is None:
        return None
    moment = expiry.moment(_first_invited(delivery, client.principal, live))
    if moment is None or moment > live.read_at:
        return None
    return (
        f"access ended on {moment.date().isoformat()} ({_where(expiry)}): not invited again; "
        "move the date to give access again"
    )


def _first_invited(delivery: Delivery, principal: Principal, live: LiveState) -> datetime | None:
    times = [
        box_time(entry.invited_at)
        for item in delivery.items()
        for entry in (live.invitations.get((item, principal.key)),)
        if entry is not None and principal.kind is PrincipalKind.EMAIL
    ]
    known = [t for t in times if t is not None]
    return min(known) if known else None


def keeps_ledger(delivery: Delivery, client: Client, policy: Policy) -> bool:
    """Invitations are recorded in Box's ledger when they are chased or expire by days."""
    expiry = delivery.expiry_of(client)
    relative = expiry is not None and expiry.days is not None
    chased = resending(delivery, policy) is not None
    return client.principal.kind is PrincipalKind.EMAIL and (relative or chased)


def _where(expiry: Expiry) -> str:
    key = "expires_in_days" if expiry.days is not None else "expires"
    key = "expires: never" if expiry.never else key
    if expiry.origin is None:
        return key
    return f"{key} at {expiry.origin.file}:{expiry.origin.line}"


# --- chasing invitations -------------------------------------------------------------------


def resending(delivery: Delivery, policy: Policy) -> Resending | None:
    return delivery.invitations or policy.invitations


@dataclass(frozen=True)
class Resend:
    """A pending invitation due to be sent again (``due``), or one that has had its resends."""

    due: bool
    reason: str
    sent_before: int
    age_days: int


def invitation_age(found: LiveCollaboration, live: LiveState) -> timedelta | None:
    created = box_time(found.created_at)
    if created is None or live.read_at is None:
        return None
    return live.read_at - created


def resend(
    delivery: Delivery, policy: Policy, found: LiveCollaboration, live: LiveState
) -> Resend | None:
    """Whether this pending invitation is sent again now; None when it is not yet time."""
    rule = resending(delivery, policy)
    if rule is None or found.status is not InviteStatus.PENDING:
        return None
    age = invitation_age(found, live)
    if age is None or age < timedelta(days=rule.after_days):
        return None
    sent = live.resends_of(found)
    days = age.days
    if sent >= rule.max_resends:
        return Resend(
            False,
            f"pending for {_count(days, 'day')}; sent again {_count(sent, 'time')} already, "
            f"max_resends = {rule.max_resends}: not sent again",
            sent,
            days,
        )
    return Resend(
        True,
        f"pending for {_count(days, 'day')} (resend_after_days = {rule.after_days}): "
        f"send the invitation again ({sent + 1} of {rule.max_resends})",
        sent,
        days,
    )


def dropped(principal: Principal, item: ItemRef, live: LiveState) -> str | None:
    """Why a missing invitation is created again: Box dropped one the ledger says was sent."""
    if principal.kind is not PrincipalKind.EMAIL:
        return None
    entry = live.invitations.get((item, principal.key))
    if entry is None:
        return None
    return f"Box dropped the invitation sent {entry.invited_at[:10]}: invited again"


def _count(number: int, word: str) -> str:
    """``1 day``, ``3 days``: the planner's own words, kept apart from the renderers."""
    return f"{number} {word}{'' if number == 1 else 's'}"
