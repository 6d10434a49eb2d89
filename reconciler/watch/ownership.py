"""Which delivered items the reconciler's account does not own, and what that costs the watcher:
Box sends collaboration events (an acceptance among them) to the content owner's ``changes``
stream only [Box's user-events guide]."""

from __future__ import annotations

import logging

from reconciler.manifest.service import WatchSettings
from reconciler.model import ItemKind, ItemRef, LiveState
from reconciler.session import workflow

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
    """The delivered items another account owns. With the enterprise stream, each is logged
    at its manifest line with what the watcher does about it (the doctor's checks at start
    say what to do on the other streams)."""
    found = unowned(live) if settings.follows_stream else ()
    if not settings.stream_carries_decisions:
        return found
    for ref in found:
        log.info(
            "%s: %s %s is owned by user %s, not by the reconciler's account (%s): its "
            "acceptances reach only the owner's changes stream, so the enterprise stream is read "
            "for them too",
            workflow.where_declared(desired.state, ref),
            ref.kind.value,
            ref.id,
            live.items[ref].owner_id,
            live.me.id,
        )
    return found
