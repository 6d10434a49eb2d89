"""How far each person's invitation got, read from a live snapshot and from a plan's invites."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from reconciler.model import (
    InviteStatus,
    ItemKind,
    ItemRef,
    LiveCollaboration,
    LiveState,
    LiveUser,
    Principal,
)
from reconciler.plan import Action, Change, ChangeKey, Kind

#: When one person has several collaborations on an item, the one that says most wins.
STATUS_PREFERENCE: Mapping[InviteStatus, int] = {
    InviteStatus.ACCEPTED: 0,
    InviteStatus.PENDING: 1,
    InviteStatus.REJECTED: 2,
}


def most_advanced(found: Iterable[LiveCollaboration]) -> LiveCollaboration | None:
    """Accepted before pending before rejected; the lowest id breaks ties."""
    return min(found, key=lambda c: (STATUS_PREFERENCE[c.status], c.id), default=None)


def accounts(live: LiveState) -> dict[str, LiveUser]:
    """People who accepted an invitation to a folder or file have a Box user we can name."""
    out: dict[str, LiveUser] = {}
    for collab in item_collaborations(live):
        if collab.status is not InviteStatus.ACCEPTED or collab.principal_type != "user":
            continue
        if not collab.principal_id:
            continue
        user = LiveUser(collab.principal_id, collab.login or "", collab.name)
        for email in (collab.login, collab.invite_email):
            if email:
                out.setdefault(email.casefold(), user)
    return out


def invitations(live: LiveState) -> dict[str, InviteStatus]:
    """Email (casefolded) -> the most advanced status of any invitation to a folder or file."""
    out: dict[str, InviteStatus] = {}
    for collab in item_collaborations(live):
        for email in (collab.login, collab.invite_email):
            if not email:
                continue
            known = out.get(email.casefold())
            if known is None or STATUS_PREFERENCE[collab.status] < STATUS_PREFERENCE[known]:
                out[email.casefold()] = collab.status
    return out


def item_collaborations(live: LiveState) -> list[LiveCollaboration]:
    return sorted(
        (
            c
            for ref, item in live.items.items()
            if ref.kind is not ItemKind.HUB
            for c in item.collaborations
        ),
        key=lambda c: (str(c.item), c.id),
    )


def first_invitations(changes: Iterable[Change]) -> dict[Principal, ChangeKey]:
    """For each principal invited in this plan, the first invitation (in apply order)."""
    out: dict[Principal, ChangeKey] = {}
    for change in sorted(changes, key=Change.sort_key):
        if change.action is Action.ADD and change.principal is not None:
            out.setdefault(change.principal, change.key)
    return out


def invitations_by_item(changes: Iterable[Change]) -> dict[tuple[ItemRef, Principal], ChangeKey]:
    """The folder and file invitations this plan creates, by item and principal."""
    return {
        (c.item, c.principal): c.key
        for c in changes
        if c.kind is Kind.COLLABORATION and c.action is Action.ADD and c.principal is not None
    }
