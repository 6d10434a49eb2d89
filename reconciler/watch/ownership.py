"""Which delivered items the reconciler's account does not own, and what that costs the watcher:
Box sends collaboration events (an acceptance among them) to the content owner's ``changes``
stream only [Box's user-events guide]."""

from __future__ import annotations

import logging

from reconciler import workflow
from reconciler.manifest.service import WatchSettings
from reconciler.model import ItemKind, ItemRef, LiveState

log = logging.getLogger(__name__)


def unowned(live: LiveState) -> tuple[ItemRef, ...]:
    """The folders and files read that another account owns."""
    return tuple(
        sorted(
            item.ref
            for item in live.items.values()
            if item.ref.kind is not ItemKind.HUB
            and item.owner_id is not None
            and item.owner_id != live.me.id
        )
    )


def check_ownership(
    live: LiveState, desired: workflow.Desired, settings: WatchSettings
) -> tuple[ItemRef, ...]:
    """The delivered items another account owns, each logged at its manifest line with what
    to do about it."""
    found = unowned(live) if settings.follows_stream else ()
    for ref in found:
        owner = live.items[ref].owner_id
        if settings.stream_carries_decisions:
            then = "so the enterprise stream is read for acceptances too"
        else:
            then = (
                "so they reach this watcher only by the resync every "
                f"{settings.resync_minutes:g} minutes. Run the watcher as the owner (--as-user "
                f"{owner}), or use watch.stream_type: admin_logs_streaming, or webhooks "
                "(reconcile watch --listen)"
            )
        log.warning(
            "%s: %s %s is owned by user %s, not by the reconciler's account (%s): Box sends its "
            "acceptances to the owner's changes stream only, %s",
            workflow.where_declared(desired.state, ref),
            ref.kind.value,
            ref.id,
            owner,
            live.me.id,
            then,
        )
    return found
