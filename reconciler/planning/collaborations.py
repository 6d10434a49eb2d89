"""The collaborations stage: who collaborates on each delivered folder and file, with which role;
it hands on the invitations it creates, which hub memberships and assignments follow."""

from __future__ import annotations

from dataclasses import replace

from reconciler.model import ItemRef, LiveItem, Principal, PrincipalKind
from reconciler.plan import Action, Change, ChangeKey, Kind
from reconciler.planning.access import Claim, change, plan_target, targets
from reconciler.planning.stage import Handoff, Inputs, Step


def stage(inputs: Inputs, handoff: Handoff) -> Step:
    invited: dict[tuple[ItemRef, Principal], ChangeKey] = {}

    def invite(item: LiveItem, claim: Claim) -> Change:
        created = _invite(item, claim)
        invited[(item.ref, claim.principal)] = created.key
        return created

    changes: list[Change] = []
    for ref, target in targets(inputs.deliveries, hubs=False).items():
        changes.extend(plan_target(ref, Kind.COLLABORATION, target, inputs, invite))
    return Step(tuple(changes), replace(handoff, invitations=invited))


def _invite(item: LiveItem, claim: Claim) -> Change:
    reason = "not yet a collaborator"
    if claim.principal.kind is PrincipalKind.EMAIL:
        reason = "not yet invited"
    return change(
        Action.ADD,
        Kind.COLLABORATION,
        claim,
        item,
        reason,
        after={"role": claim.role},
        notify=claim.delivery.notify,
    )
