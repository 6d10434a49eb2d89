"""Comparing who has access to one folder, file or hub with who the manifests say should: the
part the collaboration and hub stages share (claims, matching, role changes, undeclared people)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

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
from reconciler.plan import Action, Change, ChangeKey, Kind
from reconciler.plan.payloads import Access, Payload
from reconciler.planning import lifecycle
from reconciler.planning.invitations import most_advanced, own_access
from reconciler.planning.stage import Inputs, change_on, where


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


#: What a stage plans for a claim nobody in Box answers yet (an invitation, a hub membership).
Missing = Callable[[LiveItem, Claim], Change]


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
            planned = _compare(item, kind, claim, best, inputs)
        elif own_access(claim.principal, item, inputs.live) is not None:
            planned = None
        elif ended is not None:
            planned = change(Action.WAIT, kind, claim, item, ended)  # expired: not again
        else:
            planned = missing(item, claim)
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


def _compare(
    item: LiveItem, kind: Kind, claim: Claim, found: LiveCollaboration, inputs: Inputs
) -> Change | None:
    before: Access = {"role": found.role}
    if found.status is InviteStatus.REJECTED:
        reason = "invitation rejected: not invited again"
        return change(Action.WAIT, kind, claim, item, reason, before=before, collab=found)
    chased = _resend(item, claim, found, inputs) if kind is Kind.COLLABORATION else None
    if chased is not None and chased.action is Action.RESEND:
        return chased  # sent again with the manifest's role and expiry
    expiry = (
        lifecycle.expiry_change(claim.delivery, claim.client, found)
        if kind is Kind.COLLABORATION
        else None
    )
    after: Access = {"role": claim.role}
    if expiry is not None:
        before.update(expiry.before)
        after.update(expiry.after)
    kept = (
        lifecycle.policy_expiry(claim.delivery, claim.client, found)
        if kind is Kind.COLLABORATION
        else None
    )
    if found.role.casefold() == claim.role.casefold():
        if expiry is None and chased is None and kept is not None:
            shown: Access = {**before, "expires_at": found.expires_at}
            return change(Action.UNMANAGED, kind, claim, item, kept, before=shown, collab=found)
        if expiry is None:
            return chased  # nothing to change; an invitation past its resends is reported
        after["role"] = found.role
        return change(
            Action.CHANGE,
            kind,
            claim,
            item,
            expiry.reason,
            before=before,
            after=after,
            collab=found,
        )
    return _new_role(item, kind, claim, found, inputs, expiry, before=before, after=after)


def _new_role(
    item: LiveItem,
    kind: Kind,
    claim: Claim,
    found: LiveCollaboration,
    inputs: Inputs,
    expiry: lifecycle.ExpiryChange | None,
    *,
    before: Access,
    after: Access,
) -> Change:
    """The manifest gives another role than Box's: change it, unless that would downgrade a
    guarded collaborator."""
    guard_ = guard(found, item, inputs)
    if guard_ and ROLE_RANK.get(claim.role, 0) < ROLE_RANK.get(found.role, 0):
        reason = f"{guard_}: never downgraded"
        return change(
            Action.UNMANAGED, kind, claim, item, reason, before={"role": found.role}, collab=found
        )
    pending = " (invitation still pending)" if found.status is InviteStatus.PENDING else ""
    also = f"; {expiry.reason}" if expiry is not None else ""
    return change(
        Action.CHANGE,
        kind,
        claim,
        item,
        f"role in Box differs from the manifest{pending}{also}",
        before=before,
        after=after,
        collab=found,
    )


def _resend(
    item: LiveItem, claim: Claim, found: LiveCollaboration, inputs: Inputs
) -> Change | None:
    """A pending invitation old enough to be sent again, or a note that it has had its resends."""
    chased = lifecycle.resend(claim.delivery, inputs.policy, found, inputs.live)
    if chased is None:
        return None
    kind = Kind.COLLABORATION
    if not chased.due:
        return change(Action.WAIT, kind, claim, item, chased.reason, collab=found)
    return change(
        Action.RESEND,
        kind,
        claim,
        item,
        chased.reason,
        before={"role": found.role, "invited_at": found.created_at},
        after={
            "role": claim.role,
            **lifecycle.expiry_on_create(claim.delivery, claim.client),
            "resends": chased.sent_before + 1,
        },
        collab=found,
        notify=True,
        ledger=True,
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
    return change_on(
        action,
        kind,
        delivery,
        item,
        None,
        principal,
        reason,
        before=before,
        box_ids=collab.box_ids(),
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
    kind: Kind,
    claim: Claim,
    item: LiveItem,
    reason: str,
    *,
    before: Payload | None = None,
    after: Payload | None = None,
    collab: LiveCollaboration | None = None,
    box_ids: Mapping[str, str] | None = None,
    notify: bool | None = None,
    on_acceptance: bool = False,
    depends_on: tuple[ChangeKey, ...] = (),
    ledger: bool = False,
) -> Change:
    """A change asked for by ``claim``, carrying the Box ids of the collaboration it is about."""
    ids = dict(box_ids or {})
    if collab is not None:
        ids.update(collab.box_ids())
    return change_on(
        action,
        kind,
        claim.delivery,
        item,
        None,
        claim.principal,
        reason,
        before=before,
        after=after,
        origin=where(claim.client.origin),
        notify=notify,
        on_acceptance=on_acceptance,
        depends_on=depends_on,
        box_ids=ids,
        ledger=ledger,
    )


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
