"""Comparing who has access to one folder, file or hub with who the manifests say should: the
part the collaboration and hub stages share (claims, matching, role changes, undeclared people)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from reconciler.model import (
    ROLE_RANK,
    Client,
    Delivery,
    InviteStatus,
    ItemRef,
    LiveCollaboration,
    LiveItem,
    Principal,
    PrincipalKind,
)
from reconciler.plan import Action, Change, Kind
from reconciler.plan.payloads import Access, Payload, with_expiry
from reconciler.planning import lifecycle
from reconciler.planning.invitations import most_advanced, own_access
from reconciler.planning.stage import PLAIN, Extras, Inputs, Subject, change_on, where


@dataclass(frozen=True)
class Claim:
    """One delivery asking for one principal to have one role on one item or hub."""

    delivery: Delivery
    client: Client
    role: str

    @property
    def principal(self) -> Principal:
        return self.client.principal


@dataclass
class Target:
    """An item or hub, the deliveries that share it (sorted by name) and what they ask for."""

    deliveries: list[Delivery] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)


@dataclass(frozen=True)
class Asked:
    """One claim on one item or hub, as one kind of change, with the collaboration Box has
    for it (``found``) once there is one: what ``change`` makes a change of."""

    kind: Kind
    claim: Claim
    item: LiveItem
    found: LiveCollaboration | None = None

    def subject(self) -> Subject:
        claim = self.claim
        return Subject(self.kind, claim.delivery, self.item, claim.principal)


#: What a stage plans for a claim nobody in Box answers yet (an invitation, a hub membership).
Missing = Callable[[Asked], Change]


def targets(deliveries: Iterable[Delivery], *, hubs: bool) -> dict[ItemRef, Target]:
    out: dict[ItemRef, Target] = {}
    for delivery in deliveries:
        for ref in delivery.hub_refs() if hubs else delivery.items():
            target = out.setdefault(ref, Target())
            target.deliveries.append(delivery)
            for client in delivery.clients:
                role = client.hub_role if hubs else client.role
                target.claims.append(Claim(delivery, client, role))
    return dict(sorted(out.items()))


def plan_target(
    ref: ItemRef,
    kind: Kind,
    target: Target,
    inputs: Inputs,
    missing: Missing,
    revoking: frozenset[str] = frozenset(),
) -> list[Change]:
    """Every claim on one item compared with Box, then whoever Box has that no claim names
    (but not those a revoked delivery removes: ``revoking``)."""
    item = inputs.live.items.get(ref) or LiveItem(ref, "", None)
    declared: set[str] = set()
    out: list[Change] = []
    for claim in _first_claims(target.claims):
        found = [c for c in item.collaborations if _matches(c, claim.principal, kind, inputs)]
        declared.update(c.id for c in found)
        best = most_advanced(found)
        ended = lifecycle.access_ended(claim.delivery, claim.client, inputs.live)
        planned: Change | None
        if best is not None:
            planned = _compare(Asked(kind, claim, item, best), inputs)
        elif own_access(claim.principal, item, inputs.live) is not None:
            planned = None
        elif ended is not None:
            planned = change(Action.WAIT, Asked(kind, claim, item), ended)  # expired: not again
        else:
            planned = missing(Asked(kind, claim, item))
        if planned is not None:
            out.append(planned)
    undeclared = sorted(
        (
            c
            for c in item.collaborations
            if c.id not in declared and f"{kind.value}:{c.id}" not in revoking
        ),
        key=lambda c: c.id,
    )
    out.extend(_undeclared(item, kind, collab, target.deliveries, inputs) for collab in undeclared)
    return out


def _first_claims(claims: list[Claim]) -> list[Claim]:
    """One claim per principal: validation forbids conflicting roles; the first delivery speaks."""
    seen: dict[Principal, Claim] = {}
    for claim in claims:
        seen.setdefault(claim.principal, claim)
    return sorted(seen.values(), key=lambda c: (c.principal, c.delivery.name))


def _matches(collab: LiveCollaboration, principal: Principal, kind: Kind, inputs: Inputs) -> bool:
    if collab.matches(principal):
        return True
    # Hub collaborations carry no invite_email and hide the login while pending, so an email
    # client is recognised there by the Box user their folder or file invitation revealed.
    return (
        kind is Kind.HUB_COLLABORATION
        and principal.kind is PrincipalKind.EMAIL
        and collab.principal_type == "user"
        and principal.key in inputs.logins.get(collab.principal_id or "", frozenset())
    )


def _compare(asked: Asked, inputs: Inputs) -> Change | None:
    kind, claim, found = asked.kind, asked.claim, asked.found
    assert found is not None, "compared with the collaboration Box has"
    before: Access = {"role": found.role}
    if found.status is InviteStatus.REJECTED:
        reason = "invitation rejected: not invited again"
        return change(Action.WAIT, asked, reason, before=before)
    chased = _resend(asked, inputs) if kind is Kind.COLLABORATION else None
    if chased is not None and chased.action is Action.RESEND:
        return chased  # sent again with the manifest's role and expiry
    expiry = (
        lifecycle.expiry_change(claim.delivery, claim.client, found)
        if kind is Kind.COLLABORATION
        else None
    )
    after: Access = {"role": claim.role}
    if expiry is not None:
        before = with_expiry(before, expiry.before)
        after = with_expiry(after, expiry.after)
    kept = (
        lifecycle.policy_expiry(claim.delivery, claim.client, found)
        if kind is Kind.COLLABORATION
        else None
    )
    if found.role.casefold() == claim.role.casefold():
        if expiry is None and chased is None and kept is not None:
            shown: Access = {**before, "expires_at": found.expires_at}
            return change(Action.UNMANAGED, asked, kept, before=shown)
        if expiry is None:
            return chased  # nothing to change; an invitation past its resends is reported
        after["role"] = found.role
        return change(Action.CHANGE, asked, expiry.reason, before=before, after=after)
    return _new_role(asked, inputs, expiry, before=before, after=after)


def _new_role(
    asked: Asked,
    inputs: Inputs,
    expiry: lifecycle.ExpiryChange | None,
    *,
    before: Access,
    after: Access,
) -> Change:
    """The manifest gives another role than Box's: change it, unless that would downgrade a
    guarded collaborator."""
    claim, found = asked.claim, asked.found
    assert found is not None, "a role is changed on the collaboration Box has"
    guard_ = guard(found, asked.item, inputs)
    if guard_ and ROLE_RANK.get(claim.role, 0) < ROLE_RANK.get(found.role, 0):
        reason = f"{guard_}: never downgraded"
        return change(Action.UNMANAGED, asked, reason, before={"role": found.role})
    pending = " (invitation still pending)" if found.status is InviteStatus.PENDING else ""
    also = f"; {expiry.reason}" if expiry is not None else ""
    return change(
        Action.CHANGE,
        asked,
        f"role in Box differs from the manifest{pending}{also}",
        before=before,
        after=after,
    )


def _resend(asked: Asked, inputs: Inputs) -> Change | None:
    """A pending invitation old enough to be sent again, or a note that it has had its resends."""
    claim, found = asked.claim, asked.found
    assert found is not None, "only an invitation Box has is sent again"
    chased = lifecycle.resend(claim.delivery, inputs.policy, found, inputs.live)
    if chased is None:
        return None
    if not chased.due:
        return change(Action.WAIT, asked, chased.reason)
    after = with_expiry(
        {"role": claim.role, "resends": chased.sent_before + 1},
        lifecycle.expiry_on_create(claim.delivery, claim.client),
    )
    return change(
        Action.RESEND,
        asked,
        chased.reason,
        before={"role": found.role, "invited_at": found.created_at},
        after=after,
        extras=Extras(notify=True, ledger=True),
    )


def _undeclared(
    item: LiveItem,
    kind: Kind,
    collab: LiveCollaboration,
    sharing: list[Delivery],
    inputs: Inputs,
) -> Change:
    pruning = [d for d in sharing if d.prune]
    delivery = (pruning or sharing)[0]
    stop = guard(collab, item, inputs)
    status = "" if collab.status is InviteStatus.ACCEPTED else f" ({collab.status.value})"
    if stop:
        action, reason = Action.UNMANAGED, f"{stop}: never removed"
    elif pruning:
        action = Action.REMOVE
        reason = f"not declared by any manifest{status}; {delivery.name} prunes"
    else:
        action = Action.UNMANAGED
        reason = f"not declared by any manifest{status}; left alone (prune is off)"
    principal = _principal_of(collab, inputs)
    before: Access = {"role": collab.role}
    subject = Subject(kind, delivery, item, principal)
    return change_on(
        action, subject, reason, before=before, extras=Extras(box_ids=collab.box_ids())
    )


def guard(collab: LiveCollaboration, item: LiveItem, inputs: Inputs) -> str | None:
    """Why this collaborator must never be removed or downgraded, if they must not."""
    is_user = collab.principal_type == "user"
    if is_user and collab.principal_id and collab.principal_id == item.owner_id:
        return "item owner"
    me = inputs.live.me
    if is_user and (
        (collab.principal_id and collab.principal_id == me.id)
        or (collab.login and collab.login.casefold() == me.login.casefold())
    ):
        return "the reconciler's own account"
    known = inputs.logins.get(collab.principal_id or "", frozenset()) if is_user else frozenset()
    names = {n.casefold() for n in (collab.login, collab.invite_email, collab.principal_id) if n}
    protected = {p.strip().casefold() for p in inputs.policy.protected}
    if (names | known) & protected:
        return "protected by policy"
    unnamed = is_user and not collab.login and not collab.invite_email and not known
    if unnamed and any("@" in p for p in protected):
        # Box hides whose a pending hub invitation is: it may be a protected person's.
        return "Box does not show whose invitation this is, and people are protected by email"
    return None


def change(
    action: Action,
    asked: Asked,
    reason: str,
    *,
    before: Payload | None = None,
    after: Payload | None = None,
    extras: Extras = PLAIN,
) -> Change:
    """A change ``asked`` for, from where its claim's client is declared, carrying the Box ids
    of the collaboration it is about (beside any in ``extras``)."""
    found = asked.found
    ids = {**extras.box_ids, **(found.box_ids() if found is not None else {})}
    origin = where(asked.claim.client.origin)
    extras = replace(extras, origin=origin, box_ids=ids)
    return change_on(action, asked.subject(), reason, before=before, after=after, extras=extras)


def _principal_of(collab: LiveCollaboration, inputs: Inputs) -> Principal:
    """How to name a collaborator no manifest declares: by email when Box shows one (for a
    pending hub member, the one their folder or file invitation showed)."""
    if collab.principal_type == "group" and collab.principal_id:
        return Principal(
            PrincipalKind.GROUP, collab.principal_id, collab.name or collab.principal_id
        )
    known = sorted(inputs.logins.get(collab.principal_id or "", ()))
    email = collab.login or collab.invite_email or next(iter(known), None)
    if email:
        return Principal.email(email)
    if collab.principal_id:
        return Principal.user(collab.principal_id)
    # A pending hub collaboration hides who it is; its id is all there is to name it by.
    return Principal(PrincipalKind.USER, f"?{collab.id}", f"pending collaborator {collab.id}")
