"""The hubs stage: hub memberships, which Box grants only to people with a Box account, so an
invited client joins once they accept (or on acceptance of an invitation this plan creates)."""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.model import InviteStatus, LiveItem, Principal, PrincipalKind
from reconciler.plan import Action, Change, ChangeKey, Kind
from reconciler.plan.payloads import Access
from reconciler.planning.access import Claim, change, plan_target, targets
from reconciler.planning.stage import Handoff, Inputs, Step

#: Why an email client with an invitation in Box, but no account yet, cannot join the hub.
WAITING: Mapping[InviteStatus, str] = {
    InviteStatus.PENDING: (
        "waiting for the invitation to be accepted: hubs take only people with a Box account"
    ),
    InviteStatus.REJECTED: "invitation rejected: cannot join the hub",
}


def stage(inputs: Inputs, handoff: Handoff) -> Step:
    invitations = handoff.first_invitations()

    def join(item: LiveItem, claim: Claim) -> Change:
        return _join_hub(item, claim, inputs, invitations)

    changes: list[Change] = []
    for ref, target in targets(inputs.deliveries, hubs=True).items():
        changes.extend(
            plan_target(ref, Kind.HUB_COLLABORATION, target, inputs, join, handoff.revoking)
        )
    return Step(tuple(changes), handoff)


def _join_hub(
    item: LiveItem, claim: Claim, inputs: Inputs, invitations: Mapping[Principal, ChangeKey]
) -> Change:
    principal = claim.principal
    after: Access = {"role": claim.role}
    kind = Kind.HUB_COLLABORATION
    if principal.kind is not PrincipalKind.EMAIL:
        return change(Action.ADD, kind, claim, item, "not yet a hub member", after=after)
    account = inputs.accounts.get(principal.key)
    if account is not None:
        return change(
            Action.ADD,
            kind,
            claim,
            item,
            "accepted the invitation, so has a Box account: joins the hub",
            after=after,
            box_ids={"user_id": account.id, "login": account.login},
        )
    status = inputs.statuses.get(principal.key)
    if status is not None and status in WAITING:
        return change(Action.WAIT, kind, claim, item, WAITING[status], after=after)
    invitation = invitations.get(principal)
    if invitation is not None:
        return change(
            Action.ADD,
            kind,
            claim,
            item,
            "on acceptance of the invitation created in this plan (hubs need a Box account)",
            after=after,
            on_acceptance=True,
            depends_on=(invitation,),
        )
    # A delivery with hubs but no folders or files: the only way in is by login.
    return change(
        Action.ADD,
        kind,
        claim,
        item,
        "invited to the hub by login (hubs need a Box account)",
        after=after,
    )
