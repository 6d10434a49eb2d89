"""The hubs stage: hub memberships, which Box grants only to people with a Box account, so an
invited client joins once they accept (or on acceptance of an invitation this plan creates)."""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.model import InviteStatus, Principal, PrincipalKind
from reconciler.plan import Action, Change, ChangeKey, Kind
from reconciler.plan.payloads import Access
from reconciler.planning.access import Asked, change, plan_target, targets
from reconciler.planning.stage import Extras, Handoff, Inputs, Step

#: Why an email client with an invitation in Box, but no account yet, cannot join the hub.
WAITING: Mapping[InviteStatus, str] = {
    InviteStatus.PENDING: (
        "waiting for the invitation to be accepted: hubs take only people with a Box account"
    ),
    InviteStatus.REJECTED: "invitation rejected: cannot join the hub",
}


def stage(inputs: Inputs, handoff: Handoff) -> Step:
    invitations = handoff.first_invitations()

    def join(asked: Asked) -> Change:
        return _join_hub(asked, inputs, invitations)

    changes: list[Change] = []
    for ref, target in targets(inputs.deliveries, hubs=True).items():
        changes.extend(
            plan_target(ref, Kind.HUB_COLLABORATION, target, inputs, join, handoff.revoking)
        )
    return Step(tuple(changes), handoff)


def _join_hub(asked: Asked, inputs: Inputs, invitations: Mapping[Principal, ChangeKey]) -> Change:
    principal = asked.claim.principal
    after: Access = {"role": asked.claim.role}
    if principal.kind is not PrincipalKind.EMAIL:
        return change(Action.ADD, asked, "not yet a hub member", after=after)
    account = inputs.accounts.get(principal.key)
    if account is not None:
        return change(
            Action.ADD,
            asked,
            "accepted the invitation, so has a Box account: joins the hub",
            after=after,
            extras=Extras(box_ids={"user_id": account.id, "login": account.login}),
        )
    status = inputs.statuses.get(principal.key)
    if status is not None and status in WAITING:
        return change(Action.WAIT, asked, WAITING[status], after=after)
    invitation = invitations.get(principal)
    if invitation is not None:
        return change(
            Action.ADD,
            asked,
            "on acceptance of the invitation created in this plan (hubs need a Box account)",
            after=after,
            extras=Extras(on_acceptance=True, depends_on=(invitation,)),
        )
    # A delivery with hubs but no folders or files: the only way in is by login.
    return change(
        Action.ADD, asked, "invited to the hub by login (hubs need a Box account)", after=after
    )
