"""The collaborations stage: who collaborates on each delivered folder and file, with which role;
it hands on the invitations it creates, which hub memberships and assignments follow."""

from __future__ import annotations

from dataclasses import replace

from reconciler.model import ItemRef, Principal, PrincipalKind
from reconciler.plan import Action, Change, ChangeKey, Kind
from reconciler.plan.payloads import with_expiry
from reconciler.planning import lifecycle
from reconciler.planning.access import Asked, change, plan_target, targets
from reconciler.planning.stage import Extras, Handoff, Inputs, Step


def stage(inputs: Inputs, handoff: Handoff) -> Step:
    invited: dict[tuple[ItemRef, Principal], ChangeKey] = {}

    def invite(asked: Asked) -> Change:
        created = _invite(asked, inputs)
        invited[(asked.item.ref, asked.claim.principal)] = created.key
        return created

    changes: list[Change] = []
    for ref, target in targets(inputs.deliveries, hubs=False).items():
        changes.extend(
            plan_target(ref, Kind.COLLABORATION, target, inputs, invite, handoff.revoking)
        )
    return Step(tuple(changes), replace(handoff, invitations=invited))


def _invite(asked: Asked, inputs: Inputs) -> Change:
    claim = asked.claim
    reason = "not yet a collaborator"
    if claim.principal.kind is PrincipalKind.EMAIL:
        reason = (
            lifecycle.dropped(claim.principal, asked.item.ref, inputs.live) or "not yet invited"
        )
    after = with_expiry(
        {"role": claim.role}, lifecycle.expiry_on_create(claim.delivery, claim.client)
    )
    return change(
        Action.ADD,
        asked,
        reason,
        after=after,
        extras=Extras(
            notify=claim.delivery.notify,
            ledger=lifecycle.keeps_ledger(claim.delivery, claim.client, inputs.policy),
        ),
    )
