"""How apply carries the life of a delivery: expiry dates (Box's refusal said once per run) and
the invitation ledger it keeps in Box."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from reconciler.errors import EXPIRY_SETTING, ExpiryRefused, Forbidden
from reconciler.model import box_time
from reconciler.plan import Change, payloads

if TYPE_CHECKING:
    from reconciler.applying.context import Context

T = TypeVar("T")
SKIPPED = "skipped: Box refuses expiry dates in this enterprise (see the error above)"


class Skipped(Exception):
    """Not tried: an earlier change of this run showed Box will refuse it (said once there)."""


def expiry_of(change: Change, ctx: Context) -> datetime | None:
    """The ``expires_at`` a change sends: a date from the plan, or days from now."""
    after = payloads.access(change.after)
    if after.get("expires_at"):
        return box_time(str(after["expires_at"]))
    days = after.get("expires_in_days")
    return ctx.clock() + timedelta(days=int(days)) if days else None


def refusing_expiry(ctx: Context, expires_at: object, write: Callable[[], T]) -> T:
    """Run a write that may carry ``expires_at``; Box's 403 to it is the enterprise setting,
    said once for the run (every later write with an expiry is skipped, not refused again)."""
    if not expires_at:
        return write()
    with ctx.lock:
        if ctx.expiry_refused:
            raise Skipped(SKIPPED)
    try:
        return write()
    except ExpiryRefused:
        raise  # the writer said why, for this one collaboration: other writes are still tried
    except Forbidden as err:
        with ctx.lock:
            first, ctx.expiry_refused = not ctx.expiry_refused, True
        if not first:
            raise Skipped(
                "skipped: Box refuses expiry dates in this enterprise (see above)"
            ) from None
        raise ExpiryRefused(
            f"Box refused an expiry date: collaborations can expire only when the enterprise "
            f"setting '{EXPIRY_SETTING}' is on (Box Admin Console, Enterprise Settings). "
            "Turn it on, or remove expires / expires_in_days from the manifests",
            status=err.status,
            code=err.code,
            request_id=err.request_id,
        ) from None


def record(change: Change, ctx: Context, *, resent: bool, at: str | None) -> None:
    """Note the invitation in Box's ledger, for deliveries that chase or expire by days; ``at``
    is Box's ``created_at`` of the invitation (the applier's clock if Box sent none)."""
    if not change.ledger or change.principal is None:
        return
    invited = at or ctx.clock().replace(microsecond=0).isoformat()
    with ctx.lock:  # one item's ledger is read and rewritten whole: one writer at a time
        ctx.writer.record_invitation(change.item, change.principal.key, invited, resent=resent)
