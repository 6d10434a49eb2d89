"""Pure planning: compare desired state with a live snapshot under a policy and return a Plan.

No I/O, no SDK, no clock: the same inputs, in any order, give the same plan. The plan is built by
``STAGES`` in order; each is a pure function of the ``Inputs`` and of the ``Handoff`` earlier
stages built, and returns its changes with the handoff, its own part added:

    revoke          ends revoke: true deliveries     hands on: what it removes (planned once)
    collaborations  folder and file collaborators    hands on: the invitations it creates
    hubs            hub memberships                  (follow those invitations on acceptance)
    tasks           one review task per file         hands on: each file and its task (Review)
    assignments     who must approve each file       hands on: the approvers who wait (Wait)

A new rule is one more stage: a function ``(Inputs, Handoff) -> Step`` added to ``STAGES``.

Pipeline (README, "Developing"): manifest → model → box → **planning** → plan → applying → status →
session → notify → doctor → watch → render → forge → cli.
"""

from __future__ import annotations

from reconciler.model import DesiredState, ItemRef, LiveState, Policy
from reconciler.plan import Change, Plan
from reconciler.planning import assignments, collaborations, hubs, revoke, tasks
from reconciler.planning.stage import Handoff, Inputs, Review, Stage, Step, Wait

__all__ = ["STAGES", "Handoff", "Inputs", "Review", "Stage", "Step", "Wait", "plan", "run"]

#: The stages in the order they run: each may read what the ones before it handed on.
STAGES: tuple[Stage, ...] = (
    revoke.stage,
    collaborations.stage,
    hubs.stage,
    tasks.stage,
    assignments.stage,
)


def run(inputs: Inputs, stages: tuple[Stage, ...] = STAGES) -> tuple[list[Change], Handoff]:
    """Every stage in order: all their changes, and the last handoff."""
    handoff = Handoff()
    changes: list[Change] = []
    for stage in stages:
        step = stage(inputs, handoff)
        changes.extend(step.changes)
        handoff = step.handoff
    return changes, handoff


def plan(desired: DesiredState, live: LiveState, policy: Policy) -> Plan:
    """The changes that make Box match ``desired``, plus what waits and what is left alone."""
    changes, _ = run(Inputs.of(desired, live, policy))
    return Plan(
        tuple(changes), collaborators=collaborator_counts(live), basis=(desired, live, policy)
    )


def collaborator_counts(live: LiveState) -> dict[ItemRef, int]:
    """Live collaborators per item, which the plan carries for its safety check."""
    return {ref: len(item.collaborations) for ref, item in live.items.items()}
