"""Pure planning: compare desired state with a live snapshot under a policy and return a Plan.

No I/O, no SDK, no clock: the same inputs, in any order, give the same plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from reconciler.approvals import plan_approvals
from reconciler.invitations import (
    accounts,
    first_invitations,
    invitations,
    invitations_by_item,
    most_advanced,
)
from reconciler.model import (
    ROLE_RANK,
    Client,
    Delivery,
    DesiredState,
    InviteStatus,
    ItemKind,
    ItemRef,
    LiveCollaboration,
    LiveItem,
    LiveState,
    LiveUser,
    Origin,
    Policy,
    Principal,
    PrincipalKind,
)
from reconciler.plan import Action, Change, ChangeKey, Kind, Plan


@dataclass(frozen=True)
class _Claim:
    """One delivery asking for one principal to have one role on one item or hub."""

    delivery: Delivery
    client: Client
    role: str

    @property
    def principal(self) -> Principal:
        return self.client.principal


@dataclass
class _Target:
    """An item or hub, the deliveries that share it (sorted by name) and what they ask for."""

    deliveries: list[Delivery] = field(default_factory=list)
    claims: list[_Claim] = field(default_factory=list)


@dataclass(frozen=True)
class _Context:
    """What every comparison needs to know besides the item at hand."""

    live: LiveState
    policy: Policy
    accounts: Mapping[str, LiveUser]  # email (casefolded) -> Box user, from accepted invitations
    invitations: Mapping[str, InviteStatus]  # email (casefolded) -> most advanced status


def plan(desired: DesiredState, live: LiveState, policy: Policy) -> Plan:
    """The changes that make Box match ``desired``, plus what waits and what is left alone."""
    deliveries = sorted(desired.deliveries, key=lambda d: d.name)
    ctx = _Context(live, policy, accounts(live), invitations(live))
    changes: list[Change] = []
    for ref, target in _targets(deliveries, hubs=False).items():
        changes.extend(_plan_target(ref, Kind.COLLABORATION, target, ctx, {}))
    invites = first_invitations(changes)
    for ref, target in _targets(deliveries, hubs=True).items():
        changes.extend(_plan_target(ref, Kind.HUB_COLLABORATION, target, ctx, invites))
    changes.extend(plan_approvals(deliveries, live, invitations_by_item(changes)))
    return Plan(tuple(changes))


def collaborator_counts(live: LiveState) -> dict[ItemRef, int]:
    """Live collaborators per item, as ``plan.check_safety`` wants them."""
    return {ref: len(item.collaborations) for ref, item in live.items.items()}


# --- gathering -----------------------------------------------------------------------------


def _targets(deliveries: Iterable[Delivery], *, hubs: bool) -> dict[ItemRef, _Target]:
    out: dict[ItemRef, _Target] = {}
    for delivery in deliveries:
        refs = tuple(ItemRef(ItemKind.HUB, h) for h in delivery.hubs) if hubs else delivery.items()
        for ref in refs:
            target = out.setdefault(ref, _Target())
            target.deliveries.append(delivery)
            for client in delivery.clients:
                role = client.hub_role if hubs else client.role
                target.claims.append(_Claim(delivery, client, role))
    return dict(sorted(out.items()))


def _first_claims(claims: list[_Claim]) -> list[_Claim]:
    """One claim per principal: validation forbids conflicting roles; the first delivery speaks."""
    seen: dict[Principal, _Claim] = {}
    for claim in claims:
        seen.setdefault(claim.principal, claim)
    return sorted(seen.values(), key=lambda c: (c.principal, c.delivery.name))


# --- comparing -----------------------------------------------------------------------------


def _plan_target(
    ref: ItemRef,
    kind: Kind,
    target: _Target,
    ctx: _Context,
    invites: Mapping[Principal, ChangeKey],
) -> list[Change]:
    item = ctx.live.items.get(ref) or LiveItem(ref, "", None)
    declared: set[str] = set()
    out: list[Change] = []
    for claim in _first_claims(target.claims):
        found = [c for c in item.collaborations if _matches(c, claim.principal, kind, ctx)]
        declared.update(c.id for c in found)
        best = most_advanced(found)
        if best is not None:
            change = _compare(item, kind, claim, best, ctx)
        elif _has_access_already(item, claim.principal, ctx.live):
            change = None
        elif kind is Kind.COLLABORATION:
            change = _invite(item, claim)
        else:
            change = _join_hub(item, claim, ctx, invites)
        if change is not None:
            out.append(change)
    undeclared = sorted(
        (c for c in item.collaborations if c.id not in declared), key=lambda c: c.id
    )
    out.extend(_undeclared(item, kind, collab, target.deliveries, ctx) for collab in undeclared)
    return out


def _matches(collab: LiveCollaboration, principal: Principal, kind: Kind, ctx: _Context) -> bool:
    if collab.matches(principal):
        return True
    # Hub collaborations carry no invite_email and hide the login while pending, so an email
    # client is recognised there by the Box user their accepted invitation revealed.
    account = ctx.accounts.get(principal.key) if principal.kind is PrincipalKind.EMAIL else None
    return (
        kind is Kind.HUB_COLLABORATION
        and account is not None
        and collab.principal_type == "user"
        and collab.principal_id == account.id
    )


def _has_access_already(item: LiveItem, principal: Principal, live: LiveState) -> bool:
    """The owner and the reconciler's account have access without a collaboration: no invite."""
    if principal.kind is PrincipalKind.USER:
        return principal.key in {item.owner_id, live.me.id}
    if principal.kind is PrincipalKind.EMAIL:
        return principal.key == live.me.login.casefold()
    return False


def _compare(
    item: LiveItem, kind: Kind, claim: _Claim, found: LiveCollaboration, ctx: _Context
) -> Change | None:
    if found.status is InviteStatus.REJECTED:
        return _change(
            Action.WAIT,
            kind,
            claim,
            item,
            "invitation rejected: not invited again",
            before={"role": found.role},
            collab=found,
        )
    if found.role.casefold() == claim.role.casefold():
        return None
    guard = _guard(found, item, ctx)
    if guard and ROLE_RANK.get(claim.role, 0) < ROLE_RANK.get(found.role, 0):
        return _change(
            Action.UNMANAGED,
            kind,
            claim,
            item,
            f"{guard}: never downgraded",
            before={"role": found.role},
            collab=found,
        )
    pending = " (invitation still pending)" if found.status is InviteStatus.PENDING else ""
    return _change(
        Action.CHANGE,
        kind,
        claim,
        item,
        f"role in Box differs from the manifest{pending}",
        before={"role": found.role},
        after={"role": claim.role},
        collab=found,
    )


def _invite(item: LiveItem, claim: _Claim) -> Change:
    reason = "not yet a collaborator"
    if claim.principal.kind is PrincipalKind.EMAIL:
        reason = "not yet invited"
    return _change(
        Action.ADD,
        Kind.COLLABORATION,
        claim,
        item,
        reason,
        after={"role": claim.role},
        notify=claim.delivery.notify,
    )


def _join_hub(
    item: LiveItem, claim: _Claim, ctx: _Context, invites: Mapping[Principal, ChangeKey]
) -> Change:
    principal = claim.principal
    after = {"role": claim.role}
    if principal.kind is not PrincipalKind.EMAIL:
        return _change(
            Action.ADD, Kind.HUB_COLLABORATION, claim, item, "not yet a hub member", after=after
        )
    account = ctx.accounts.get(principal.key)
    if account is not None:
        return _change(
            Action.ADD,
            Kind.HUB_COLLABORATION,
            claim,
            item,
            "accepted the invitation, so has a Box account: joins the hub",
            after=after,
            box_ids={"user_id": account.id, "login": account.login},
        )
    status = ctx.invitations.get(principal.key)
    if status is InviteStatus.PENDING:
        return _change(
            Action.WAIT,
            Kind.HUB_COLLABORATION,
            claim,
            item,
            "waiting for the invitation to be accepted: hubs take only people with a Box account",
            after=after,
        )
    if status is InviteStatus.REJECTED:
        return _change(
            Action.WAIT,
            Kind.HUB_COLLABORATION,
            claim,
            item,
            "invitation rejected: cannot join the hub",
            after=after,
        )
    invitation = invites.get(principal)
    if invitation is not None:
        return _change(
            Action.ADD,
            Kind.HUB_COLLABORATION,
            claim,
            item,
            "on acceptance of the invitation created in this plan (hubs need a Box account)",
            after=after,
            on_acceptance=True,
            depends_on=(invitation,),
        )
    # A delivery with hubs but no folders or files: the only way in is by login.
    return _change(
        Action.ADD,
        Kind.HUB_COLLABORATION,
        claim,
        item,
        "invited to the hub by login (hubs need a Box account)",
        after=after,
    )


def _undeclared(
    item: LiveItem, kind: Kind, collab: LiveCollaboration, sharing: list[Delivery], ctx: _Context
) -> Change:
    pruning = [d for d in sharing if d.prune]
    delivery = (pruning or sharing)[0]
    guard = _guard(collab, item, ctx)
    status = "" if collab.status is InviteStatus.ACCEPTED else f" ({collab.status.value})"
    if guard:
        action, reason = Action.UNMANAGED, f"{guard}: never removed"
    elif pruning:
        action, reason = (
            Action.REMOVE,
            f"not declared by any manifest{status}; {delivery.name} prunes",
        )
    else:
        action = Action.UNMANAGED
        reason = f"not declared by any manifest{status}; left alone (prune is off)"
    return Change(
        action=action,
        kind=kind,
        delivery=delivery.name,
        item=item.ref,
        item_name=item.name,
        principal=_principal_of(collab),
        reason=reason,
        before={"role": collab.role},
        box_ids=_collab_ids(collab),
    )


def _guard(collab: LiveCollaboration, item: LiveItem, ctx: _Context) -> str | None:
    """Why this collaborator must never be removed or downgraded, if they must not."""
    is_user = collab.principal_type == "user"
    if is_user and collab.principal_id and collab.principal_id == item.owner_id:
        return "item owner"
    me = ctx.live.me
    if is_user and (
        (collab.principal_id and collab.principal_id == me.id)
        or (collab.login and collab.login.casefold() == me.login.casefold())
    ):
        return "the reconciler's own account"
    names = {n.casefold() for n in (collab.login, collab.invite_email, collab.principal_id) if n}
    if names & {p.strip().casefold() for p in ctx.policy.protected}:
        return "protected by policy"
    return None


# --- building changes ----------------------------------------------------------------------


def _change(
    action: Action,
    kind: Kind,
    claim: _Claim,
    item: LiveItem,
    reason: str,
    *,
    before: Mapping[str, str] | None = None,
    after: Mapping[str, str] | None = None,
    collab: LiveCollaboration | None = None,
    box_ids: Mapping[str, str] | None = None,
    notify: bool | None = None,
    on_acceptance: bool = False,
    depends_on: tuple[ChangeKey, ...] = (),
) -> Change:
    ids = dict(box_ids or {})
    if collab is not None:
        ids.update(_collab_ids(collab))
    return Change(
        action=action,
        kind=kind,
        delivery=claim.delivery.name,
        item=item.ref,
        item_name=item.name,
        principal=claim.principal,
        reason=reason,
        before=before,
        after=after,
        origin=_origin(claim.client.origin),
        notify=notify,
        on_acceptance=on_acceptance,
        depends_on=depends_on,
        box_ids=ids,
    )


def _collab_ids(collab: LiveCollaboration) -> dict[str, str]:
    ids = {"collaboration_id": collab.id}
    if collab.principal_type == "user" and collab.principal_id:
        ids["user_id"] = collab.principal_id
    if collab.principal_type == "group" and collab.principal_id:
        ids["group_id"] = collab.principal_id
    return ids


def _principal_of(collab: LiveCollaboration) -> Principal:
    """How to name a collaborator no manifest declares: by email when Box shows one."""
    if collab.principal_type == "group" and collab.principal_id:
        return Principal(
            PrincipalKind.GROUP, collab.principal_id, collab.name or collab.principal_id
        )
    email = collab.login or collab.invite_email
    if email:
        return Principal.email(email)
    if collab.principal_id:
        return Principal.user(collab.principal_id)
    # A pending hub collaboration hides who it is; its id is all there is to name it by.
    return Principal(PrincipalKind.USER, f"?{collab.id}", f"pending collaborator {collab.id}")


def _origin(origin: Origin | None) -> str | None:
    return None if origin is None else f"{origin.file}:{origin.line}"
