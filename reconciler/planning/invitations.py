"""How far each person's invitation got, read from a live snapshot: the knowledge every stage
shares about who accepted, who is pending and who has a Box account."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from reconciler.model import (
    InviteStatus,
    ItemKind,
    LiveCollaboration,
    LiveItem,
    LiveState,
    LiveUser,
    Principal,
    PrincipalKind,
)

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


def logins_by_user(live: LiveState) -> dict[str, frozenset[str]]:
    """User id -> every email (casefolded) Box has shown for that user on a folder or file.

    A pending hub collaboration shows only the user id: this is how it is recognised.
    """
    out: dict[str, set[str]] = {live.me.id: {live.me.login.casefold()}} if live.me.login else {}
    for collab in item_collaborations(live):
        if collab.principal_type != "user" or not collab.principal_id:
            continue
        emails = {e.casefold() for e in (collab.login, collab.invite_email) if e}
        out.setdefault(collab.principal_id, set()).update(emails)
    return {user: frozenset(emails) for user, emails in out.items() if emails}


def statuses(live: LiveState) -> dict[str, InviteStatus]:
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


def own_access(principal: Principal, item: LiveItem, live: LiveState) -> str | None:
    """The Box user id of the owner or the reconciler's account, who reach an item without an
    invitation; None for everyone else."""
    if principal.kind is PrincipalKind.USER and principal.key in {item.owner_id, live.me.id}:
        return principal.key
    if principal.kind is PrincipalKind.EMAIL and principal.key == live.me.login.casefold():
        return live.me.id
    return None
